"""Activities: tasks, appointments, calls, notes and logged messages, on one timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assura.activities.choices import (
    ActivityChannel,
    ActivityKind,
    ActivityStatus,
    CallDirection,
    CallOutcome,
    Priority,
)
from assura.core.models import TenantModel
from assura.core.reversing import reverse_pk


class Activity(TenantModel):
    """One interaction or piece of work, linked to a contact, an account and/or a lead."""

    kind = models.CharField(_("type"), max_length=12, choices=ActivityKind.choices)
    channel = models.CharField(_("canal"), max_length=10, choices=ActivityChannel.choices, blank=True)
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("détails"), blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=ActivityStatus.choices,
                              default=ActivityStatus.PLANNED)
    priority = models.CharField(_("priorité"), max_length=6, choices=Priority.choices, default=Priority.NORMAL)
    due_at = models.DateTimeField(_("échéance"), null=True, blank=True)
    start_at = models.DateTimeField(_("début"), null=True, blank=True)
    end_at = models.DateTimeField(_("fin"), null=True, blank=True)
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    direction = models.CharField(_("sens"), max_length=3, choices=CallDirection.choices, blank=True)
    duration_seconds = models.PositiveIntegerField(_("durée (s)"), null=True, blank=True)
    outcome = models.CharField(_("résultat"), max_length=15, choices=CallOutcome.choices, blank=True)
    remind_at = models.DateTimeField(_("rappel"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    remind_by_email = models.BooleanField(_("rappel aussi par e-mail"), default=False)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("assigné à"))
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                       verbose_name=_("participants"))
    agency = models.ForeignKey("identity.Agency", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("agence"))
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="activities", verbose_name=_("contact"))
    account = models.ForeignKey("customers.Account", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="activities", verbose_name=_("compte"))
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="activities", verbose_name=_("piste"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    occurred_at = models.DateTimeField(_("date"), db_index=False)  # when it happened / is due: the timeline's order
    completed_at = models.DateTimeField(_("fait le"), null=True, blank=True)
    search_text = models.TextField(editable=False, default="")  # normalised subject, kept by the services
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    owner_field = "assignee"
    agency_field = "agency"

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("activité")
        indexes = [
            models.Index(fields=["organization", "contact", "-occurred_at"], name="activity_org_contact"),
            models.Index(fields=["organization", "account", "-occurred_at"], name="activity_org_account"),
            models.Index(fields=["organization", "lead", "-occurred_at"], name="activity_org_lead"),
            models.Index(fields=["organization", "assignee", "status", "occurred_at"], name="activity_org_assignee"),
            models.Index(fields=["organization", "agency", "occurred_at"], name="activity_org_agency"),
            # "Activités réalisées" per month on the dashboards: counted from the index alone.
            models.Index(fields=["organization", "status", "completed_at"], name="activity_org_done"),
            models.Index(fields=["status", "remind_at"], name="activity_due_reminders",
                         condition=models.Q(reminded_at__isnull=True, remind_at__isnull=False)),
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse_pk("activities:activity_detail", self.pk)

    @property
    def records(self) -> list:
        """The contact, account and lead it is about (those set)."""
        return [r for r in (self.contact, self.account, self.lead) if r is not None]

    @property
    def is_planned_kind(self) -> bool:
        return self.kind in (ActivityKind.TASK, ActivityKind.APPOINTMENT)

    @property
    def is_overdue(self) -> bool:
        return self.status == ActivityStatus.PLANNED and self.is_planned_kind and self.occurred_at < timezone.now()
