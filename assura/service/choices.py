from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketKind(models.TextChoices):
    REQUEST = "demande", _("Demande")
    COMPLAINT = "reclamation", _("Réclamation")
    INFORMATION = "information", _("Information")
    CLAIM_FOLLOWUP = "sinistre_suivi", _("Suivi de sinistre")


class Priority(models.TextChoices):
    LOW = "basse", _("Basse")
    NORMAL = "normale", _("Normale")
    HIGH = "haute", _("Haute")
    URGENT = "urgente", _("Urgente")


PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class TicketChannel(models.TextChoices):
    PHONE = "telephone", _("Téléphone")
    EMAIL = "email", _("E-mail")
    WEB_FORM = "formulaire", _("Formulaire web")
    AGENCY = "agence", _("Agence")
    SOCIAL = "reseaux_sociaux", _("Réseaux sociaux")
    CHAT = "chat", _("Chat")
    PORTAL = "portail", _("Portail")


class TicketStatus(models.TextChoices):
    NEW = "nouveau", _("Nouveau")
    OPEN = "ouvert", _("Ouvert")
    WAITING_CUSTOMER = "attente_client", _("En attente client")
    WAITING_INTERNAL = "attente_interne", _("En attente interne")
    RESOLVED = "resolu", _("Résolu")
    CLOSED = "clos", _("Clos")
    REOPENED = "reouvert", _("Réouvert")


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING_CUSTOMER, TicketStatus.WAITING_INTERNAL,
                 TicketStatus.REOPENED)
DONE_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class ResolutionCode(models.TextChoices):
    ANSWERED = "repondu", _("Réponse apportée")
    CORRECTED = "corrige", _("Erreur corrigée")
    COMPENSATED = "indemnise", _("Indemnisation ou geste commercial")
    REJECTED = "non_fonde", _("Réclamation non fondée")
    DUPLICATE = "doublon", _("Doublon")
    NO_ANSWER = "sans_reponse", _("Sans réponse du client")


class RootCause(models.TextChoices):
    PROCESS = "processus", _("Processus interne")
    DELAY = "delai", _("Délai de traitement")
    INFORMATION = "information", _("Information insuffisante")
    BILLING = "tarification", _("Erreur de tarification")
    IT = "informatique", _("Incident informatique")
    BEHAVIOUR = "accueil", _("Qualité de l'accueil")
    CUSTOMER = "client", _("Demande du client, pas de défaut")


class TeamKind(models.TextChoices):
    CUSTOMER_SERVICE = "service_client", _("Service client")
    CLAIMS = "indemnisations", _("Indemnisations")
    UNDERWRITING = "souscriptions", _("Souscriptions")
    AGENCY = "agence", _("Agence")


class MessageKind(models.TextChoices):
    INBOUND = "entrant", _("Message du client")
    REPLY = "reponse", _("Réponse au client")
    NOTE = "note", _("Note interne")
    ACK = "accuse", _("Accusé de réception")


class RoutingStrategy(models.TextChoices):
    TEAM = "equipe", _("File de l'équipe (sans attribution)")
    ROUND_ROBIN = "tour_de_role", _("Tour de rôle dans l'équipe")
    LOAD = "charge", _("Le moins chargé de l'équipe")


class InboundStatus(models.TextChoices):
    CREATED = "cree", _("Ticket créé")
    THREADED = "rattache", _("Rattaché à un ticket")
    IGNORED = "ignore", _("Ignoré (réponse automatique ou boucle)")
    QUARANTINED = "quarantaine", _("En quarantaine")


class KbVisibility(models.TextChoices):
    INTERNAL = "interne", _("Interne")
    PUBLIC = "public", _("Public (portail)")


class Queue(models.TextChoices):
    MINE = "mine", _("Mes tickets")
    TEAM = "team", _("Mon équipe")
    UNASSIGNED = "unassigned", _("Non attribués")
    AT_RISK = "at_risk", _("À risque")
    BREACHED = "breached", _("Hors délai")
