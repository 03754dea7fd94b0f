"""What the customers app imports and exports: contacts and accounts (discovered by
assura.core.imports / assura.core.exports_lists; see those modules for the engine).

Rows are cleaned by `contact_build` / `account_build`, the functions the forms use, with
the defaults of `contact_create` / `account_create` (owner: the importing user, agency:
theirs, date d'inscription: today), so a typed and an imported record obey the same rules.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from assura.core.exports_lists import ExportSpec, register_export
from assura.core.imports import DuplicateCheck, ImportField, ImportSpec, register_import
from assura.core.tables import Column
from assura.customers import selectors
from assura.customers.choices import (
    Channel,
    Civility,
    Gender,
    IdDocumentType,
    IncomeBand,
    Language,
    LegalForm,
    RevenueBand,
    Sector,
    Segment,
)
from assura.customers.filters import AccountFilterSet, ContactFilterSet
from assura.customers.models import Account, Contact
from assura.customers.services import (
    ACCOUNT_TRACKED,
    CONTACT_TRACKED,
    account_build,
    contact_build,
    contact_code_allocate,
)
from assura.customers.tables import AccountTable, ContactTable

# Fields both kinds share (location, channels, ownership).
OWNER = ImportField("owner", _("Gestionnaire (e-mail)"), "user",
                    ("gestionnaire", "gestionnaire attitre", "charge de clientele", "conseiller", "owner",
                     "account manager", "email gestionnaire"))
AGENCY = ImportField("agency", _("Agence"), "agency", ("agence", "code agence", "numero agence", "agency", "branch"))
ADDRESS = ImportField("address", _("Adresse"), synonyms=("adresse", "adresse postale", "address", "street"))
COMMUNE = ImportField("commune", _("Commune"), synonyms=("commune", "ville", "localite", "city", "town"))
WILAYA = ImportField("wilaya", _("Wilaya"), "wilaya", ("wilaya", "code wilaya", "departement", "province", "state"))
POSTAL_CODE = ImportField("postal_code", _("Code postal"), "digits", ("code postal", "cp", "postal code", "zip",
                                                                     "zip code", "postcode"))
PHONE = ImportField("phone", _("Téléphone principal"), "phone",
                    ("telephone", "tel", "tél", "mobile", "portable", "gsm", "numero de telephone", "phone",
                     "phone number", "mobile phone", "cell"))
PHONES = ImportField("phones", _("Autre téléphone"), "phones",
                     ("autre telephone", "telephone 2", "tel 2", "telephone fixe", "fixe", "fax", "other phone",
                      "phone 2", "home phone", "work phone", "telephones"), multiple=True)
EMAIL = ImportField("email", _("E-mail principal"), "email",
                    ("email", "e mail", "mail", "courriel", "adresse email", "adresse e mail", "email address"))
EMAILS = ImportField("emails", _("Autre e-mail"), "emails",
                     ("autre email", "email 2", "e mail 2", "other email", "email 2", "emails"), multiple=True)
CHANNEL = ImportField("preferred_channel", _("Canal préféré"), "choice",
                      ("canal prefere", "canal", "preferred channel", "channel"), choices=Channel,
                      aliases={"tel": "phone", "telephone": "phone", "mail": "email", "courriel": "email"})
SEGMENT = ImportField("segment", _("Segment"), "choice", ("segment", "categorie", "category", "type de client"),
                      choices=Segment, aliases={"individual": "particulier", "corporate": "entreprise"})
NOTES = ImportField("notes", _("Notes"), synonyms=("notes", "note", "commentaire", "commentaires", "remarques",
                                                   "observations", "comments"))


class ContactImport(ImportSpec):
    kind = "contacts"
    label = _("Contacts")
    model = Contact
    fields = [
        ImportField("code", _("Code client"), "code",
                    ("code", "code client", "n client", "no client", "numero client", "id client", "reference client",
                     "matricule", "client code", "customer code", "customer id", "client id")),
        ImportField("civility", _("Civilité"), "choice", ("civilite", "titre", "title", "salutation"),
                    choices=Civility,
                    aliases={"monsieur": "M", "mr": "M", "m.": "M", "madame": "MME", "mme": "MME", "mlle": "MME",
                             "melle": "MME", "mademoiselle": "MME", "mrs": "MME", "ms": "MME", "miss": "MME",
                             "السيد": "M", "السيدة": "MME"}),
        ImportField("last_name", _("Nom"), synonyms=("nom", "nom de famille", "patronyme", "last name", "lastname",
                                                      "surname", "family name", "name"), required=True),
        ImportField("first_name", _("Prénom"), synonyms=("prenom", "prenoms", "first name", "firstname",
                                                         "given name", "forename")),
        ImportField("last_name_ar", _("Nom (arabe)"), synonyms=("nom arabe", "nom en arabe", "nom ar",
                                                                "last name arabic", "اللقب", "اسم العائلة")),
        ImportField("first_name_ar", _("Prénom (arabe)"), synonyms=("prenom arabe", "prenom en arabe", "prenom ar",
                                                                    "first name arabic", "الاسم")),
        ImportField("birth_date", _("Date de naissance"), "date",
                    ("date de naissance", "date naissance", "ne le", "nee le", "naissance", "ddn", "birth date",
                     "birthdate", "date of birth", "dob", "birthday")),
        ImportField("gender", _("Sexe"), "choice", ("sexe", "genre", "gender", "sex"), choices=Gender,
                    aliases={"homme": "M", "h": "M", "male": "M", "masculin": "M", "femme": "F", "feminin": "F",
                             "female": "F", "ذكر": "M", "أنثى": "F"}),
        ImportField("nin", _("NIN"), "digits", ("nin", "numero d identification nationale", "n identification",
                                                "identifiant national", "national id", "national identity number")),
        ImportField("id_document_type", _("Pièce d'identité"), "choice",
                    ("piece d identite", "type de piece", "type piece", "id document", "document type"),
                    choices=IdDocumentType,
                    aliases={"cni": "cni", "carte nationale": "cni", "carte d identite": "cni",
                             "passeport": "passport", "permis": "permis", "carte de resident": "residence"}),
        ImportField("id_document_number", _("Numéro de la pièce"), "digits",
                    ("numero de la piece", "numero piece", "n piece", "numero cni", "numero passeport",
                     "id number", "document number")),
        ImportField("id_document_expiry", _("Validité de la pièce"), "date",
                    ("validite de la piece", "date de validite", "expiration piece", "date expiration",
                     "expiry date", "document expiry")),
        ImportField("profession", _("Profession"), synonyms=("profession", "metier", "emploi", "occupation", "job")),
        ImportField("income_band", _("Tranche de revenu"), "choice",
                    ("tranche de revenu", "revenu", "income", "income band"), choices=IncomeBand),
        ADDRESS, COMMUNE, WILAYA, POSTAL_CODE, PHONE, PHONES, EMAIL, EMAILS, CHANNEL,
        ImportField("preferred_language", _("Langue préférée"), "choice",
                    ("langue", "langue preferee", "language", "preferred language"), choices=Language,
                    aliases={"francais": "fr", "french": "fr", "arabe": "ar", "arabic": "ar", "العربية": "ar",
                             "anglais": "en", "english": "en", "kabyle": "kab", "tamazight": "kab"}),
        SEGMENT, OWNER, AGENCY,
        ImportField("registered_on", _("Date d'inscription"), "date",
                    ("date d inscription", "inscrit le", "date de creation", "client depuis", "registered on",
                     "registration date", "customer since")),
        NOTES,
    ]
    match_keys = {"code": _("Code client"), "nin": _("NIN"), "email": _("E-mail")}
    unique_fields = ("code",)
    duplicate_checks = (
        DuplicateCheck("nin", _("NIN")),
        DuplicateCheck("email", _("e-mail")),
        DuplicateCheck("phone", _("téléphone")),
        DuplicateCheck("name_key", _("nom et date de naissance"), also=("birth_date",)),
    )
    describe_fields = ("code", "first_name", "last_name")
    list_url_name = "customers:contact_list"
    tracked = CONTACT_TRACKED
    derived_fields = ("search_text", "name_key")

    def new_instance(self, ctx):
        return Contact(organization_id=ctx.organization_id, owner=ctx.actor, agency=ctx.actor_agency,
                       registered_on=ctx.today)

    def build(self, instance, data, ctx):
        contact_build(contact=instance, data=data, validate_unique=False)

    def key_value(self, key, data):
        value = data.get(key) or ""
        if key == "nin":
            return re.sub(r"[\s.-]", "", value)
        return value.strip().upper() if key == "code" else value.strip().lower()

    def instance_key(self, key, instance):
        value = getattr(instance, key) or ""
        return value.upper() if key == "code" else value

    def prepare_new(self, rows, ctx, run):
        """Codes for the rows without one, allocated in one go, never one already taken. They are
        allocated before the build so that the search column includes them (a run that saves
        nothing leaves a gap in the numbering, as a rolled-back sequence would)."""
        missing = [data for data in rows if not data.get("code")]
        done = 0
        while done < len(missing):
            codes = contact_code_allocate(organization_id=ctx.organization_id, count=len(missing) - done)
            taken = run.file_codes | set(Contact.objects.filter(organization_id=ctx.organization_id,
                                                                code__in=codes).values_list("code", flat=True))
            for code in codes:
                if code not in taken:
                    missing[done]["code"] = code
                    done += 1


class AccountImport(ImportSpec):
    kind = "accounts"
    label = _("Comptes (entreprises)")
    model = Account
    fields = [
        ImportField("name", _("Raison sociale"), synonyms=("raison sociale", "nom de l entreprise", "entreprise",
                                                           "societe", "denomination", "company", "company name",
                                                           "business name", "name", "nom"), required=True),
        ImportField("name_ar", _("Raison sociale (arabe)"), synonyms=("raison sociale arabe", "nom arabe",
                                                                      "company name arabic", "التسمية")),
        ImportField("legal_form", _("Forme juridique"), "choice", ("forme juridique", "statut juridique",
                                                                   "legal form", "legal status"), choices=LegalForm,
                    aliases={"sas": "autre", "individuelle": "ei", "public": "epe"}),
        ImportField("trade_register", _("RC"), "digits", ("rc", "registre du commerce", "n rc", "numero rc",
                                                          "trade register", "commercial register")),
        ImportField("nif", _("NIF"), "digits", ("nif", "numero d identification fiscale", "tax id", "tax number")),
        ImportField("nis", _("NIS"), "digits", ("nis", "numero d identification statistique", "statistical id")),
        ImportField("sector", _("Secteur d'activité"), "choice", ("secteur", "secteur d activite", "activite",
                                                                  "sector", "industry"), choices=Sector),
        ImportField("revenue", _("Chiffre d'affaires (DA)"), "decimal", ("chiffre d affaires", "ca", "revenue",
                                                                         "turnover", "annual revenue")),
        ImportField("revenue_band", _("Tranche de CA"), "choice", ("tranche de ca", "tranche de chiffre d affaires",
                                                                   "revenue band"), choices=RevenueBand),
        ImportField("headcount", _("Effectif"), "integer", ("effectif", "nombre de salaries", "salaries",
                                                            "employes", "headcount", "employees", "staff")),
        ImportField("website", _("Site web"), synonyms=("site web", "site internet", "site", "website", "url",
                                                        "web")),
        ADDRESS, COMMUNE, WILAYA, POSTAL_CODE, PHONE, PHONES, EMAIL, EMAILS, CHANNEL, SEGMENT, OWNER, AGENCY, NOTES,
    ]
    match_keys = {"nif": _("NIF"), "trade_register": _("RC"), "email": _("E-mail")}
    duplicate_checks = (
        DuplicateCheck("nif", _("NIF")),
        DuplicateCheck("trade_register", _("RC")),
        DuplicateCheck("email", _("e-mail")),
        DuplicateCheck("phone", _("téléphone")),
    )
    describe_fields = ("name",)
    list_url_name = "customers:account_list"
    tracked = ACCOUNT_TRACKED
    derived_fields = ("search_text", "name_key", "trade_register_key")

    def new_instance(self, ctx):
        return Account(organization_id=ctx.organization_id, owner=ctx.actor, agency=ctx.actor_agency)

    def build(self, instance, data, ctx):
        account_build(account=instance, data=data, validate_unique=False)

    def key_value(self, key, data):
        value = data.get(key) or ""
        return value.strip().lower() if key == "email" else value.strip()


register_import(ContactImport())
register_import(AccountImport())


register_export(ExportSpec(
    kind="contacts", label=_("Contacts"), queryset=lambda user: selectors.contact_list(user=user),
    table=ContactTable, filterset=ContactFilterSet,
    expand={"last_name": (Column("last_name", _("Nom")), Column("first_name", _("Prénom")),
                          Column("last_name_ar", _("Nom (arabe)")), Column("first_name_ar", _("Prénom (arabe)")))},
))
register_export(ExportSpec(
    kind="accounts", label=_("Comptes"), queryset=lambda user: selectors.account_list(user=user),
    table=AccountTable, filterset=AccountFilterSet,
))
