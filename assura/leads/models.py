"""Leads (pistes): prospects to qualify and convert into contacts, accounts, opportunities."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assura.core.models import TenantModel
from assura.core.reversing import reverse_pk
from assura.leads.choices import (
    AssignmentMode,
    DecisionTimeframe,
    LeadSource,
    LeadStatus,
    Level,
    LostReason,
    Temperature,
)


class Lead(TenantModel):
    """A prospect not yet qualified: who, what they want, how warm they are, who follows them."""

    full_name = models.CharField(_("nom complet"), max_length=150)
    job_title = models.CharField(_("fonction"), max_length=100, blank=True)
    company = models.CharField(_("société"), max_length=150, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wilaya = models.ForeignKey("core.Wilaya", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("wilaya"))
    source = models.CharField(_("source"), max_length=20, choices=LeadSource.choices)
    products_wanted = models.CharField(_("produits souhaités"), max_length=255, blank=True)
    budget = models.CharField(_("budget"), max_length=10, choices=Level.choices, blank=True)
    interest = models.CharField(_("intérêt"), max_length=10, choices=Level.choices, blank=True)
    decision_timeframe = models.CharField(_("délai de décision"), max_length=10, choices=DecisionTimeframe.choices,
                                          blank=True)
    relevance = models.CharField(_("pertinence"), max_length=10, choices=Level.choices, blank=True)
    temperature = models.CharField(_("température"), max_length=6, choices=Temperature.choices,
                                   default=Temperature.COLD)
    status = models.CharField(_("statut"), max_length=10, choices=LeadStatus.choices, default=LeadStatus.NEW)
    lost_reason = models.CharField(_("raison de la perte"), max_length=15, choices=LostReason.choices, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("responsable"))
    agency = models.ForeignKey("identity.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("agence"))
    notes = models.TextField(_("notes"), blank=True)
    converted_contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="source_leads", verbose_name=_("contact créé"))
    converted_account = models.ForeignKey("customers.Account", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="source_leads", verbose_name=_("compte créé"))
    converted_at = models.DateTimeField(_("converti le"), null=True, blank=True)
    converted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    owner_field = "owner"
    agency_field = "agency"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("piste")
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"], name="lead_org_status"),
            models.Index(fields=["organization", "owner", "-created_at"], name="lead_org_owner"),
            models.Index(fields=["organization", "agency", "-created_at"], name="lead_org_agency"),
            models.Index(fields=["organization", "-created_at"], name="lead_org_created"),
        ]

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse_pk("leads:lead_detail", self.pk)

    @property
    def is_converted(self) -> bool:
        return self.converted_at is not None


class AssignmentRule(TenantModel):
    """How new leads without an owner are assigned: in turn, or by agency / wilaya."""

    mode = models.CharField(_("mode"), max_length=12, choices=AssignmentMode.choices)
    wilaya = models.ForeignKey("core.Wilaya", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("wilaya"))
    agency = models.ForeignKey("identity.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("agence"))
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("utilisateurs"))
    position = models.PositiveIntegerField(default=0)  # round-robin cursor
    is_active = models.BooleanField(_("active"), default=True)
    priority = models.PositiveSmallIntegerField(_("priorité"), default=100)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("règle d'attribution")

    def __str__(self):
        return self.get_mode_display()
