from django.db import models
from django.utils.translation import gettext_lazy as _


class OpportunityKind(models.TextChoices):
    NEW_BUSINESS = "nouvelle", _("Nouvelle affaire")
    RENEWAL = "renouvellement", _("Renouvellement")
    EXTENSION = "extension", _("Extension / vente croisée")


class OpportunityStatus(models.TextChoices):
    """Follows the stage (is_won / is_lost): kept on the row for fast filters and sums."""

    OPEN = "open", _("En cours")
    WON = "won", _("Gagnée")
    LOST = "lost", _("Perdue")


class Branch(models.TextChoices):
    """Insurance branches of PRODUCT.md. Free text until the catalogue module links real products."""

    AUTO = "automobile", _("Automobile")
    TWO_WHEELS = "deux_roues", _("Deux-roues")
    HOME = "habitation", _("Multirisque habitation")
    CATNAT = "catnat", _("Catastrophes naturelles")
    FIRE = "incendie", _("Incendie et risques divers")
    INDUSTRIAL = "industriels", _("Risques industriels / engineering")
    TRANSPORT = "transport", _("Transport (marchandises)")
    LIABILITY = "rc", _("Responsabilité civile")
    AGRICULTURE = "agricole", _("Agricole")
    TRAVEL = "voyage", _("Voyage / assistance")
    HEALTH = "sante", _("Santé (complémentaire)")
    PERSONAL = "personnes", _("Personnes (prévoyance)")


class LossReason(models.TextChoices):
    PRICE = "prix", _("Prix trop élevé")
    COMPETITOR = "concurrent", _("Parti chez un concurrent")
    NO_NEED = "sans_besoin", _("Plus de besoin")
    NO_ANSWER = "injoignable", _("Client injoignable")
    COVERAGE = "garanties", _("Garanties inadaptées")
    OTHER = "autre", _("Autre")


class TargetPeriod(models.TextChoices):
    MONTH = "month", _("Mois")
    QUARTER = "quarter", _("Trimestre")
    YEAR = "year", _("Année")


class ForecastGroup(models.TextChoices):
    USER = "user", _("Commercial")
    AGENCY = "agency", _("Agence")
    REGION = "region", _("Région")
    BRANCH = "branch", _("Branche")


# The 7 default stages every company starts with: (name, default probability, is_won, is_lost).
DEFAULT_STAGES = [
    (_("Prospection"), 10, False, False),
    (_("Qualification"), 20, False, False),
    (_("Étude des besoins"), 40, False, False),
    (_("Proposition/Devis"), 60, False, False),
    (_("Négociation"), 80, False, False),
    (_("Gagnée"), 100, True, False),
    (_("Perdue"), 0, False, True),
]
