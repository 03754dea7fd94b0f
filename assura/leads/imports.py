"""What the leads app imports and exports (discovered by assura.core.imports and
assura.core.exports_lists; see those modules for the engine).

Rows are cleaned by `lead_build`, the function the forms use, with `lead_create`'s rules:
a status may be given (never "converti"; "perdu" with its reason); a lead without an owner
is given by the company's assignment rules (else to the importing user) and takes the
rule's or the owner's agency. An existing lead changes status only along the allowed
transitions, and a converted lead is not updated. Imported leads send no assignment
notifications (one per row would flood the owners).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assura.core.exports_lists import ExportSpec, register_export
from assura.core.imports import DuplicateCheck, ImportField, ImportSpec, register_import
from assura.core.validators import normalize_phone
from assura.leads import selectors
from assura.leads.choices import DecisionTimeframe, LeadSource, LeadStatus, Level, LostReason, Temperature
from assura.leads.filters import LeadFilterSet
from assura.leads.models import AssignmentRule, Lead
from assura.leads.services import TRACKED, TRANSITIONS, assignment_pick, lead_build
from assura.leads.tables import LeadTable

LEVEL_ALIASES = {"bas": "faible", "low": "faible", "medium": "moyen", "moyenne": "moyen", "haut": "eleve",
                 "elevee": "eleve", "fort": "eleve", "high": "eleve"}


class LeadImport(ImportSpec):
    kind = "leads"
    label = gettext_lazy("Pistes")
    model = Lead
    fields = [
        ImportField("full_name", gettext_lazy("Nom complet"), synonyms=(
            "nom complet", "nom et prenom", "nom prenom", "prospect", "contact", "full name", "name", "nom"),
            required=True),
        ImportField("job_title", gettext_lazy("Fonction"), synonyms=("fonction", "poste", "titre", "job title",
                                                                      "position", "role")),
        ImportField("company", gettext_lazy("Société"), synonyms=("societe", "entreprise", "raison sociale",
                                                                   "organisme", "company", "organization")),
        ImportField("phone", gettext_lazy("Téléphone"), "phone", ("telephone", "tel", "mobile", "portable", "gsm",
                                                                  "phone", "phone number")),
        ImportField("email", gettext_lazy("E-mail"), "email", ("email", "e mail", "mail", "courriel",
                                                               "adresse email")),
        ImportField("wilaya", gettext_lazy("Wilaya"), "wilaya", ("wilaya", "code wilaya", "region", "province")),
        ImportField("source", gettext_lazy("Source"), "choice", ("source", "origine", "canal d acquisition",
                                                                 "lead source", "origin"),
                    required=True, choices=LeadSource,
                    aliases={"site": "site_web", "web": "site_web", "website": "site_web", "comparateur": "comparateur",
                             "comparator": "comparateur", "referral": "parrainage", "facebook": "reseaux_sociaux",
                             "instagram": "reseaux_sociaux", "social": "reseaux_sociaux",
                             "call center": "centre_appels", "fair": "salon", "campaign": "campagne"}),
        ImportField("products_wanted", gettext_lazy("Produits souhaités"), synonyms=(
            "produits souhaites", "produits", "produit", "besoin", "besoins", "products", "product", "interest in")),
        ImportField("budget", gettext_lazy("Budget"), "choice", ("budget",), choices=Level, aliases=LEVEL_ALIASES),
        ImportField("interest", gettext_lazy("Intérêt"), "choice", ("interet", "interest"), choices=Level,
                    aliases=LEVEL_ALIASES),
        ImportField("decision_timeframe", gettext_lazy("Délai de décision"), "choice",
                    ("delai de decision", "delai", "decision timeframe", "timeframe"), choices=DecisionTimeframe,
                    aliases={"immediat": "immediat", "1 mois": "1_mois", "3 mois": "3_mois"}),
        ImportField("relevance", gettext_lazy("Pertinence"), "choice", ("pertinence", "relevance", "fit"),
                    choices=Level, aliases=LEVEL_ALIASES),
        ImportField("temperature", gettext_lazy("Température"), "choice", ("temperature", "chaleur", "rating"),
                    choices=Temperature, aliases={"cold": "froid", "warm": "tiede", "hot": "chaud"}),
        ImportField("status", gettext_lazy("Statut"), "choice", ("statut", "etat", "status", "stage"),
                    choices=LeadStatus, aliases={"new": "nouveau", "contacted": "contacte", "qualified": "qualifie",
                                                 "lost": "perdu"}),
        ImportField("lost_reason", gettext_lazy("Raison de la perte"), "choice",
                    ("raison de la perte", "motif de perte", "raison", "lost reason"), choices=LostReason),
        ImportField("owner", gettext_lazy("Responsable (e-mail)"), "user", ("responsable", "commercial", "conseiller",
                                                                           "owner", "assigned to")),
        ImportField("agency", gettext_lazy("Agence"), "agency", ("agence", "code agence", "agency", "branch")),
        ImportField("notes", gettext_lazy("Notes"), synonyms=("notes", "note", "commentaire", "commentaires",
                                                              "remarques", "comments")),
    ]
    match_keys = {"email": gettext_lazy("E-mail"), "phone": gettext_lazy("Téléphone")}
    duplicate_checks = (
        DuplicateCheck("email", gettext_lazy("e-mail")),
        DuplicateCheck("phone", gettext_lazy("téléphone")),
    )
    describe_fields = ("full_name",)
    list_url_name = "leads:lead_list"
    tracked = TRACKED
    derived_fields = ("search_text", "temperature", "status", "lost_reason")

    def new_instance(self, ctx):
        return Lead(organization_id=ctx.organization_id)

    def build(self, instance, data, ctx):
        data = dict(data)
        status = data.pop("status", None)
        lost_reason = data.pop("lost_reason", None)
        errors: dict[str, list[str]] = {}
        if instance.pk is not None and instance.is_converted:
            raise ValidationError(_("Cette piste a été convertie : modifiez plutôt le contact créé."))
        if instance.pk is None:
            status = status or LeadStatus.NEW
        if status and status != instance.status:
            if status == LeadStatus.CONVERTED:
                errors["status"] = [_("Une piste ne devient « convertie » que par sa conversion.")]
            elif instance.pk is not None and status not in TRANSITIONS.get(instance.status, ()):
                errors["status"] = [_("Une piste « %(from)s » ne peut pas passer à « %(to)s ».") % {
                    "from": instance.get_status_display(), "to": LeadStatus(status).label}]
            else:
                instance.status = status
        if lost_reason is not None:
            instance.lost_reason = lost_reason
        if instance.status == LeadStatus.LOST and not instance.lost_reason and "status" not in errors:
            errors["lost_reason"] = [_("Indiquez la raison de la perte.")]
        if instance.status != LeadStatus.LOST:
            instance.lost_reason = ""
        try:
            lead_build(lead=instance, data=data)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def key_value(self, key, data):
        value = data.get(key) or ""
        if key == "phone":
            try:
                return normalize_phone(value)
            except ValidationError:
                return ""
        return value.strip().lower()

    def prepare_creates(self, instances, ctx, run):
        """Owners by the company's assignment rules (else the importing user), then agencies."""
        unowned = [lead for lead in instances if lead.owner_id is None]
        has_rules = unowned and AssignmentRule.objects.filter(organization_id=ctx.organization_id,
                                                              is_active=True).exists()
        for lead in unowned:
            rule, owner = assignment_pick(lead=lead) if has_rules else (None, None)
            lead.owner = owner or ctx.actor
            if rule is not None and lead.agency_id is None and rule.agency_id:
                lead.agency_id = rule.agency_id
        for lead in instances:
            if lead.agency_id is None and lead.owner is not None:
                lead.agency_id = lead.owner.agency_id


register_import(LeadImport())

register_export(ExportSpec(
    kind="leads", label=gettext_lazy("Pistes"), queryset=lambda user: selectors.lead_list(user=user),
    table=LeadTable, filterset=LeadFilterSet,
))
