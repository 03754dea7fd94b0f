"""Service desk: tickets (requests and complaints) with their conversation, SLA clocks and
routing; the company's settings (categories, teams, policies, templates, mailbox); the
knowledge base; inbound e-mail log and quarantine; the per-company triage model."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assura.core.models import TenantModel
from assura.service.choices import (
    InboundStatus,
    KbVisibility,
    MessageKind,
    Priority,
    ResolutionCode,
    RootCause,
    RoutingStrategy,
    TeamKind,
    TicketChannel,
    TicketKind,
    TicketStatus,
)

USER = settings.AUTH_USER_MODEL


def new_inbound_token() -> str:
    return secrets.token_urlsafe(32)


class ServiceSettings(TenantModel):
    """One row per company: working hours, holidays, mailbox, acknowledgement and survey switches."""

    work_start = models.TimeField(_("début de journée"), default="08:00")
    work_end = models.TimeField(_("fin de journée"), default="16:30")
    work_days = models.JSONField(_("jours ouvrés"), default=list, blank=True,
                                 help_text=_("Numéros des jours (lundi = 0 … dimanche = 6)."))
    use_public_holidays = models.BooleanField(_("jours fériés algériens chômés"), default=True)
    mailbox_address = models.EmailField(_("adresse du service client"), blank=True)
    imap_host = models.CharField(_("serveur IMAP"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("port IMAP"), default=993)
    imap_user = models.CharField(_("identifiant IMAP"), max_length=200, blank=True)
    imap_password = models.CharField(_("mot de passe IMAP"), max_length=200, blank=True)
    imap_folder = models.CharField(_("dossier IMAP"), max_length=100, default="INBOX")
    inbound_token = models.CharField(_("jeton du webhook entrant"), max_length=64, default=new_inbound_token)
    acknowledge = models.BooleanField(_("accusé de réception automatique"), default=True)
    send_survey = models.BooleanField(_("enquête de satisfaction après résolution"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="servicesettings_one_per_org")]
        verbose_name = _("paramètres du service client")

    def __str__(self):
        return str(_("Paramètres du service client"))


class Team(TenantModel):
    name = models.CharField(_("nom"), max_length=100)
    kind = models.CharField(_("type"), max_length=20, choices=TeamKind.choices)
    lead = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("responsable d'équipe"))
    members = models.ManyToManyField(USER, blank=True, related_name="service_teams", verbose_name=_("membres"))
    agency = models.ForeignKey("identity.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("agence"))
    position = models.PositiveIntegerField(default=0)  # round-robin cursor

    tenant_unique_fields = {"name": _("Une équipe porte déjà ce nom.")}

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("équipe")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("service:team_update", args=[self.pk])


class Category(TenantModel):
    """A ticket category; a category with a parent is a sub-category."""

    name = models.CharField(_("nom"), max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children",
                               verbose_name=_("catégorie parente"))
    keywords = models.CharField(_("mots-clés"), max_length=500, blank=True,
                                help_text=_("Séparés par des virgules : servent au tri automatique sans historique."))
    default_priority = models.CharField(_("priorité par défaut"), max_length=10, choices=Priority.choices,
                                        blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["parent__name", "name", "id"]
        verbose_name = _("catégorie")
        indexes = [models.Index(fields=["organization", "parent"], name="svc_category_org_parent")]

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def get_absolute_url(self):
        return reverse("service:category_update", args=[self.pk])


class SlaPolicy(TenantModel):
    """Targets in working hours, for tickets matching kind / priority / category (blank = any)."""

    name = models.CharField(_("nom"), max_length=100)
    kind = models.CharField(_("type"), max_length=20, choices=TicketKind.choices, blank=True)
    priority = models.CharField(_("priorité"), max_length=10, choices=Priority.choices, blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("catégorie"))
    first_response_hours = models.PositiveIntegerField(_("première réponse (heures ouvrées)"))
    resolution_hours = models.PositiveIntegerField(_("résolution (heures ouvrées)"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("politique de délai (SLA)")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("service:sla_update", args=[self.pk])

    @property
    def specificity(self) -> int:
        return (4 if self.category_id else 0) + (2 if self.kind else 0) + (1 if self.priority else 0)


class RoutingRule(TenantModel):
    """Where a new ticket goes: the first active matching rule (by priority) gives its team."""

    priority = models.PositiveSmallIntegerField(_("ordre"), default=100)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("catégorie"))
    channel = models.CharField(_("canal"), max_length=20, choices=TicketChannel.choices, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=TicketKind.choices, blank=True)
    agency = models.ForeignKey("identity.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("agence du client"))
    wilaya = models.ForeignKey("core.Wilaya", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("wilaya du client"))
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", verbose_name=_("équipe"))
    strategy = models.CharField(_("attribution"), max_length=15, choices=RoutingStrategy.choices,
                                default=RoutingStrategy.ROUND_ROBIN)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("règle de routage")

    def __str__(self):
        return f"#{self.priority} → {self.team}"

    def get_absolute_url(self):
        return reverse("service:routing_update", args=[self.pk])


class ReplyTemplate(TenantModel):
    """A reply macro. Placeholders: {client}, {reference}, {echeance}, {police}, {sinistre},
    {statut_sinistre}, {agent}, {sujet}."""

    name = models.CharField(_("nom"), max_length=100)
    body = models.TextField(_("texte"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("catégorie"))
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("modèle de réponse")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("service:template_update", args=[self.pk])


class Ticket(TenantModel):
    reference = models.CharField(_("référence"), max_length=20, editable=False)
    kind = models.CharField(_("type"), max_length=20, choices=TicketKind.choices, default=TicketKind.REQUEST)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("catégorie"))
    subcategory = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("sous-catégorie"))
    priority = models.CharField(_("priorité"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(_("canal"), max_length=20, choices=TicketChannel.choices, default=TicketChannel.PHONE)
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="tickets", verbose_name=_("contact"))
    account = models.ForeignKey("customers.Account", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="tickets", verbose_name=_("compte"))
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("piste"))
    customer_name = models.CharField(_("nom du demandeur"), max_length=150, blank=True)
    customer_email = models.EmailField(_("e-mail du demandeur"), blank=True)
    # The numbers as the customer wrote them (inbound e-mail may fill them); the links below are set
    # when a number names a policy / claim of the same company and of the ticket's customer (ADR 0010).
    policy_number = models.CharField(_("n° de police"), max_length=40, blank=True)
    claim_number = models.CharField(_("n° de sinistre"), max_length=40, blank=True)
    policy = models.ForeignKey("portfolio.Policy", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("police"))
    claim = models.ForeignKey("portfolio.Claim", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("sinistre"))
    subject = models.CharField(_("objet"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    assignee = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("attribué à"))
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("équipe"))
    agency = models.ForeignKey("identity.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("agence"))
    resolution_code = models.CharField(_("code de résolution"), max_length=20, choices=ResolutionCode.choices,
                                       blank=True)
    root_cause = models.CharField(_("cause racine"), max_length=20, choices=RootCause.choices, blank=True)
    # SLA clocks (working time). While paused, the dues are empty and the remaining seconds kept.
    sla_policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("politique SLA"))
    first_response_due = models.DateTimeField(_("première réponse attendue avant"), null=True, blank=True)
    first_response_risk_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(_("première réponse le"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("résolution attendue avant"), null=True, blank=True)
    resolution_risk_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(_("délai suspendu depuis"), null=True, blank=True)
    sla_remaining = models.JSONField(default=dict, blank=True)
    # Queue flags, set by the SLA scan (beat, every 5 minutes): indexed, so the queues stay fast.
    sla_breached = models.BooleanField(_("hors délai"), default=False)
    sla_at_risk = models.BooleanField(_("à risque"), default=False)
    sla_met = models.BooleanField(_("délai respecté"), null=True, blank=True)
    risk_notified_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("escaladé le"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("niveau d'escalade"), default=0)
    resolved_at = models.DateTimeField(_("résolu le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    # Triage suggestion (never applied without a human).
    suggested_category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name=_("catégorie suggérée"))
    suggested_priority = models.CharField(_("priorité suggérée"), max_length=10, choices=Priority.choices, blank=True)
    suggestion_source = models.CharField(max_length=10, blank=True)  # "modele" | "mots_cles"
    # Satisfaction
    csat_sent_at = models.DateTimeField(_("enquête envoyée le"), null=True, blank=True)
    csat_score = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    csat_comment = models.TextField(_("commentaire de satisfaction"), blank=True)
    csat_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    owner_field = "assignee"
    agency_field = "agency"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ticket")
        constraints = [models.UniqueConstraint(fields=["organization", "reference"], name="ticket_ref_unique")]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="ticket_org_created"),
            models.Index(fields=["organization", "status", "-created_at"], name="ticket_org_status"),
            models.Index(fields=["organization", "assignee", "status"], name="ticket_org_assignee"),
            models.Index(fields=["organization", "team", "status"], name="ticket_org_team"),
            models.Index(fields=["organization", "agency", "-created_at"], name="ticket_org_agency"),
            models.Index(fields=["organization", "contact", "-created_at"], name="ticket_org_contact"),
            models.Index(fields=["organization", "policy", "-created_at"], name="ticket_org_policy"),
            models.Index(fields=["organization", "claim", "-created_at"], name="ticket_org_claim"),
            models.Index(fields=["organization", "resolution_due"], name="ticket_org_resdue"),
            models.Index(fields=["organization", "resolution_risk_at"], name="ticket_org_resrisk"),
            models.Index(fields=["organization", "category", "-resolved_at"], name="ticket_org_cat_resolved"),
            models.Index(fields=["organization", "sla_breached", "status"], name="ticket_org_breached"),
            models.Index(fields=["organization", "sla_at_risk", "status"], name="ticket_org_atrisk"),
        ]

    def __str__(self):
        return f"{self.reference} – {self.subject}"

    def get_absolute_url(self):
        return reverse("service:ticket_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        from assura.service.choices import OPEN_STATUSES

        return self.status in OPEN_STATUSES

    @classmethod
    def scope_records(cls, qs, user):
        """Utilisateur: own + agency (company setting), plus the tickets of the teams they belong to."""
        from assura.core.models import Visibility
        from assura.core.permissions import user_can

        if user_can(user, "records.read_all") or user.organization.user_visibility == Visibility.ALL:
            return qs
        cond = models.Q(assignee=user) | models.Q(team__in=Team.objects.filter(members=user).values("pk"))
        if user.organization.user_visibility == Visibility.AGENCY and user.agency_id:
            cond |= models.Q(agency_id=user.agency_id)
        return qs.filter(cond)


class TicketMessage(TenantModel):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("type"), max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("auteur"))
    from_email = models.CharField(_("de"), max_length=254, blank=True)
    to_email = models.CharField(_("à"), max_length=254, blank=True)
    subject = models.CharField(_("objet"), max_length=250, blank=True)
    body = models.TextField(_("message"))
    body_html = models.TextField(blank=True)  # sanitised with nh3
    message_id = models.CharField(max_length=250, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    # Files sent with a reply: stored on the ticket (so the ticket's visibility guards the download)
    # and named here so the conversation and the outgoing e-mail carry them.
    attachments = models.ManyToManyField("core.Attachment", blank=True, related_name="+",
                                         verbose_name=_("pièces jointes"))
    send_error = models.CharField(_("erreur d'envoi"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticketmsg_ticket_created")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_public(self) -> bool:
        return self.kind != MessageKind.NOTE


class TicketStatusChange(TenantModel):
    """A dated transition of a ticket's status."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("de"), max_length=20, choices=TicketStatus.choices, blank=True)
    to_status = models.CharField(_("vers"), max_length=20, choices=TicketStatus.choices)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("changement de statut")

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class InboundEmail(TenantModel):
    """Every e-mail received (webhook or IMAP): what became of it. Unparseable ones stay in quarantine."""

    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=10)  # "imap" | "webhook"
    status = models.CharField(_("statut"), max_length=12, choices=InboundStatus.choices)
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    from_email = models.CharField(_("expéditeur"), max_length=254, blank=True)
    subject = models.CharField(_("objet"), max_length=250, blank=True)
    message_id = models.CharField(max_length=250, blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("ticket"))
    raw = models.BinaryField(editable=False)
    size = models.PositiveIntegerField(_("taille"), default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("e-mail reçu")
        indexes = [models.Index(fields=["organization", "status", "-received_at"], name="inbound_org_status")]

    def __str__(self):
        return self.subject or self.from_email or f"#{self.pk}"

    def get_absolute_url(self):
        return reverse("service:inbound_detail", args=[self.pk])


class KbArticle(TenantModel):
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("contenu"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("catégorie"))
    visibility = models.CharField(_("visibilité"), max_length=10, choices=KbVisibility.choices,
                                  default=KbVisibility.INTERNAL)
    is_published = models.BooleanField(_("publié"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    helpful_count = models.PositiveIntegerField(_("utile"), default=0)
    unhelpful_count = models.PositiveIntegerField(_("pas utile"), default=0)
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("auteur"))
    tickets = models.ManyToManyField(Ticket, blank=True, related_name="kb_articles", verbose_name=_("tickets liés"))
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("article de la base de connaissances")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("service:kb_detail", args=[self.pk])


class KbArticleVersion(TenantModel):
    article = models.ForeignKey(KbArticle, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("contenu"))
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["article", "version"], name="kbversion_unique")]

    def __str__(self):
        return f"{self.article_id} v{self.version}"


class KbVote(TenantModel):
    article = models.ForeignKey(KbArticle, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="kbvote_one_per_user")]

    def __str__(self):
        return f"{self.article_id}:{self.helpful}"


class TriageModel(TenantModel):
    """The company's trained triage classifier (pickled scikit-learn pipelines) and its measured accuracy."""

    trained_at = models.DateTimeField(_("entraîné le"), auto_now=True)
    samples = models.PositiveIntegerField(_("tickets d'entraînement"), default=0)
    held_out = models.PositiveIntegerField(_("tickets de test"), default=0)
    category_accuracy = models.FloatField(_("précision catégorie"), null=True, blank=True)
    priority_accuracy = models.FloatField(_("précision priorité"), null=True, blank=True)
    blob = models.BinaryField(editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="triagemodel_one_per_org")]

    def __str__(self):
        return f"triage {self.trained_at:%Y-%m-%d}"
