from django.db import models
from django.utils.translation import gettext_lazy as _

from assura.core.permissions import Role  # noqa: F401  (re-exported: roles are people's)


class UserStatus(models.TextChoices):
    INVITED = "invited", _("Invité")
    ACTIVE = "active", _("Confirmé")
    DEACTIVATED = "deactivated", _("Désactivé")


class Theme(models.TextChoices):
    AUTO = "auto", _("Automatique")
    LIGHT = "light", _("Clair")
    DARK = "dark", _("Sombre")


class EmployeeBand(models.TextChoices):
    XS = "1-9", _("1 à 9")
    S = "10-49", _("10 à 49")
    M = "50-249", _("50 à 249")
    L = "250-999", _("250 à 999")
    XL = "1000+", _("1 000 et plus")
