"""Serializers of the leads API. They parse and render; services write.

Relations that name tenant rows (owner, agency, contact, account) are resolved through
`visible_to(request.user)`: another company's id is an invalid choice (400)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assura.api.serializers import VisibleRelatedField
from assura.core.models import Wilaya
from assura.customers.choices import ACCOUNT_RELATIONS, RelationKind
from assura.customers.models import Account, Contact
from assura.identity.models import Agency
from assura.leads.choices import LeadStatus, Level, LostReason, Temperature
from assura.leads.models import Lead

ACCOUNT_RELATION_CHOICES = [(k.value, k.label) for k in RelationKind if k in ACCOUNT_RELATIONS]


# budget, interest and relevance share one choice set; drf-spectacular would name that enum three
# times (a warning that fails the schema check), so it is described as a pattern here.
# (Cleaner: ENUM_NAME_OVERRIDES {"LeadLevelEnum": "assura.leads.choices.Level"} in settings.)
@extend_schema_field({"type": "string", "pattern": f"^({'|'.join(['', *Level.values])})$",
                      "description": " | ".join(Level.values)})
class LevelField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Level.choices, required=False, allow_blank=True, **kwargs)


class LeadSerializer(serializers.ModelSerializer):
    owner = VisibleRelatedField(get_user_model(), allow_null=True, required=False,
                                help_text=_("Vide à la création : attribuée selon les règles d'attribution."))
    agency = VisibleRelatedField(Agency, allow_null=True, required=False)
    wilaya = serializers.PrimaryKeyRelatedField(queryset=Wilaya.objects.filter(is_active=True), allow_null=True,
                                                required=False, help_text=_("Code de la wilaya, ex. « 16 »."))
    temperature = serializers.ChoiceField(
        choices=Temperature.choices, required=False, allow_blank=True,
        help_text=_("Vide : calculée à partir de la qualification (budget, intérêt, délai, pertinence)."),
    )
    budget = LevelField(label=_("Budget"))
    interest = LevelField(label=_("Intérêt"))
    relevance = LevelField(label=_("Pertinence"))
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    temperature_label = serializers.CharField(source="get_temperature_display", read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id", "full_name", "job_title", "company", "phone", "email", "wilaya", "source", "products_wanted",
            "budget", "interest", "decision_timeframe", "relevance", "temperature", "temperature_label", "status",
            "status_label", "lost_reason", "owner", "agency", "notes", "converted_contact", "converted_account",
            "converted_at", "created_at", "updated_at",
        ]
        read_only_fields = ["status", "lost_reason", "converted_contact", "converted_account", "converted_at",
                            "created_at", "updated_at"]


class LeadTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(label=_("Statut"), choices=[
        (s.value, s.label) for s in LeadStatus if s != LeadStatus.CONVERTED
    ])
    lost_reason = serializers.ChoiceField(label=_("Raison de la perte"), choices=LostReason.choices, required=False,
                                          allow_blank=True, help_text=_("Obligatoire pour « perdu »."))


class LeadConvertSerializer(serializers.Serializer):
    contact = VisibleRelatedField(Contact, allow_null=True, required=False,
                                  help_text=_("Contact existant à lier ; vide : un contact est créé depuis la piste."))
    account = VisibleRelatedField(Account, allow_null=True, required=False,
                                  help_text=_("Compte existant à lier."))
    create_account = serializers.BooleanField(
        default=False, help_text=_("Sans compte choisi : créer un compte à partir de la société de la piste."),
    )
    relation_kind = serializers.ChoiceField(
        choices=ACCOUNT_RELATION_CHOICES, required=False,
        help_text=_("Rôle du contact dans le compte ; par défaut « dirigeant » pour un gérant ou directeur, "
                    "sinon « employé »."),
    )
    options = serializers.DictField(
        required=False,
        help_text=_("Options des autres modules, ex. {\"opportunity\": true} pour créer une opportunité."),
    )


class LeadConversionSerializer(serializers.Serializer):
    lead = serializers.IntegerField(source="lead.pk")
    contact = serializers.IntegerField(source="contact.pk")
    account = serializers.IntegerField(source="account.pk", allow_null=True)
    contact_created = serializers.BooleanField()
    account_created = serializers.BooleanField()


class ContactMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="contact.pk")
    code = serializers.CharField(source="contact.code")
    name = serializers.CharField(source="contact.__str__")
    phone = serializers.CharField(source="contact.phone")
    email = serializers.CharField(source="contact.email")
    score = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())


class AccountBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ["id", "name", "nif"]


class ConversionProposalsSerializer(serializers.Serializer):
    contacts = ContactMatchSerializer(many=True)
    accounts = AccountBriefSerializer(many=True)
