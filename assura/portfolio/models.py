"""Insurance portfolio: catalogue (branch → product → formula → guarantees), quotes, policies
with their versions and endorsements, receivables (instalments, payments, dunning), claims."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assura.core.models import TenantModel
from assura.portfolio.choices import (
    ClaimStatus,
    ClaimType,
    DeclarationChannel,
    DistributionChannel,
    ObjectKind,
    PaymentFrequency,
    PaymentMethod,
    PolicyStatus,
    PremiumMode,
    QuoteStatus,
)

ZERO = Decimal("0.00")
POSITIVE = [MinValueValidator(ZERO)]


def money(verbose, **kwargs):
    kwargs.setdefault("validators", POSITIVE)
    return models.DecimalField(verbose, max_digits=14, decimal_places=2, **kwargs)


# --- Catalogue ---------------------------------------------------------------------------------------

class PortfolioSettings(TenantModel):
    """The company's premium taxes and scheduler settings (one row per company)."""

    tax_rate = models.DecimalField(_("taxe (TVA, %)"), max_digits=5, decimal_places=2, default=Decimal("19.00"),
                                   validators=POSITIVE)
    stamp_duty = money(_("droit de timbre (DA)"), default=Decimal("40.00"))
    policy_cost = money(_("coût de police (DA)"), default=Decimal("500.00"))
    renewal_lead_days = models.PositiveSmallIntegerField(_("délai de la tâche de renouvellement (jours)"), default=30)
    dunning_steps = models.JSONField(
        _("plan de relance (jours par rapport à l'échéance)"), default=list, blank=True,
        help_text=_("Ex. -15, 1, 15, 30 : J-15 rappel, J+1, J+15, J+30 mise en demeure."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="portfoliosettings_one_per_org")]
        verbose_name = _("paramètres du portefeuille")

    def __str__(self):
        return str(_("Paramètres du portefeuille"))

    def get_absolute_url(self):
        return reverse("portfolio:settings")


class Branch(TenantModel):
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("nom"), max_length=120)
    number_pattern = models.CharField(
        _("modèle de numéro de police"), max_length=60, default="{code}-{annee}-{seq}",
        help_text=_("Éléments : {code}, {annee}, {agence}, {seq} (numéro d'ordre sur 6 chiffres)."))
    position = models.PositiveSmallIntegerField(_("ordre"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    tenant_unique_fields = {"code": _("Ce code de branche existe déjà.")}

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="branch_code_unique_per_org")]
        verbose_name = _("branche")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("portfolio:branch_update", args=[self.pk])


class Product(TenantModel):
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="products", verbose_name=_("branche"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("nom"), max_length=120)
    object_kind = models.CharField(_("objet assuré"), max_length=15, choices=ObjectKind.choices)
    object_schema = models.JSONField(
        _("champs de l'objet assuré"), default=list, blank=True,
        help_text=_("Liste de champs : nom, libellé, type (text, int, decimal, date, choice), obligatoire, choix."))
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("actif"), default=True)

    tenant_unique_fields = {"code": _("Ce code de produit existe déjà.")}

    class Meta:
        ordering = ["branch__position", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="product_code_unique_per_org")]
        verbose_name = _("produit")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("portfolio:product_detail", args=[self.pk])


