from django.db import models
from django.utils.translation import gettext_lazy as _


class ObjectKind(models.TextChoices):
    VEHICLE = "vehicule", _("Véhicule")
    TWO_WHEELER = "deux_roues", _("Deux-roues")
    DWELLING = "habitation", _("Habitation")
    GOODS = "marchandises", _("Marchandises transportées")
    PREMISES = "locaux", _("Locaux professionnels")
    PERSON = "personne", _("Personne assurée")
    TRIP = "voyage", _("Voyage")
    FARM = "exploitation", _("Exploitation agricole")
    ACTIVITY = "activite", _("Activité professionnelle")


class FieldType(models.TextChoices):
    TEXT = "text", _("Texte")
    INTEGER = "int", _("Nombre entier")
    DECIMAL = "decimal", _("Montant / nombre décimal")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Liste de choix")


class PremiumMode(models.TextChoices):
    FIXED = "fixe", _("Montant fixe")
    RATE = "taux", _("Taux sur une base")


class PolicyStatus(models.TextChoices):
    IN_FORCE = "en_vigueur", _("En vigueur")
    SUSPENDED = "suspendue", _("Suspendue")
    CANCELLED = "resiliee", _("Résiliée")
    EXPIRED = "expiree", _("Expirée")
    RENEWED = "renouvelee", _("Renouvelée")


class PaymentFrequency(models.TextChoices):
    ANNUAL = "annuel", _("Annuel")
    HALF_YEARLY = "semestriel", _("Semestriel")
    QUARTERLY = "trimestriel", _("Trimestriel")
    MONTHLY = "mensuel", _("Mensuel")


FREQUENCY_COUNT = {"annuel": 1, "semestriel": 2, "trimestriel": 4, "mensuel": 12}


class DistributionChannel(models.TextChoices):
    AGENCY = "agence", _("Agence directe")
    GENERAL_AGENT = "agent_general", _("Agent général")
    BROKER = "courtier", _("Courtier")
    BANK = "banque", _("Banque partenaire")
    ONLINE = "en_ligne", _("Vente en ligne")
    COMPARATOR = "comparateur", _("Comparateur en ligne")


class QuoteStatus(models.TextChoices):
    PENDING = "en_cours", _("En cours")
    ACCEPTED = "accepte", _("Accepté")
    REFUSED = "refuse", _("Refusé")


class InstalmentStatus(models.TextChoices):
    UPCOMING = "a_echoir", _("À échoir")
    DUE = "echue", _("Échue")
    PAID = "payee", _("Payée")
    PARTIAL = "partielle", _("Partiellement payée")
    UNPAID = "impayee", _("Impayée")


class PaymentMethod(models.TextChoices):
    CASH = "especes", _("Espèces")
    CHEQUE = "cheque", _("Chèque")
    TRANSFER = "virement", _("Virement")
    CIB = "cib", _("Carte CIB")
    EDAHABIA = "edahabia", _("Carte Edahabia")


class ClaimStatus(models.TextChoices):
    DECLARED = "declare", _("Déclaré")
    INVESTIGATING = "instruction", _("En instruction")
    EXPERTISE = "expertise", _("En expertise")
    OFFER_SENT = "offre", _("Offre envoyée")
    SETTLED = "regle", _("Réglé")
    REFUSED = "refuse", _("Refusé")
    CLOSED = "classe", _("Classé sans suite")


class ClaimType(models.TextChoices):
    AUTO_COLLISION = "collision", _("Accident automobile (collision)")
    THEFT = "vol", _("Vol")
    FIRE = "incendie", _("Incendie")
    GLASS = "bris_glace", _("Bris de glace")
    WATER = "degat_eaux", _("Dégât des eaux")
    CATNAT = "catnat", _("Catastrophe naturelle")
    TRANSPORT = "transport", _("Avarie de transport")
    HEALTH = "sante", _("Frais de santé")
    LIABILITY = "rc", _("Responsabilité civile")
    OTHER = "autre", _("Autre")


class DeclarationChannel(models.TextChoices):
    AGENCY = "agence", _("Agence")
    PHONE = "telephone", _("Téléphone")
    EMAIL = "email", _("E-mail")
    PORTAL = "portail", _("Espace client")
    BROKER = "intermediaire", _("Intermédiaire")


class ClaimDocument(models.TextChoices):
    CONSTAT = "constat", _("Constat amiable")
    PHOTOS = "photos", _("Photos")
    REPAIR_QUOTE = "devis", _("Devis de réparation")
    POLICE_REPORT = "pv", _("Procès-verbal (police / gendarmerie)")
    DRIVING_LICENCE = "permis", _("Permis de conduire")
    REGISTRATION = "carte_grise", _("Carte grise")
    COMPLAINT = "plainte", _("Dépôt de plainte")
    FIRE_REPORT = "rapport_pompiers", _("Rapport des pompiers")
    INVOICES = "factures", _("Factures")
    CATNAT_DECREE = "arrete_catnat", _("Arrêté de catastrophe naturelle")
    MEDICAL = "certificat_medical", _("Certificat médical")
    TRANSPORT_DOC = "lettre_voiture", _("Lettre de voiture / connaissement")


CLAIM_DOCUMENTS: dict[str, list[str]] = {
    "collision": ["constat", "photos", "devis", "permis", "carte_grise"],
    "vol": ["plainte", "carte_grise", "factures"],
    "incendie": ["rapport_pompiers", "photos", "factures"],
    "bris_glace": ["photos", "devis", "carte_grise"],
    "degat_eaux": ["constat", "photos", "devis"],
    "catnat": ["arrete_catnat", "photos", "factures"],
    "transport": ["lettre_voiture", "photos", "factures"],
    "sante": ["certificat_medical", "factures"],
    "rc": ["constat", "pv", "photos"],
    "autre": ["photos", "factures"],
}
