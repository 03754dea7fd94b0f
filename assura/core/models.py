"""Shared base models: the tenant base class with its scoped queryset, the audit log, jobs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from assura.core.permissions import user_can
from assura.core.reversing import reverse_pk


class Visibility(models.TextChoices):
    OWN = "own", _("Ses propres enregistrements")
    AGENCY = "agency", _("Ceux de son agence")
    ALL = "all", _("Toute l'entreprise")


class TenantQuerySet(models.QuerySet):
    """The one read entry point for tenant data: `Model.objects.visible_to(user)`."""

    def for_organization(self, organization):
        return self.filter(organization=organization)

    def visible_to(self, user):
        org_id = getattr(user, "organization_id", None)
        if not getattr(user, "is_authenticated", False) or not user.is_active or org_id is None:
            return self.none()
        qs = self.filter(organization_id=org_id)
        return self.model.scope_records(qs, user)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    pass


class TenantModel(models.Model):
    """Base of every tenant-owned row: it belongs to exactly one organization."""

    organization = models.ForeignKey(
        "identity.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("entreprise")
    )

    # Record-level visibility for the Utilisateur role: set these on models owned by a
    # person or an agency; left None, every member of the company sees the row.
    owner_field: str | None = None
    agency_field: str | None = None
    # Fields unique within a company, with the message shown beside the field when the
    # value is taken (the database constraint stays the guarantee; this is the clear error).
    tenant_unique_fields: dict[str, str] = {}

    objects = TenantManager()

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        errors = {}
        for field, message in self.tenant_unique_fields.items():
            value = getattr(self, field)
            if (exclude and field in exclude) or value in (None, ""):
                continue
            taken = type(self)._default_manager.filter(
                organization_id=self.organization_id, **{f"{field}__iexact": value}
            ).exclude(pk=self.pk)
            if taken.exists():
                errors[field] = [message]
        if errors:
            raise ValidationError(errors)
        super().validate_constraints(exclude=exclude)

    @classmethod
    def scope_records(cls, qs, user):
        if cls.owner_field is None and cls.agency_field is None:
            return qs
        if user_can(user, "records.read_all"):
            return qs
        mode = user.organization.user_visibility
        if mode == Visibility.ALL:
            return qs
        cond = models.Q()
        if cls.owner_field:
            cond |= models.Q(**{cls.owner_field: user})
        if mode == Visibility.AGENCY and cls.agency_field and user.agency_id:
            cond |= models.Q(**{f"{cls.agency_field}_id": user.agency_id})
        return qs.filter(cond) if cond else qs.none()


class AuditAction(models.TextChoices):
    LOGIN = "auth.login", _("Connexion")
    LOGIN_FAILED = "auth.login_failed", _("Échec de connexion")
    LOGOUT = "auth.logout", _("Déconnexion")
    SIGNUP = "auth.signup", _("Inscription")
    PASSWORD_RESET = "auth.password", _("Mot de passe changé ou réinitialisé")
    MFA_CHANGED = "auth.mfa", _("Double authentification modifiée")
    ORGANIZATION_CREATED = "organization.created", _("Entreprise créée")
    ORGANIZATION_UPDATED = "organization.updated", _("Fiche entreprise modifiée")
    INVITATION_SENT = "invitation.sent", _("Invitation envoyée")
    INVITATION_RESENT = "invitation.resent", _("Invitation renvoyée")
    INVITATION_REVOKED = "invitation.revoked", _("Invitation révoquée")
    INVITATION_ACCEPTED = "invitation.accepted", _("Invitation acceptée")
    USER_UPDATED = "user.updated", _("Utilisateur modifié")
    ROLE_CHANGED = "user.role_changed", _("Rôle modifié")
    USER_DEACTIVATED = "user.deactivated", _("Utilisateur désactivé")
    USER_REACTIVATED = "user.reactivated", _("Utilisateur réactivé")
    GROUP_CHANGED = "group.changed", _("Groupe de permissions modifié")
    GROUP_DELETED = "group.deleted", _("Groupe de permissions supprimé")
    AGENCY_CHANGED = "agency.changed", _("Agence ou région modifiée")
    REFERENCE_CHANGED = "reference.changed", _("Donnée de référence modifiée (wilaya…)")
    TOKEN_CREATED = "token.created", _("Jeton d'API créé")
    TOKEN_REVOKED = "token.revoked", _("Jeton d'API révoqué")
    EXPORT = "data.export", _("Export")
    IMPORT = "data.import", _("Import")
    DELETION = "data.delete", _("Suppression")


class AuditEvent(models.Model):
    """An append-only entry of the security audit log: who did what, when, from where."""

    organization = models.ForeignKey(
        "identity.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.CharField(_("auteur"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    object_type = models.CharField(_("type d'objet"), max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("objet"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    data = models.JSONField(_("détails"), default=dict, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="audit_org_created")]
        verbose_name = _("événement d'audit")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.actor_email}"

    @classmethod
    def scope_records(cls, qs, user):
        return qs


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    SUCCEEDED = "succeeded", _("Terminée")
    FAILED = "failed", _("Échouée")
    CANCELLED = "cancelled", _("Annulée")


def job_file_path(job, filename: str) -> str:
    # Unguessable, and grouped by company: job files are private (served by a checked view).
    return f"jobs/{job.organization_id}/{uuid.uuid4().hex}/{filename}"


class Job(TenantModel):
    """A background job the user waits for (import, export, send, report build)."""

    kind = models.CharField(_("type"), max_length=60)
    status = models.CharField(_("statut"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("lancée par")
    )
    params = models.JSONField(default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(_("progression (%)"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    processed = models.PositiveIntegerField(_("traités"), default=0)
    succeeded_count = models.PositiveIntegerField(_("réussis"), default=0)
    failed_count = models.PositiveIntegerField(_("en erreur"), default=0)
    errors = models.JSONField(_("erreurs"), default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_file = models.FileField(_("fichier produit"), upload_to=job_file_path, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    started_at = models.DateTimeField(_("démarrée le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finie le"), null=True, blank=True)

    owner_field = "created_by"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="job_org_created")]
        verbose_name = _("tâche d'arrière-plan")

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    def get_absolute_url(self):
        return reverse_pk("core:job_detail", self.pk)

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}

    @classmethod
    def scope_records(cls, qs, user):
        # Jobs are personal: their launcher sees them, and whoever may see all jobs.
        if user_can(user, "jobs.view_all"):
            return qs
        return qs.filter(created_by=user)


class WilayaQuerySet(models.QuerySet):
    def offered(self, current=None):
        """The wilayas a form offers: the active ones, plus `current` (a record's own wilaya code)
        even if it was deactivated since — a record keeps its wilaya (ADR 0012)."""
        return self.filter(models.Q(is_active=True) | models.Q(code=current)) if current else self.filter(
            is_active=True)


class Wilaya(models.Model):
    """Reference data: a wilaya of Algeria, shared by every company (seeded by a migration)."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=80)
    name_ar = models.CharField(_("nom en arabe"), max_length=80, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = WilayaQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("wilaya")

    def __str__(self):
        return f"{self.code} – {self.name}"


class Sequence(models.Model):
    """A per-company counter (client codes, policy numbers…), incremented under a row lock."""

    organization = models.ForeignKey("identity.Organization", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="sequence_unique_per_org")]

    def __str__(self):
        return f"{self.key}={self.value}"


class FieldChange(TenantModel):
    """One field of one record changed: who, when, old → new (shown on the timeline)."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(_("champ"), max_length=60)
    field_label = models.CharField(_("libellé"), max_length=120)
    old_value = models.TextField(_("ancienne valeur"), blank=True)
    new_value = models.TextField(_("nouvelle valeur"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-changed_at"], name="fieldchange_object")]
        verbose_name = _("modification de champ")

    def __str__(self):
        return f"{self.field}: {self.old_value} → {self.new_value}"


class Notification(TenantModel):
    """An in-app notification for one user (reminder due, assignment, decision…)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("type"), max_length=40)
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    # The customer (or other record) it is about, for the profile's Notifications tab.
    content_type = models.ForeignKey("contenttypes.ContentType", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+")
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    # A stable name of the event ("birthday:12:2026"): a scheduler that runs twice notifies once.
    event_key = models.CharField(max_length=120, blank=True, default="")
    # False: the user wanted this category by e-mail only; the row remembers the event was sent.
    in_app = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_user_unread"),
            models.Index(fields=["user", "content_type", "object_id", "-created_at"], name="notification_user_about"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user", "event_key"], condition=~models.Q(event_key=""),
                                    name="notification_event_once"),
        ]
        verbose_name = _("notification")

    def __str__(self):
        return self.title

    @classmethod
    def scope_records(cls, qs, user):
        return qs.filter(user=user, in_app=True)