class Guarantee(TenantModel):
    """A cover of a product, with its limit, deductible and premium rule."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="guarantees",
                                verbose_name=_("produit"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("nom"), max_length=120)
    limit = money(_("plafond (DA)"), null=True, blank=True)
    deductible = money(_("franchise (DA)"), null=True, blank=True)
    premium_mode = models.CharField(_("règle de prime"), max_length=5, choices=PremiumMode.choices)
    premium_amount = models.DecimalField(_("prime fixe (DA)"), max_digits=14, decimal_places=2, null=True,
                                         blank=True)
    premium_rate = models.DecimalField(_("taux (%)"), max_digits=7, decimal_places=4, null=True, blank=True)
    rate_base = models.CharField(_("base du taux"), max_length=40, blank=True,
                                 help_text=_("Champ de l'objet assuré servant de base, ex. valeur_venale."))
    position = models.PositiveSmallIntegerField(_("ordre"), default=100)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["product", "code"], name="guarantee_code_unique_per_product")]
        verbose_name = _("garantie")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("portfolio:product_detail", args=[self.product_id])


class Formula(TenantModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="formulas", verbose_name=_("produit"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("nom"), max_length=120)
    included = models.ManyToManyField(Guarantee, blank=True, related_name="+", verbose_name=_("garanties incluses"))
    optional = models.ManyToManyField(Guarantee, blank=True, related_name="+",
                                      verbose_name=_("garanties optionnelles"))
    position = models.PositiveSmallIntegerField(_("ordre"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["product", "code"], name="formula_code_unique_per_product")]
        verbose_name = _("formule")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("portfolio:product_detail", args=[self.product_id])


# --- Premium (shared by quotes and policies) ------------------------------------------------------------

class PremiumFields(models.Model):
    net_premium = money(_("prime nette"), default=ZERO)
    policy_cost = money(_("coût de police"), default=ZERO)
    tax = money(_("taxe"), default=ZERO)
    stamp_duty = money(_("droit de timbre"), default=ZERO)
    total_premium = money(_("prime totale"), default=ZERO)
    premium_lines = models.JSONField(_("détail de la prime"), default=list, blank=True)

    class Meta:
        abstract = True


class CustomerLinked(models.Model):
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("souscripteur (personne)"))
    account = models.ForeignKey("customers.Account", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("souscripteur (société)"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("gestionnaire"))
    agency = models.ForeignKey("identity.Agency", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("agence"))

    owner_field = "owner"
    agency_field = "agency"

    class Meta:
        abstract = True

    @property
    def holder(self):
        return self.contact or self.account


# --- Quotes ---------------------------------------------------------------------------------------------

class Quote(CustomerLinked, PremiumFields, TenantModel):
    number = models.CharField(_("numéro de devis"), max_length=30)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("produit"))
    formula = models.ForeignKey(Formula, on_delete=models.PROTECT, related_name="+", verbose_name=_("formule"))
    guarantees = models.ManyToManyField(Guarantee, blank=True, related_name="+", verbose_name=_("garanties"))
    insured_object = models.JSONField(_("objet assuré"), default=dict, blank=True)
    payment_frequency = models.CharField(_("fractionnement"), max_length=12, choices=PaymentFrequency.choices,
                                         default=PaymentFrequency.ANNUAL)
    valid_until = models.DateField(_("valable jusqu'au"))
    status = models.CharField(_("statut"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.PENDING)
    refusal_reason = models.CharField(_("motif du refus"), max_length=255, blank=True)
    policy = models.ForeignKey("Policy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("police créée"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="quote_number_unique_per_org")]
        indexes = [models.Index(fields=["organization", "status", "-created_at"], name="quote_org_status"),
                   models.Index(fields=["organization", "contact"], name="quote_org_contact")]
        verbose_name = _("devis")
        verbose_name_plural = _("devis")

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("portfolio:quote_detail", args=[self.pk])


# --- Policies -------------------------------------------------------------------------------------------

class Policy(CustomerLinked, PremiumFields, TenantModel):
    number = models.CharField(_("numéro de police"), max_length=40)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("produit"))
    formula = models.ForeignKey(Formula, on_delete=models.PROTECT, related_name="+", verbose_name=_("formule"))
    guarantees = models.ManyToManyField(Guarantee, blank=True, related_name="+", verbose_name=_("garanties"))
    insured_object = models.JSONField(_("objet assuré"), default=dict, blank=True)
    effective_date = models.DateField(_("date d'effet"))
    expiry_date = models.DateField(_("date d'échéance"))
    payment_frequency = models.CharField(_("fractionnement"), max_length=12, choices=PaymentFrequency.choices,
                                         default=PaymentFrequency.ANNUAL)
    channel = models.CharField(_("canal de distribution"), max_length=15, choices=DistributionChannel.choices,
                               default=DistributionChannel.AGENCY)
    intermediary = models.CharField(_("intermédiaire"), max_length=150, blank=True)
    status = models.CharField(_("statut"), max_length=12, choices=PolicyStatus.choices,
                              default=PolicyStatus.IN_FORCE)
    status_date = models.DateField(_("date du statut"), null=True, blank=True)
    status_reason = models.CharField(_("motif"), max_length=255, blank=True)
    previous_policy = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="next_policy", verbose_name=_("police précédente"))
    non_renewal_reason = models.CharField(_("motif de non-renouvellement"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    tenant_unique_fields = {"number": _("Ce numéro de police est déjà attribué.")}

    class Meta:
        ordering = ["-effective_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="policy_number_unique_per_org"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "expiry_date"], name="policy_org_status_expiry"),
            models.Index(fields=["organization", "agency", "status", "expiry_date"], name="policy_org_agency"),
            models.Index(fields=["organization", "owner", "status", "expiry_date"], name="policy_org_owner"),
            models.Index(fields=["organization", "contact", "-effective_date"], name="policy_org_contact"),
            models.Index(fields=["organization", "account", "-effective_date"], name="policy_org_account"),
            models.Index(fields=["organization", "-effective_date"], name="policy_org_effective"),
        ]
        verbose_name = _("police")
        verbose_name_plural = _("polices")

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("portfolio:policy_detail", args=[self.pk])

    def covers(self, day) -> bool:
        return self.effective_date <= day <= self.expiry_date


class PolicyStatusChange(TenantModel):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("de"), max_length=12, choices=PolicyStatus.choices, blank=True)
    to_status = models.CharField(_("vers"), max_length=12, choices=PolicyStatus.choices)
    on = models.DateField(_("date"))
    reason = models.CharField(_("motif"), max_length=255, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("changement de statut de police")


class Endorsement(TenantModel):
    """An avenant: a change of the policy from an effective date."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="endorsements")
    number = models.PositiveSmallIntegerField(_("numéro d'avenant"))
    effective_date = models.DateField(_("date d'effet"))
    description = models.CharField(_("objet de l'avenant"), max_length=255)
    premium_delta = models.DecimalField(_("écart de prime annuelle"), max_digits=14, decimal_places=2, default=ZERO)
    prorated_delta = models.DecimalField(_("écart au prorata"), max_digits=14, decimal_places=2, default=ZERO)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="endorsement_number_per_policy")]
        verbose_name = _("avenant")

    def __str__(self):
        return f"{self.policy.number} / {self.number}"


