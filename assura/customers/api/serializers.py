"""Serializers of the customers API. They parse and render; services validate and write.

Relations naming tenant rows (owner, agency, parent, contact…) resolve through
`visible_to(request.user)`: another company's id is an invalid choice (400), never a way
across companies."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assura.api.serializers import VisibleRelatedField
from assura.core.models import Wilaya
from assura.core.serializing import PrefetchedListSerializer, ReadsPrefetched
from assura.customers.choices import Channel, PhoneType
from assura.customers.models import Account, Consent, Contact, Relationship
from assura.identity.models import Agency


class PhoneSerializer(serializers.Serializer):
    type = serializers.ChoiceField(label=_("Type"), choices=PhoneType.choices, default=PhoneType.MOBILE)
    number = serializers.CharField(
        label=_("Numéro"), max_length=30,
        help_text=_("Local (0550 12 34 56) ou international (+213 550 12 34 56) ; rendu en E.164."),
    )


class TagNamesField(ReadsPrefetched, serializers.ListField):
    """Tags by name: read from the record's tags (the `tags_list` a list prefetched, else the relation),
    written as names (unknown ones are created)."""

    child = serializers.CharField(max_length=50)

    def to_representation(self, value):
        return [tag.name for tag in (value.all() if hasattr(value, "all") else value)]


# The consent's `channel` and a record's `preferred_channel` share one choice set, which
# drf-spectacular would name twice (a warning). Described here as a plain enum until
# ENUM_NAME_OVERRIDES gives the set one name ("ChannelEnum": "assura.customers.choices.Channel").
@extend_schema_field({"type": "string", "enum": list(Channel.values), "description": "phone, sms, email…"})
class ConsentChannelField(serializers.ChoiceField):
    pass


class ConsentSerializer(serializers.ModelSerializer):
    channel = ConsentChannelField(choices=Channel.choices, read_only=True)

    class Meta:
        model = Consent
        fields = ["channel", "granted", "recorded_at", "source"]
        read_only_fields = fields
        list_serializer_class = PrefetchedListSerializer  # a list reads `consents_list` (prefetched)


class OfferedWilayaField(serializers.PrimaryKeyRelatedField):
    """The active wilayas, and the record's own one even if deactivated since (as the form)."""

    def get_queryset(self):
        instance = getattr(self.parent, "instance", None)
        return Wilaya.objects.offered(getattr(instance, "wilaya_id", None))


class CustomerSerializer(serializers.ModelSerializer):
    """What contacts and accounts share."""

    owner = VisibleRelatedField(get_user_model(), required=False, allow_null=True, label=_("gestionnaire attitré"))
    agency = VisibleRelatedField(Agency, required=False, allow_null=True, label=_("agence"))
    wilaya = OfferedWilayaField(
        queryset=Wilaya.objects.all(), required=False, allow_null=True, label=_("wilaya"),
        help_text=_("Code de la wilaya, par exemple « 16 » pour Alger."),
    )
    phones = PhoneSerializer(many=True, required=False, label=_("téléphones"))
    emails = serializers.ListField(child=serializers.EmailField(), required=False, label=_("e-mails"))
    tags = TagNamesField(required=False, label=_("étiquettes"))

    SHARED_FIELDS = [
        "address", "commune", "wilaya", "postal_code", "phone", "phones", "email", "emails", "preferred_channel",
        "segment", "tags", "owner", "agency", "notes", "created_at", "updated_at",
    ]

    def validate_phones(self, value):
        return [dict(item) for item in value]


class ContactSerializer(CustomerSerializer):
    full_name = serializers.CharField(source="__str__", read_only=True)
    nin = serializers.CharField(label=_("NIN"), max_length=30, required=False, allow_blank=True,
                                help_text=_("18 chiffres ; les espaces sont ignorés."))
    code = serializers.CharField(label=_("code client"), max_length=20, required=False, allow_blank=True,
                                 help_text=_("Généré à la création s'il n'est pas fourni."))
    consents = ConsentSerializer(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id", "code", "full_name", "civility", "last_name", "first_name", "last_name_ar", "first_name_ar",
            "birth_date", "gender", "nin", "id_document_type", "id_document_number", "id_document_expiry",
            "profession", "income_band", "preferred_language", "registered_on", "consents",
            *CustomerSerializer.SHARED_FIELDS,
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class DuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="contact.pk")
    code = serializers.CharField(source="contact.code")
    full_name = serializers.CharField(source="contact.__str__")
    score = serializers.IntegerField()
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=["nin", "email", "phone", "name", "birth_date", "wilaya"]),
        help_text=_("Ce qui coïncide : nin, email, phone, name, birth_date, wilaya."),
    )


class ContactCreatedSerializer(ContactSerializer):
    possible_duplicates = DuplicateSerializer(
        many=True, read_only=True,
        help_text=_("Contacts existants qui sont probablement la même personne (vide si aucun)."),
    )

    class Meta(ContactSerializer.Meta):
        fields = [*ContactSerializer.Meta.fields, "possible_duplicates"]


class AccountSerializer(CustomerSerializer):
    parent = VisibleRelatedField(Account, required=False, allow_null=True, label=_("société mère"))

    class Meta:
        model = Account
        fields = [
            "id", "name", "name_ar", "legal_form", "trade_register", "nif", "nis", "sector", "revenue",
            "revenue_band", "headcount", "website", "parent", *CustomerSerializer.SHARED_FIELDS,
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class AccountDuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="account.pk")
    name = serializers.CharField(source="account.name")
    nif = serializers.CharField(source="account.nif")
    score = serializers.IntegerField()
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=["nif", "trade_register", "nis", "name"]),
        help_text=_("Ce qui coïncide : nif, trade_register, nis, name."),
    )


class AccountCreatedSerializer(AccountSerializer):
    possible_duplicates = AccountDuplicateSerializer(
        many=True, read_only=True,
        help_text=_("Comptes existants qui sont probablement la même société (vide si aucun)."),
    )

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "possible_duplicates"]


class RelationshipSerializer(serializers.ModelSerializer):
    """A person linked to another person (`related_contact`) or to a company (`account`): one of the two."""

    contact = VisibleRelatedField(Contact, label=_("contact"))
    related_contact = VisibleRelatedField(Contact, required=False, allow_null=True, label=_("personne liée"))
    account = VisibleRelatedField(Account, required=False, allow_null=True, label=_("compte lié"))
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Relationship
        fields = ["id", "contact", "related_contact", "account", "kind", "kind_label", "note", "created_at"]
        read_only_fields = ["id", "created_at"]
