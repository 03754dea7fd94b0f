from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ActivityKind(models.TextChoices):
    TASK = "task", _("Tâche")
    APPOINTMENT = "appointment", _("Rendez-vous")
    CALL = "call", _("Appel")
    NOTE = "note", pgettext_lazy("type d'activité", "Note")  # context: Django's own "Note" reads "Remarque"
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    VISIT = "visit", _("Visite en agence")


class ActivityChannel(models.TextChoices):
    PHONE = "phone", _("Téléphone")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    AGENCY = "agency", _("Agence")
    FIELD = "field", _("Terrain")
    WEB = "web", _("Web")
    SOCIAL = "social", _("Réseaux sociaux")
    PORTAL = "portal", _("Espace client")
    INTERNAL = "internal", _("Interne")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("À faire")
    DONE = "done", _("Fait")
    CANCELLED = "cancelled", _("Annulé")


class Priority(models.TextChoices):
    LOW = "low", _("Basse")
    NORMAL = "normal", _("Normale")
    HIGH = "high", _("Haute")
    URGENT = "urgent", _("Urgente")


class CallDirection(models.TextChoices):
    INBOUND = "in", _("Entrant")
    OUTBOUND = "out", _("Sortant")


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Joint")
    NO_ANSWER = "no_answer", _("Pas de réponse")
    VOICEMAIL = "voicemail", _("Messagerie")
    WRONG_NUMBER = "wrong_number", _("Mauvais numéro")
    CALLBACK = "callback", _("À rappeler")
