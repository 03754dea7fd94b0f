from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "assura.identity"
    label = "identity"
    verbose_name = _("Identité")

    def ready(self):
        from assura.identity import signals  # noqa: F401
