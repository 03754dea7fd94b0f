"""The single customer record: persons (contacts), companies (accounts), their relationships."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assura.core.models import TenantModel
from assura.core.reversing import reverse_pk
from assura.customers.choices import (
    Channel,
    Civility,
    Gender,
    IdDocumentType,
    IncomeBand,
    Language,
    LegalForm,
    RelationKind,
    RevenueBand,
    Sector,
    Segment,
)


class Tag(TenantModel):
    """A free label a company puts on contacts and accounts."""

    name = models.CharField(_("nom"), max_length=50)

    tenant_unique_fields = {"name": _("Cette étiquette existe déjà.")}

    class Meta:
        ordering = ["name"]
        verbose_name = _("étiquette")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="tag_unique_per_org")]

    def __str__(self):
        return self.name


class CustomerRecord(TenantModel):
    """What contacts and accounts share: ownership, location, channels, search column."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("gestionnaire attitré"),
    )
    agency = models.ForeignKey(
        "identity.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("agence")
    )
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    commune = models.CharField(_("commune"), max_length=80, blank=True)
    wilaya = models.ForeignKey(
        "core.Wilaya", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("wilaya")
    )
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    phone = models.CharField(_("téléphone principal"), max_length=20, blank=True)
    phones = models.JSONField(_("téléphones"), default=list, blank=True)  # [{"type": "mobile", "number": "+213…"}]
    email = models.EmailField(_("e-mail principal"), blank=True)
    emails = models.JSONField(_("e-mails"), default=list, blank=True)  # ["a@b.dz", …]
    preferred_channel = models.CharField(_("canal préféré"), max_length=10, choices=Channel.choices, blank=True)
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="+", verbose_name=_("étiquettes"))
    notes = models.TextField(_("notes"), blank=True)
    search_text = models.TextField(editable=False, default="")
    name_key = models.CharField(max_length=200, editable=False, default="", db_index=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    owner_field = "owner"
    agency_field = "agency"

    class Meta:
        abstract = True


class Contact(CustomerRecord):
    """A person: a customer, a prospect, an insured person or a beneficiary."""

    code = models.CharField(_("code client"), max_length=20)
    civility = models.CharField(_("civilité"), max_length=3, choices=Civility.choices, blank=True)
    last_name = models.CharField(_("nom"), max_length=100)
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    last_name_ar = models.CharField(_("nom (arabe)"), max_length=100, blank=True)
    first_name_ar = models.CharField(_("prénom (arabe)"), max_length=100, blank=True)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    gender = models.CharField(_("sexe"), max_length=1, choices=Gender.choices, blank=True)
    nin = models.CharField(
        _("NIN"), max_length=18, blank=True, help_text=_("Numéro d'identification nationale, 18 chiffres.")
    )
    id_document_type = models.CharField(
        _("pièce d'identité"), max_length=10, choices=IdDocumentType.choices, blank=True
    )
    id_document_number = models.CharField(_("numéro de la pièce"), max_length=30, blank=True)
    id_document_expiry = models.DateField(_("validité de la pièce"), null=True, blank=True)
    profession = models.CharField(_("profession"), max_length=100, blank=True)
    income_band = models.CharField(_("tranche de revenu"), max_length=10, choices=IncomeBand.choices, blank=True)
    preferred_language = models.CharField(_("langue préférée"), max_length=3, choices=Language.choices, default="fr")
    registered_on = models.DateField(_("date d'inscription"), null=True, blank=True)

    tenant_unique_fields = {"code": _("Ce code client est déjà attribué.")}

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("contact")
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="contact_code_unique_per_org")]
        indexes = [
            models.Index(fields=["organization", "last_name", "first_name", "id"], name="contact_org_name"),
            models.Index(fields=["organization", "agency", "last_name"], name="contact_org_agency"),
            models.Index(fields=["organization", "owner", "last_name"], name="contact_org_owner"),
            models.Index(fields=["organization", "wilaya"], name="contact_org_wilaya"),
            models.Index(fields=["organization", "-created_at"], name="contact_org_created"),
            models.Index(fields=["organization", "nin"], name="contact_org_nin"),
            models.Index(fields=["organization", "email"], name="contact_org_email"),
            models.Index(fields=["organization", "phone"], name="contact_org_phone"),
            models.Index(fields=["organization", "name_key"], name="contact_org_namekey"),
        ]

    def __str__(self):
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.code

    def get_absolute_url(self):
        return reverse_pk("customers:contact_detail", self.pk)

    @property
    def full_name_ar(self) -> str:
        return " ".join(p for p in (self.first_name_ar, self.last_name_ar) if p)


