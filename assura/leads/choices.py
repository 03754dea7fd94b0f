from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadSource(models.TextChoices):
    WEBSITE = "site_web", _("Site web")
    COMPARATOR = "comparateur", _("Comparateur en ligne")
    AGENCY = "agence", _("Agence")
    FAIR = "salon", _("Salon")
    REFERRAL = "parrainage", _("Parrainage")
    SOCIAL = "reseaux_sociaux", _("Réseaux sociaux")
    CALL_CENTER = "centre_appels", _("Centre d'appels")
    CAMPAIGN = "campagne", _("Campagne")


class LeadStatus(models.TextChoices):
    NEW = "nouveau", _("Nouveau")
    CONTACTED = "contacte", _("Contacté")
    QUALIFIED = "qualifie", _("Qualifié")
    CONVERTED = "converti", _("Converti")
    LOST = "perdu", _("Perdu")


class Temperature(models.TextChoices):
    COLD = "froid", _("Froid")
    WARM = "tiede", _("Tiède")
    HOT = "chaud", _("Chaud")


class Level(models.TextChoices):
    LOW = "faible", _("Faible")
    MEDIUM = "moyen", _("Moyen")
    HIGH = "eleve", _("Élevé")


class DecisionTimeframe(models.TextChoices):
    IMMEDIATE = "immediat", _("Immédiat")
    MONTH = "1_mois", _("Sous un mois")
    QUARTER = "3_mois", _("Sous trois mois")
    LATER = "plus_tard", _("Plus tard")


class LostReason(models.TextChoices):
    PRICE = "prix", _("Prix trop élevé")
    COMPETITOR = "concurrent", _("Parti chez un concurrent")
    NO_NEED = "pas_de_besoin", _("Pas de besoin")
    UNREACHABLE = "injoignable", _("Injoignable")
    DUPLICATE = "doublon", _("Doublon")
    OTHER = "autre", _("Autre")


class AssignmentMode(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Tour de rôle")
    AGENCY = "agence", _("Par agence")
    WILAYA = "wilaya", _("Par wilaya")