class PolicyVersion(TenantModel):
    """The policy's terms from `effective_date` on (version 1 at issue, one more per endorsement)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField(_("version"))
    effective_date = models.DateField(_("en vigueur à partir du"))
    endorsement = models.OneToOneField(Endorsement, null=True, blank=True, on_delete=models.CASCADE,
                                       related_name="version")
    data = models.JSONField(default=dict)  # formula, guarantees, insured object, premium breakdown
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version"]
        constraints = [models.UniqueConstraint(fields=["policy", "version"], name="policyversion_unique")]
        verbose_name = _("version de police")


# --- Receivables ----------------------------------------------------------------------------------------

class Instalment(TenantModel):
    """An échéance of a policy's premium. Owner, agency and holder are copied from the policy
    so that the profile tab, the ageing report and visibility read one table."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="instalments")
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    account = models.ForeignKey("customers.Account", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("gestionnaire"))
    agency = models.ForeignKey("identity.Agency", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("agence"))
    sequence = models.PositiveSmallIntegerField(_("n°"))
    due_date = models.DateField(_("échéance"))
    amount = money(_("montant"))
    paid_amount = money(_("payé"), default=ZERO)
    is_settled = models.BooleanField(_("soldée"), default=False)
    label = models.CharField(_("libellé"), max_length=120, blank=True)

    owner_field = "owner"
    agency_field = "agency"

    class Meta:
        ordering = ["due_date", "sequence", "id"]
        indexes = [
            models.Index(fields=["organization", "is_settled", "due_date"], name="instalment_org_open"),
            models.Index(fields=["organization", "agency", "is_settled", "due_date"], name="instalment_org_agency"),
            models.Index(fields=["organization", "owner", "is_settled", "due_date"], name="instalment_org_owner"),
            models.Index(fields=["organization", "contact", "due_date"], name="instalment_org_contact"),
            models.Index(fields=["organization", "account", "due_date"], name="instalment_org_account"),
        ]
        verbose_name = _("échéance")

    def __str__(self):
        return f"{self.policy.number} — {self.sequence}"

    def get_absolute_url(self):
        return reverse("portfolio:policy_detail", args=[self.policy_id]) + "?tab=echeances"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid_amount

    @property
    def status(self) -> str:
        from assura.portfolio.services import instalment_status

        return instalment_status(self)

    def get_status_display(self) -> str:
        from assura.portfolio.choices import InstalmentStatus

        return InstalmentStatus(self.status).label


