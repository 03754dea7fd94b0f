"""Companies (tenants), their regions and agencies, people, roles, invitations, API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assura.core.models import TenantModel, Visibility
from assura.core.permissions import Role, action_choices
from assura.core.reference import WILAYA_CHOICES
from assura.core.reversing import reverse_pk
from assura.identity.choices import Theme, UserStatus

agency_number_validator = RegexValidator(
    r"^\d{3}-\d{3}$", _("Le numéro d'agence s'écrit sur le modèle 016-003 (wilaya-numéro).")
)


class Organization(models.Model):
    """A company using Assura: the tenant, described by its technical sheet."""

    name = models.CharField(_("nom de l'entreprise"), max_length=150)
    address = models.CharField(_("adresse"), max_length=255)
    mobile = models.CharField(_("mobile"), max_length=20)
    employees_count = models.PositiveIntegerField(_("nombre d'employés"))
    email = models.EmailField(_("e-mail"))
    trade_register_number = models.CharField(_("N° de registre de commerce"), max_length=40)
    website = models.URLField(_("site web"), blank=True)
    postal_code = models.CharField(
        _("code postal"), max_length=5, validators=[RegexValidator(r"^\d{5}$", _("Le code postal compte 5 chiffres."))]
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    user_visibility = models.CharField(
        _("visibilité des enregistrements pour les utilisateurs"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.AGENCY,
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("entreprise")

    def __str__(self):
        return self.name


class Region(TenantModel):
    """A regional directorate (direction régionale) grouping agencies."""

    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("nom"), max_length=120)

    tenant_unique_fields = {"code": _("Une direction régionale porte déjà ce code.")}

    class Meta:
        ordering = ["code"]
        verbose_name = _("direction régionale")
        verbose_name_plural = _("directions régionales")
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="region_code_unique_per_org")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("identity:agency_list") + f"?region={self.pk}"


class Agency(TenantModel):
    """An agency of the company's network, numbered like 016-003."""

    number = models.CharField(_("numéro d'agence"), max_length=7, validators=[agency_number_validator])
    name = models.CharField(_("nom"), max_length=120)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="agencies",
        verbose_name=_("direction régionale"),
    )
    wilaya = models.CharField(_("wilaya"), max_length=2, choices=WILAYA_CHOICES)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    tenant_unique_fields = {"number": _("Une agence porte déjà ce numéro.")}

    class Meta:
        ordering = ["number"]
        verbose_name = _("agence")
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="agency_number_unique_per_org")]
        indexes = [models.Index(fields=["organization", "region"], name="agency_org_region")]

    def __str__(self):
        return f"{self.number} – {self.name}"

    def get_absolute_url(self):
        return reverse_pk("identity:agency_detail", self.pk)


class PermissionGroup(TenantModel):
    """A custom group of actions from the permission matrix, granted on top of a role."""

    name = models.CharField(_("nom"), max_length=80)
    description = models.CharField(_("description"), max_length=255, blank=True)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)

    tenant_unique_fields = {"name": _("Un groupe porte déjà ce nom.")}

    class Meta:
        ordering = ["name"]
        verbose_name = _("groupe de permissions")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="group_name_unique_per_org")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse_pk("identity:group_update", self.pk)

    def permission_labels(self):
        labels = dict(action_choices())
        return [labels[code] for code in self.permissions if code in labels]


class AssuraUserManager(UserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active or not user.organization_id:
            return self.none()
        return self.filter(organization_id=user.organization_id)


class User(AbstractUser):
    """A person who signs in: a member of one company, optionally attached to one agency."""

    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="members",
        verbose_name=_("entreprise"),
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="members", verbose_name=_("agence")
    )
    role = models.CharField(_("rôle"), max_length=12, choices=Role.choices, default=Role.USER)
    status = models.CharField(_("statut"), max_length=12, choices=UserStatus.choices, default=UserStatus.ACTIVE)
    permission_groups = models.ManyToManyField(
        PermissionGroup, blank=True, related_name="members", verbose_name=_("groupes")
    )
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    job_title = models.CharField(_("fonction"), max_length=100, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    language = models.CharField(_("langue"), max_length=5, choices=settings.LANGUAGES, default="fr")
    theme = models.CharField(_("affichage"), max_length=5, choices=Theme.choices, default=Theme.AUTO)
    invited_at = models.DateTimeField(_("invité le"), null=True, blank=True)
    deactivated_at = models.DateTimeField(_("désactivé le"), null=True, blank=True)
    # {"echeances": {"in_app": true, "email": false}, …}; missing categories take the defaults
    # of assura.core.notifications.
    notification_preferences = models.JSONField(_("préférences de notification"), default=dict, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = AssuraUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        verbose_name = _("utilisateur")
        indexes = [models.Index(fields=["organization", "status"], name="user_org_status")]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_absolute_url(self):
        return reverse_pk("identity:user_detail", self.pk)

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        return "".join(p[0] for p in parts).upper() or self.email[:1].upper()


class Invitation(TenantModel):
    """An invitation to join a company: single use, expiring, revocable, re-sendable."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="invitation")
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    nonce = models.CharField(max_length=32)
    sent_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")

    def __str__(self):
        return self.user.email

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("nom"), max_length=80, blank=True)
    prefix = models.CharField(_("début de la clé"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("jeton d'API")

    def __str__(self):
        return f"{self.prefix}… ({self.name or self.user.email})"
