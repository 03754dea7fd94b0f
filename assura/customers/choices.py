from django.db import models
from django.utils.translation import gettext_lazy as _


class Civility(models.TextChoices):
    MR = "M", _("M.")
    MRS = "MME", _("Mme")


class Gender(models.TextChoices):
    MALE = "M", _("Masculin")
    FEMALE = "F", _("Féminin")


class IdDocumentType(models.TextChoices):
    NATIONAL_ID = "cni", _("Carte d'identité nationale")
    PASSPORT = "passport", _("Passeport")
    DRIVING_LICENCE = "permis", _("Permis de conduire")
    RESIDENCE = "residence", _("Carte de résident")


class IncomeBand(models.TextChoices):
    LOW = "lt30k", _("Moins de 30 000 DA / mois")
    MIDDLE = "30-60k", _("30 000 à 60 000 DA / mois")
    UPPER = "60-120k", _("60 000 à 120 000 DA / mois")
    HIGH = "gt120k", _("Plus de 120 000 DA / mois")


class PhoneType(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Domicile")
    WORK = "work", _("Travail")
    FAX = "fax", _("Fax")


class Channel(models.TextChoices):
    PHONE = "phone", _("Téléphone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WHATSAPP = "whatsapp", _("WhatsApp")
    POST = "post", _("Courrier")
    AGENCY = "agency", _("Agence")


class Language(models.TextChoices):
    FR = "fr", _("Français")
    AR = "ar", _("Arabe")
    EN = "en", _("Anglais")
    KAB = "kab", _("Kabyle")


class Segment(models.TextChoices):
    INDIVIDUAL = "particulier", _("Particulier")
    PROFESSIONAL = "professionnel", _("Professionnel")
    PREMIUM = "premium", _("Patrimonial")
    CORPORATE = "entreprise", _("Entreprise")
    PUBLIC = "public", _("Secteur public")


class LegalForm(models.TextChoices):
    SARL = "sarl", "SARL"
    EURL = "eurl", "EURL"
    SPA = "spa", "SPA"
    SNC = "snc", "SNC"
    EI = "ei", _("Entreprise individuelle")
    EPE = "epe", _("Entreprise publique (EPE)")
    ASSOCIATION = "association", _("Association")
    OTHER = "autre", _("Autre")


class Sector(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture")
    INDUSTRY = "industrie", _("Industrie")
    CONSTRUCTION = "btp", _("BTP")
    TRADE = "commerce", _("Commerce")
    TRANSPORT = "transport", _("Transport et logistique")
    ENERGY = "energie", _("Énergie et hydrocarbures")
    SERVICES = "services", _("Services")
    HEALTH = "sante", _("Santé")
    PUBLIC = "public", _("Administration publique")
    OTHER = "autre", _("Autre")


class RevenueBand(models.TextChoices):
    MICRO = "lt20m", _("Moins de 20 M DA")
    SMALL = "20-200m", _("20 à 200 M DA")
    MEDIUM = "200m-4b", _("200 M à 4 Md DA")
    LARGE = "gt4b", _("Plus de 4 Md DA")


class RelationKind(models.TextChoices):
    SPOUSE = "conjoint", _("Conjoint(e)")
    CHILD = "enfant", _("Enfant")
    PARENT = "parent", _("Parent")
    SIBLING = "fratrie", _("Frère / sœur")
    RELATIVE = "famille", _("Autre membre de la famille")
    EMPLOYEE = "employe", _("Employé(e)")
    MANAGER = "dirigeant", _("Dirigeant(e)")
    PARTNER = "associe", _("Associé(e)")
    MAIN_CONTACT = "contact_principal", _("Contact principal")
    OTHER = "autre", _("Autre")


PERSON_RELATIONS = {RelationKind.SPOUSE, RelationKind.CHILD, RelationKind.PARENT, RelationKind.SIBLING,
                    RelationKind.RELATIVE, RelationKind.OTHER}
ACCOUNT_RELATIONS = {RelationKind.EMPLOYEE, RelationKind.MANAGER, RelationKind.PARTNER, RelationKind.MAIN_CONTACT,
                     RelationKind.OTHER}
