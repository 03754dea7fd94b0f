"""Sales: opportunities on a per-company pipeline, their product lines and stage history,
sales targets and each user's dashboard widgets."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assura.core.models import TenantModel
from assura.sales.choices import Branch, LossReason, OpportunityKind, OpportunityStatus, TargetPeriod

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT = [MinValueValidator(0, _("La probabilité va de 0 à 100 %%.")),
           MaxValueValidator(100, _("La probabilité va de 0 à 100 %%."))]


class PipelineStage(TenantModel):
    """A column of the company's pipeline: order, default probability, and whether it closes the deal."""

    name = models.CharField(_("nom"), max_length=60)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    probability = models.PositiveSmallIntegerField(_("probabilité par défaut (%)"), validators=PERCENT)
    is_won = models.BooleanField(_("étape gagnée"), default=False)
    is_lost = models.BooleanField(_("étape perdue"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    tenant_unique_fields = {"name": _("Une étape porte déjà ce nom.")}

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("étape du pipeline")
        verbose_name_plural = _("étapes du pipeline")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="stage_unique_name_per_org")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sales:stage_update", args=[self.pk])

    @property
    def status(self) -> str:
        if self.is_won:
            return OpportunityStatus.WON
        if self.is_lost:
            return OpportunityStatus.LOST
        return OpportunityStatus.OPEN


class Opportunity(TenantModel):
    """A deal in progress: who, which products for what annual premium, where it stands, who follows it."""

    name = models.CharField(_("nom de l'opportunité"), max_length=150)
    account = models.ForeignKey("customers.Account", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="opportunities", verbose_name=_("compte"))
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="opportunities", verbose_name=_("contact"))
    stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="opportunities",
                              verbose_name=_("étape"))
    status = models.CharField(_("statut"), max_length=5, choices=OpportunityStatus.choices,
                              default=OpportunityStatus.OPEN, editable=False)
    probability = models.PositiveSmallIntegerField(_("probabilité (%)"), validators=PERCENT)
    amount = models.DecimalField(_("prime annuelle estimée (DA)"), default=0, editable=False, **MONEY)
    expected_close_date = models.DateField(_("date de clôture prévue"))
    source = models.CharField(_("source"), max_length=20, blank=True)
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("piste d'origine"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("responsable"))
    agency = models.ForeignKey("identity.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("agence"))
    competitor = models.CharField(_("concurrent (assureur actuel)"), max_length=120, blank=True)
    next_step = models.CharField(_("prochaine étape"), max_length=200, blank=True)
    next_step_date = models.DateField(_("date de la prochaine étape"), null=True, blank=True)
    loss_reason = models.CharField(_("raison de la perte"), max_length=12, choices=LossReason.choices, blank=True)
    kind = models.CharField(_("type d'affaire"), max_length=15, choices=OpportunityKind.choices,
                            default=OpportunityKind.NEW_BUSINESS)
    closed_on = models.DateField(_("conclue le"), null=True, blank=True, editable=False)
    stage_changed_at = models.DateTimeField(_("étape depuis le"), editable=False)
    last_activity_at = models.DateTimeField(_("dernière activité"), editable=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    owner_field = "owner"
    agency_field = "agency"

    class Meta:
        ordering = ["expected_close_date", "id"]
        verbose_name = _("opportunité")
        verbose_name_plural = _("opportunités")
        indexes = [
            models.Index(fields=["organization", "stage", "expected_close_date"], name="opp_org_stage_close"),
            models.Index(fields=["organization", "status", "expected_close_date"], name="opp_org_status_close"),
            models.Index(fields=["organization", "owner", "status", "expected_close_date"], name="opp_org_owner"),
            models.Index(fields=["organization", "agency", "status", "expected_close_date"], name="opp_org_agency"),
            models.Index(fields=["organization", "status", "closed_on"], name="opp_org_closed"),
            # The kanban's columns filtered by owner or agency: one index range per column, in date order.
            models.Index(fields=["organization", "owner", "stage", "expected_close_date"], name="opp_org_owner_stage"),
            models.Index(fields=["organization", "agency", "stage", "expected_close_date"],
                         name="opp_org_agency_stage"),
            models.Index(fields=["organization", "created_at"], name="opp_org_created"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sales:opportunity_detail", args=[self.pk])

    @property
    def weighted_amount(self):
        from assura.sales.forecast import weighted

        return weighted(self.amount, self.probability)

    @property
    def is_closed(self) -> bool:
        return self.status != OpportunityStatus.OPEN


class OpportunityLine(TenantModel):
    """A product (or formula) proposed, with its estimated annual premium. `produit` is free text
    until the insurance catalogue exists; the branch is one of PRODUCT.md's."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines")
    branch = models.CharField(_("branche"), max_length=12, choices=Branch.choices)
    produit = models.CharField(_("produit / formule"), max_length=150, null=True, blank=True)
    premium = models.DecimalField(_("prime annuelle estimée (DA)"), **MONEY,
                                  validators=[MinValueValidator(0, _("Un montant ne peut pas être négatif."))])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("ligne de produit")
        indexes = [models.Index(fields=["organization", "branch"], name="oppline_org_branch")]

    def __str__(self):
        return f"{self.get_branch_display()} {self.produit or ''}".strip()


class StageHistory(TenantModel):
    """One stay of an opportunity in a stage: entered, left (None while it is there)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_history")
    stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="+", verbose_name=_("étape"))
    entered_at = models.DateTimeField(_("entrée le"))
    left_at = models.DateTimeField(_("sortie le"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("par"))

    class Meta:
        ordering = ["entered_at", "id"]
        verbose_name = _("passage d'étape")
        indexes = [models.Index(fields=["opportunity", "entered_at"], name="stagehistory_opp")]

    def __str__(self):
        return f"{self.stage} {self.entered_at:%Y-%m-%d}"

    def duration(self, now=None):
        from django.utils import timezone

        return (self.left_at or now or timezone.now()) - self.entered_at


class SalesTarget(TenantModel):
    """A premium and count target of one user or one agency for one period (month, quarter, year)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("commercial"))
    agency = models.ForeignKey("identity.Agency", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", verbose_name=_("agence"))
    period = models.CharField(_("période"), max_length=7, choices=TargetPeriod.choices)
    start = models.DateField(_("début"))
    end = models.DateField(_("fin"), editable=False)
    premium_target = models.DecimalField(_("objectif de primes (DA)"), **MONEY,
                                         validators=[MinValueValidator(0, _("Un montant ne peut pas être négatif."))])
    count_target = models.PositiveIntegerField(_("objectif d'affaires gagnées"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start", "id"]
        verbose_name = _("objectif commercial")
        verbose_name_plural = _("objectifs commerciaux")
        indexes = [models.Index(fields=["organization", "start", "end"], name="target_org_period")]

    def __str__(self):
        who = self.user or self.agency
        return f"{who} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("sales:target_update", args=[self.pk])


class DashboardWidget(TenantModel):
    """A widget one user put on their personal dashboard, at a position."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("widget"), max_length=40)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("widget du tableau de bord")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="widget_unique_per_user")]

    def __str__(self):
        return self.kind

    @classmethod
    def scope_records(cls, qs, user):
        return qs.filter(user=user)