class Account(CustomerRecord):
    """A company: a corporate customer or prospect (raison sociale, RC, NIF, NIS…)."""

    name = models.CharField(_("raison sociale"), max_length=200)
    name_ar = models.CharField(_("raison sociale (arabe)"), max_length=200, blank=True)
    legal_form = models.CharField(_("forme juridique"), max_length=12, choices=LegalForm.choices, blank=True)
    trade_register = models.CharField(_("RC"), max_length=30, blank=True)
    nif = models.CharField(_("NIF"), max_length=20, blank=True)
    nis = models.CharField(_("NIS"), max_length=20, blank=True)
    trade_register_key = models.CharField(max_length=30, editable=False, default="")  # the RC without punctuation
    sector = models.CharField(_("secteur d'activité"), max_length=15, choices=Sector.choices, blank=True)
    revenue = models.DecimalField(_("chiffre d'affaires (DA)"), max_digits=16, decimal_places=2, null=True, blank=True)
    revenue_band = models.CharField(_("tranche de CA"), max_length=10, choices=RevenueBand.choices, blank=True)
    headcount = models.PositiveIntegerField(_("effectif"), null=True, blank=True)
    website = models.URLField(_("site web"), blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="subsidiaries",
        verbose_name=_("société mère"),
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("compte")
        indexes = [
            models.Index(fields=["organization", "name", "id"], name="account_org_name"),
            models.Index(fields=["organization", "agency", "name"], name="account_org_agency"),
            models.Index(fields=["organization", "owner", "name"], name="account_org_owner"),
            models.Index(fields=["organization", "nif"], name="account_org_nif"),
            models.Index(fields=["organization", "nis"], name="account_org_nis"),
            models.Index(fields=["organization", "trade_register_key"], name="account_org_rckey"),
            models.Index(fields=["organization", "name_key"], name="account_org_namekey"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse_pk("customers:account_detail", self.pk)


class Relationship(TenantModel):
    """A link from a person to another person (household) or to a company (its people)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="relationships",
                                verbose_name=_("contact"))
    related_contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                        verbose_name=_("personne liée"))
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="relationships", verbose_name=_("compte lié"))
    kind = models.CharField(_("lien"), max_length=20, choices=RelationKind.choices)
    note = models.CharField(_("précision"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relation")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(related_contact__isnull=False, account__isnull=True)
                           | models.Q(related_contact__isnull=True, account__isnull=False)),
                name="relationship_one_target",
            ),
        ]
        indexes = [models.Index(fields=["organization", "contact"], name="relationship_org_contact"),
                   models.Index(fields=["organization", "account"], name="relationship_org_account")]

    def __str__(self):
        return f"{self.contact} — {self.get_kind_display()} — {self.related_contact or self.account}"


class Consent(TenantModel):
    """A contact's marketing consent for one channel: given or withdrawn, when, from where."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    granted = models.BooleanField(_("accordé"))
    recorded_at = models.DateTimeField(_("date"))
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("consentement")
        constraints = [models.UniqueConstraint(fields=["contact", "channel"], name="consent_unique_per_channel")]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.granted}"



class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("À traiter")
    MERGED = "merged", _("Fusionné")
    DISMISSED = "dismissed", _("Ignoré")


class DuplicateReason(models.TextChoices):
    NIN = "nin", _("même NIN")
    EMAIL = "email", _("même e-mail")
    PHONE = "phone", _("même téléphone")
    NAME = "name", _("même nom")
    NAME_SWAPPED = "name_swapped", _("nom et prénom inversés")
    BIRTH_DATE = "birth_date", _("même date de naissance")
    WILAYA = "wilaya", _("même wilaya")


class DuplicateCandidate(TenantModel):
    """Two contacts that are probably the same person, found by the scan: to merge or dismiss.

    The pair is stored in id order (contact_a < contact_b). A merged contact leaves its side
    empty, so the row stays as a record of the decision."""

    contact_a = models.ForeignKey(Contact, null=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("contact A"))
    contact_b = models.ForeignKey(Contact, null=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("contact B"))
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    reasons = models.JSONField(_("motifs"), default=list, blank=True)  # ["nin", "phone", "name", "birth_date"…]
    status = models.CharField(_("statut"), max_length=10, choices=DuplicateStatus.choices,
                              default=DuplicateStatus.OPEN)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("traité par"))
    resolved_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    created_at = models.DateTimeField(_("détecté le"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("doublon probable")
        verbose_name_plural = _("doublons probables")
        constraints = [
            models.UniqueConstraint(fields=["organization", "contact_a", "contact_b"], name="duplicate_pair_unique"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-score"], name="duplicate_org_status"),
        ]

    def __str__(self):
        return f"{self.contact_a} ↔ {self.contact_b}"

    @property
    def reason_labels(self) -> list[str]:
        return [str(DuplicateReason(r).label) if r in DuplicateReason.values else r for r in self.reasons]