def attachment_path(attachment, filename: str) -> str:
    return f"attachments/{attachment.organization_id}/{uuid.uuid4().hex}/{filename}"


class Attachment(TenantModel):
    """A file attached to a record, stored per company and served only through a checked view."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    file = models.FileField(_("fichier"), upload_to=attachment_path)
    name = models.CharField(_("nom"), max_length=200)
    size = models.PositiveBigIntegerField(_("taille"))
    mime_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_object")]
        verbose_name = _("pièce jointe")

    def __str__(self):
        return self.name


class RecentView(TenantModel):
    """A record a user opened recently (the "récemment consultés" list)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(max_length=200)
    url = models.CharField(max_length=300)
    viewed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-viewed_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "content_type", "object_id"], name="recentview_unique")
        ]
        indexes = [models.Index(fields=["user", "-viewed_at"], name="recentview_user")]

    def __str__(self):
        return self.label

    @classmethod
    def scope_records(cls, qs, user):
        return qs.filter(user=user)


class SavedView(TenantModel):
    """A list's filters and sort saved under a name by one user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    list_key = models.CharField(max_length=60)
    name = models.CharField(_("nom"), max_length=80)
    query = models.CharField(_("filtres"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "list_key", "name"], name="savedview_unique_per_user")
        ]

    def __str__(self):
        return self.name

    @classmethod
    def scope_records(cls, qs, user):
        return qs.filter(user=user)


class ImportMapping(TenantModel):
    """A column mapping remembered for a company, an import kind and a header row."""

    kind = models.CharField(_("type d'import"), max_length=30)
    signature = models.CharField(max_length=64)  # sha256 of the normalised header row
    headers = models.JSONField(_("en-têtes"), default=list)
    columns = models.JSONField(_("correspondance"), default=list)  # a field name per column, "" = ignored
    options = models.JSONField(default=dict, blank=True)  # the mode and match key chosen last time
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "signature"], name="importmapping_unique")
        ]
        verbose_name = _("correspondance de colonnes")

    def __str__(self):
        return f"{self.kind} {self.signature[:8]}"