class Payment(TenantModel):
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="payments", verbose_name=_("police"))
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    account = models.ForeignKey("customers.Account", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    agency = models.ForeignKey("identity.Agency", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("agence"))
    amount = money(_("montant"), validators=[MinValueValidator(Decimal("0.01"))])
    method = models.CharField(_("mode de paiement"), max_length=10, choices=PaymentMethod.choices)
    paid_on = models.DateField(_("date d'encaissement"))
    reference = models.CharField(_("référence"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    owner_field = "owner"
    agency_field = "agency"

    class Meta:
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["organization", "-paid_on"], name="payment_org_paid"),
                   models.Index(fields=["organization", "contact", "-paid_on"], name="payment_org_contact")]
        verbose_name = _("encaissement")

    def __str__(self):
        return f"{self.policy.number} — {self.amount}"

    def get_absolute_url(self):
        return reverse("portfolio:policy_detail", args=[self.policy_id]) + "?tab=echeances"


class PaymentAllocation(TenantModel):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    instalment = models.ForeignKey(Instalment, on_delete=models.CASCADE, related_name="allocations")
    amount = money(_("montant"))

    class Meta:
        verbose_name = _("affectation")


class DunningRecord(TenantModel):
    """A dunning step executed for an instalment (the unique key makes each step run once)."""

    instalment = models.ForeignKey(Instalment, on_delete=models.CASCADE, related_name="dunning")
    step = models.SmallIntegerField(_("étape (jours)"))
    executed_on = models.DateField(_("exécutée le"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instalment", "step"], name="dunning_once_per_step")]
        verbose_name = _("relance")


class RenewalTask(TenantModel):
    """The renewal task created for a policy's term (unique: created once however often the scheduler runs)."""

    policy = models.OneToOneField(Policy, on_delete=models.CASCADE, related_name="renewal_task")
    activity = models.ForeignKey("activities.Activity", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


# --- Claims ---------------------------------------------------------------------------------------------

class Claim(TenantModel):
    number = models.CharField(_("numéro de sinistre"), max_length=30)
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="claims", verbose_name=_("police"))
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    account = models.ForeignKey("customers.Account", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("gestionnaire"))
    agency = models.ForeignKey("identity.Agency", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("agence"))
    claim_type = models.CharField(_("type de sinistre"), max_length=12, choices=ClaimType.choices)
    guarantee = models.ForeignKey(Guarantee, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("garantie concernée"))
    loss_date = models.DateField(_("date du sinistre"))
    declared_on = models.DateField(_("date de déclaration"))
    declaration_channel = models.CharField(_("canal de déclaration"), max_length=15,
                                           choices=DeclarationChannel.choices, default=DeclarationChannel.AGENCY)
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    circumstances = models.TextField(_("circonstances"), blank=True)
    third_parties = models.TextField(_("tiers impliqués"), blank=True)
    estimated_amount = money(_("montant estimé"), default=ZERO)
    reserve = money(_("provision (réserve)"), default=ZERO)
    paid_amount = money(_("montant réglé"), default=ZERO)
    out_of_cover = models.BooleanField(_("hors garantie"), default=False)
    cover_note = models.CharField(_("motif hors garantie"), max_length=255, blank=True)
    expert = models.CharField(_("expert"), max_length=150, blank=True)
    expert_appointed_on = models.DateField(_("expert désigné le"), null=True, blank=True)
    expert_report_on = models.DateField(_("rapport d'expertise le"), null=True, blank=True)
    documents = models.JSONField(_("pièces reçues"), default=dict, blank=True)  # {code: true/false}
    event = models.CharField(_("événement (CATNAT)"), max_length=80, blank=True)
    status = models.CharField(_("statut"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.DECLARED)
    status_changed_at = models.DateTimeField(_("statut depuis"), default=timezone.now)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    owner_field = "owner"
    agency_field = "agency"
    tenant_unique_fields = {"number": _("Ce numéro de sinistre est déjà attribué.")}

    class Meta:
        ordering = ["-declared_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="claim_number_unique_per_org")]
        indexes = [
            models.Index(fields=["organization", "status", "-declared_on"], name="claim_org_status"),
            models.Index(fields=["organization", "agency", "status", "-declared_on"], name="claim_org_agency"),
            models.Index(fields=["organization", "owner", "status", "-declared_on"], name="claim_org_owner"),
            models.Index(fields=["organization", "contact", "-declared_on"], name="claim_org_contact"),
            models.Index(fields=["organization", "account", "-declared_on"], name="claim_org_account"),
            models.Index(fields=["organization", "-declared_on"], name="claim_org_declared"),
        ]
        verbose_name = _("sinistre")

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("portfolio:claim_detail", args=[self.pk])

    @property
    def outstanding_reserve(self) -> Decimal:
        return max(self.reserve - self.paid_amount, ZERO)


class ClaimStatusChange(TenantModel):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("de"), max_length=12, choices=ClaimStatus.choices, blank=True)
    to_status = models.CharField(_("vers"), max_length=12, choices=ClaimStatus.choices)
    at = models.DateTimeField(_("date"), default=timezone.now)
    reason = models.CharField(_("motif"), max_length=255, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "id"]


class ClaimPayment(TenantModel):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="payments")
    amount = money(_("montant"), validators=[MinValueValidator(Decimal("0.01"))])
    paid_on = models.DateField(_("date du règlement"))
    beneficiary = models.CharField(_("bénéficiaire"), max_length=150, blank=True)
    is_final = models.BooleanField(_("règlement définitif"), default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("règlement de sinistre")
