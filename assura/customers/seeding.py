"""Realistic Algerian customer data in bulk, for the demo companies and the benchmark.

`seed_customers(organization=…, contacts=…)` writes contacts (households, consents, tags),
accounts (with their people), leads and activities for one company from a seeded random
generator: the same seed on the same company set-up (agencies, users) gives the same data.
Rows are prepared the way the services prepare them (`refresh_contact_search`,
`refresh_account_search`, `search_text` for leads, client codes from
`contact_code_allocate`) and written in batches with no per-row query: COPY on PostgreSQL,
multi-row INSERT on SQLite, ids reserved beforehand so that links need no read-back.
Seeding is a loading tool: it expects to be the only writer while it runs.
"""

from __future__ import annotations

import bisect
import itertools
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assura.activities.choices import (
    ActivityChannel,
    ActivityKind,
    ActivityStatus,
    CallDirection,
    CallOutcome,
    Priority,
)
from assura.activities.models import Activity
from assura.core.bulkwrite import BulkWriter
from assura.core.permissions import Role
from assura.core.reference import WILAYA_NAMES
from assura.core.search import normalize, search_text
from assura.customers.choices import (
    Channel,
    Civility,
    Gender,
    IdDocumentType,
    IncomeBand,
    Language,
    LegalForm,
    RelationKind,
    RevenueBand,
    Sector,
    Segment,
)
from assura.customers.models import Account, Consent, Contact, Relationship, Tag
from assura.customers.services import contact_code_allocate, refresh_account_search, refresh_contact_search
from assura.identity.models import Agency, User
from assura.leads.choices import DecisionTimeframe, LeadSource, LeadStatus, Level, LostReason, Temperature
from assura.leads.models import Lead

ALGIERS = dt_timezone(timedelta(hours=1))  # Algeria keeps UTC+1 all year (no daylight saving)

# --- Reference lists ------------------------------------------------------------------------------------
# Common Algerian given names and family names with their usual Arabic spelling, most frequent
# first (the generator weights them by rank, so a few names are common and many are rare).

MALE_FIRST_NAMES = [
    ("Mohamed", "محمد"), ("Ahmed", "أحمد"), ("Abdelkader", "عبد القادر"), ("Ali", "علي"), ("Amine", "أمين"),
    ("Yacine", "ياسين"), ("Karim", "كريم"), ("Sofiane", "سفيان"), ("Youcef", "يوسف"), ("Bilal", "بلال"),
    ("Hamza", "حمزة"), ("Omar", "عمر"), ("Mustapha", "مصطفى"), ("Rachid", "رشيد"), ("Saïd", "سعيد"),
    ("Nabil", "نبيل"), ("Samir", "سمير"), ("Farid", "فريد"), ("Djamel", "جمال"), ("Kamel", "كمال"),
    ("Noureddine", "نور الدين"), ("Abdelaziz", "عبد العزيز"), ("Abderrahmane", "عبد الرحمن"),
    ("Abdellah", "عبد الله"), ("Redouane", "رضوان"), ("Riad", "رياض"), ("Walid", "وليد"), ("Hichem", "هشام"),
    ("Mehdi", "مهدي"), ("Anis", "أنيس"), ("Adel", "عادل"), ("Farès", "فارس"), ("Ilyes", "إلياس"),
    ("Ayoub", "أيوب"), ("Islam", "إسلام"), ("Oussama", "أسامة"), ("Zakaria", "زكرياء"), ("Khaled", "خالد"),
    ("Lotfi", "لطفي"), ("Mourad", "مراد"), ("Nassim", "نسيم"), ("Salim", "سليم"), ("Tarek", "طارق"),
    ("Toufik", "توفيق"), ("Hocine", "حسين"), ("Hassan", "حسن"), ("Brahim", "إبراهيم"), ("Smaïl", "إسماعيل"),
    ("Larbi", "العربي"), ("Aïssa", "عيسى"), ("Messaoud", "مسعود"), ("Boualem", "بوعلام"), ("Lakhdar", "لخضر"),
    ("Mohand", "محند"), ("Amar", "عمار"), ("Slimane", "سليمان"), ("Azzedine", "عز الدين"), ("Fouad", "فؤاد"),
    ("Hakim", "حكيم"), ("Rafik", "رفيق"), ("Sid Ahmed", "سيد أحمد"), ("Abdelhak", "عبد الحق"),
    ("Mokhtar", "مختار"), ("Yazid", "يزيد"), ("Chérif", "شريف"), ("Nadir", "نذير"), ("Ramzi", "رمزي"),
    ("Mounir", "منير"), ("Zinedine", "زين الدين"), ("Aymen", "أيمن"), ("Rayane", "ريان"), ("Adam", "آدم"),
    ("Wassim", "وسيم"), ("Anès", "أنس"), ("Abdelmalek", "عبد المالك"), ("Badreddine", "بدر الدين"),
    ("Mahmoud", "محمود"), ("Idir", "إيدير"), ("Massinissa", "ماسينيسا"), ("Lounès", "لونيس"),
]
FEMALE_FIRST_NAMES = [
    ("Fatima", "فاطمة"), ("Amina", "أمينة"), ("Khadidja", "خديجة"), ("Meriem", "مريم"), ("Nadia", "نادية"),
    ("Samira", "سميرة"), ("Leïla", "ليلى"), ("Nassima", "نسيمة"), ("Souad", "سعاد"), ("Yasmine", "ياسمين"),
    ("Sarah", "سارة"), ("Imane", "إيمان"), ("Amel", "أمال"), ("Lamia", "لمياء"), ("Hanane", "حنان"),
    ("Naïma", "نعيمة"), ("Zineb", "زينب"), ("Karima", "كريمة"), ("Farida", "فريدة"), ("Malika", "مليكة"),
    ("Djamila", "جميلة"), ("Houria", "حورية"), ("Nawel", "نوال"), ("Rym", "ريم"), ("Selma", "سلمى"),
    ("Lina", "لينا"), ("Asma", "أسماء"), ("Aïcha", "عائشة"), ("Zohra", "زهرة"), ("Khaoula", "خولة"),
    ("Wafa", "وفاء"), ("Sabrina", "صبرينة"), ("Sonia", "صونيا"), ("Dalila", "دليلة"), ("Hayat", "حياة"),
    ("Ouarda", "وردة"), ("Safia", "صفية"), ("Rachida", "رشيدة"), ("Fadila", "فضيلة"), ("Chahinez", "شهيناز"),
    ("Manel", "منال"), ("Feriel", "فريال"), ("Inès", "إيناس"), ("Maroua", "مروة"), ("Rania", "رانيا"),
    ("Hadjer", "هاجر"), ("Soumia", "سمية"), ("Nour", "نور"), ("Kenza", "كنزة"), ("Mélissa", "ميليسا"),
    ("Tinhinane", "تينهينان"), ("Katia", "كاتيا"), ("Djazia", "جازية"), ("Bahia", "بهية"), ("Yamina", "يمينة"),
    ("Fatiha", "فتيحة"), ("Nacera", "نصيرة"), ("Ghania", "غنية"), ("Hassiba", "حسيبة"), ("Wahiba", "وهيبة"),
    ("Louiza", "لويزة"), ("Kahina", "كاهنة"), ("Sihem", "سهام"), ("Assia", "آسيا"), ("Nesrine", "نسرين"),
]
FAMILY_NAMES = [
    ("Benali", "بن علي"), ("Bouzid", "بوزيد"), ("Haddad", "حداد"), ("Mansouri", "منصوري"),
    ("Aïssani", "عيساني"), ("Belkacem", "بلقاسم"), ("Brahimi", "براهيمي"), ("Saïdi", "سعيدي"),
    ("Boudiaf", "بوضياف"), ("Benaïssa", "بن عيسى"), ("Hamidi", "حميدي"), ("Zerrouki", "زروقي"),
    ("Saâdi", "سعدي"), ("Khelifi", "خليفي"), ("Larbi", "العربي"), ("Amrani", "عمراني"), ("Chérif", "شريف"),
    ("Hadjadj", "حجاج"), ("Bensalem", "بن سالم"), ("Ferhat", "فرحات"), ("Ouali", "والي"), ("Bensaïd", "بن سعيد"),
    ("Meziane", "مزيان"), ("Benamar", "بن عمار"), ("Boumediene", "بومدين"), ("Chaouch", "شاوش"),
    ("Djebbar", "جبار"), ("Hamdani", "حمداني"), ("Kaci", "قاسي"), ("Lounis", "لونيس"), ("Messaoudi", "مسعودي"),
    ("Rahmani", "رحماني"), ("Slimani", "سليماني"), ("Taleb", "طالب"), ("Yahiaoui", "يحياوي"),
    ("Zitouni", "زيتوني"), ("Abdelli", "عبدلي"), ("Allouche", "علوش"), ("Amara", "عمارة"), ("Bacha", "باشا"),
    ("Belhadj", "بلحاج"), ("Belaïd", "بلعيد"), ("Benkhelifa", "بن خليفة"), ("Benmoussa", "بن موسى"),
    ("Bouchareb", "بوشارب"), ("Boukhari", "بخاري"), ("Bouaziz", "بوعزيز"), ("Bouguerra", "بوقرة"),
    ("Chabane", "شعبان"), ("Dahmani", "دحماني"), ("Derradji", "دراجي"), ("Djellouli", "جلولي"),
    ("Ferhani", "فرحاني"), ("Gacem", "قاسم"), ("Ghezali", "غزالي"), ("Hadj Ali", "حاج علي"),
    ("Hamadouche", "حمادوش"), ("Hamoudi", "حمودي"), ("Kadri", "قادري"), ("Khaldi", "خالدي"),
    ("Kherbache", "خرباش"), ("Lakehal", "لكحل"), ("Mebarki", "مباركي"), ("Medjahed", "مجاهد"),
    ("Merabet", "مرابط"), ("Mokrani", "مقراني"), ("Naït Ali", "نايت علي"), ("Ouchene", "وشن"),
    ("Rezig", "رزيق"), ("Salhi", "صالحي"), ("Sahraoui", "صحراوي"), ("Tahri", "طاهري"), ("Touati", "تواتي"),
    ("Yousfi", "يوسفي"), ("Zeroual", "زروال"), ("Ziani", "زياني"), ("Achour", "عاشور"), ("Aouadi", "عوادي"),
    ("Baghdadi", "بغدادي"), ("Bekkouche", "بكوش"), ("Belabbes", "بلعباس"), ("Benyahia", "بن يحيى"),
    ("Bensaci", "بن ساسي"), ("Benslimane", "بن سليمان"), ("Berrah", "براح"), ("Bouabdallah", "بوعبد الله"),
    ("Boudjemaa", "بوجمعة"), ("Boulahia", "بولحية"), ("Chikhi", "شيخي"), ("Dib", "ذيب"),
    ("Djaballah", "جاب الله"), ("Fellah", "فلاح"), ("Guendouz", "قندوز"), ("Hachemi", "هاشمي"),
    ("Hafsi", "حفصي"), ("Kebir", "كبير"), ("Laouar", "لعور"), ("Maamri", "معمري"), ("Menad", "مناد"),
    ("Mimouni", "ميموني"), ("Moussaoui", "موساوي"), ("Rahal", "رحال"), ("Sellami", "سلامي"), ("Toumi", "تومي"),
    ("Zaïdi", "زايدي"), ("Benchikh", "بن الشيخ"), ("Aït Ahmed", "آيت أحمد"), ("Amirouche", "عميروش"),
    ("Belkhir", "بلخير"), ("Benhamouda", "بن حمودة"), ("Hamlaoui", "حملاوي"), ("Kerroum", "كروم"),
    ("Lahmar", "لحمر"), ("Nouri", "نوري"), ("Remili", "رميلي"), ("Soltani", "سلطاني"), ("Tlemçani", "تلمساني"),
    ("Benyoucef", "بن يوسف"), ("Kaddour", "قدور"), ("Kouidri", "كويدري"), ("Amroun", "عمرون"),
    ("Ouadah", "وضاح"), ("Bouhired", "بوحيرد"), ("Hamiche", "حميش"), ("Ikhlef", "إخلف"), ("Rebai", "ربيعي"),
]

# Approximate population of each wilaya (thousands): where customers live.
WILAYA_POPULATION = {
    "01": 450, "02": 1150, "03": 520, "04": 680, "05": 1200, "06": 960, "07": 800, "08": 280, "09": 1150,
    "10": 720, "11": 180, "12": 720, "13": 1050, "14": 900, "15": 1180, "16": 3300, "17": 1350, "18": 680,
    "19": 1650, "20": 340, "21": 960, "22": 650, "23": 680, "24": 510, "25": 1020, "26": 860, "27": 820,
    "28": 1100, "29": 830, "30": 560, "31": 1650, "32": 240, "33": 55, "34": 680, "35": 880, "36": 420,
    "37": 60, "38": 320, "39": 700, "40": 420, "41": 460, "42": 620, "43": 820, "44": 810, "45": 210,
    "46": 380, "47": 420, "48": 770, "49": 120, "50": 20, "51": 170, "52": 50, "53": 60, "54": 20,
    "55": 250, "56": 20, "57": 150, "58": 60,
}
# Coarse zones: a customer of a wilaya without an agency is followed by an agency of its zone.
ZONES = {
    "centre": "09 10 15 16 17 26 35 42 44 38 06",
    "ouest": "02 08 13 14 20 22 27 29 31 32 37 45 46 48 52",
    "est": "04 05 12 18 19 21 23 24 25 28 34 36 40 41 43 51",
    "sud": "01 03 07 11 30 33 39 47 49 50 53 54 55 56 57 58",
}
ZONE_OF = {code: zone for zone, codes in ZONES.items() for code in codes.split()}
COMMUNES = {
    "16": ["Alger-Centre", "Bab El Oued", "Hydra", "Kouba", "Bir Mourad Raïs", "El Harrach", "Bab Ezzouar",
           "Dar El Beïda", "Chéraga", "Birkhadem", "Hussein Dey", "Bordj El Kiffan", "Rouïba", "Draria"],
    "31": ["Oran", "Es Senia", "Bir El Djir", "Arzew", "Aïn El Turck", "Sidi Chami"],
    "25": ["Constantine", "El Khroub", "Hamma Bouziane", "Aïn Smara", "Didouche Mourad"],
    "19": ["Sétif", "El Eulma", "Aïn Oulmene", "Aïn Arnat", "Bougaa"],
    "09": ["Blida", "Boufarik", "Ouled Yaïch", "Larbaâ", "Mouzaïa"],
    "15": ["Tizi Ouzou", "Azazga", "Draâ Ben Khedda", "Larbaâ Nath Irathen", "Tigzirt"],
    "06": ["Béjaïa", "Akbou", "Amizour", "El Kseur", "Sidi Aïch"],
    "23": ["Annaba", "El Bouni", "El Hadjar", "Sidi Amar"],
    "05": ["Batna", "Barika", "Arris", "Aïn Touta", "Merouana"],
    "13": ["Tlemcen", "Maghnia", "Mansourah", "Remchi", "Ghazaouet"],
    "17": ["Djelfa", "Aïn Oussera", "Messaad", "Hassi Bahbah"],
    "02": ["Chlef", "Ténès", "Boukadir", "Oued Fodda"],
    "28": ["M'Sila", "Bou Saâda", "Sidi Aïssa", "Magra"],
    "35": ["Boumerdès", "Bordj Menaïel", "Khemis El Khechna", "Dellys"],
    "42": ["Tipaza", "Koléa", "Cherchell", "Fouka"],
    "21": ["Skikda", "Azzaba", "Collo", "El Harrouch"],
    "22": ["Sidi Bel Abbès", "Telagh", "Sfisef"],
    "30": ["Ouargla", "Hassi Messaoud", "N'Goussa"],
    "47": ["Ghardaïa", "Metlili", "Berriane"],
}
AREA_CODES = {  # landline area code of each wilaya (fixed lines of households and companies)
    "16": "21", "09": "25", "26": "25", "42": "24", "35": "24", "15": "26", "10": "26", "06": "34", "18": "34",
    "31": "41", "13": "43", "46": "43", "22": "48", "20": "48", "27": "45", "29": "45", "48": "46", "14": "46",
    "38": "46", "02": "27", "44": "27", "17": "27", "25": "31", "43": "31", "19": "36", "28": "35", "34": "35",
    "05": "33", "07": "33", "40": "32", "04": "32", "39": "32", "23": "38", "21": "38", "36": "38", "12": "37",
    "24": "37", "41": "37", "30": "29", "47": "29", "03": "29", "11": "29", "33": "29", "55": "29", "56": "29",
}
MOBILE_PREFIXES = ("55", "66", "67", "68", "69", "77", "78", "79")  # Ooredoo, Mobilis, Djezzy
STREETS = [
    "rue Didouche Mourad", "boulevard Mohamed V", "rue Larbi Ben M'hidi", "avenue de l'ALN",
    "rue Hassiba Ben Bouali", "boulevard Colonel Amirouche", "rue Abane Ramdane", "avenue du 1er Novembre",
    "rue Émir Abdelkader", "boulevard Zighoud Youcef", "rue Ahmed Zabana", "rue des Frères Bouadou",
    "avenue de l'Indépendance", "rue Mustapha Ben Boulaïd", "boulevard Krim Belkacem", "rue Ali Boumendjel",
    "rue Souidani Boudjemaa", "avenue Franz Fanon", "rue Mohamed Khemisti", "boulevard Souidani Boudjemaa",
]
PROFESSIONS = [  # (masculine, feminine, weight)
    ("Enseignant", "Enseignante", 9), ("Fonctionnaire", "Fonctionnaire", 12), ("Commerçant", "Commerçante", 10),
    ("Ingénieur", "Ingénieure", 5), ("Médecin", "Médecin", 3), ("Infirmier", "Infirmière", 3),
    ("Chauffeur", "Chauffeur", 5), ("Agriculteur", "Agricultrice", 4), ("Artisan", "Artisane", 4),
    ("Comptable", "Comptable", 3), ("Avocat", "Avocate", 1), ("Pharmacien", "Pharmacienne", 1),
    ("Technicien", "Technicienne", 5), ("Cadre administratif", "Cadre administrative", 5),
    ("Chef d'entreprise", "Cheffe d'entreprise", 3), ("Militaire", "Militaire", 2), ("Policier", "Policière", 2),
    ("Architecte", "Architecte", 1), ("Mécanicien", "Mécanicienne", 2), ("Employé de banque", "Employée de banque", 2),
    ("Transporteur", "Transporteuse", 2), ("Sans profession", "Sans profession", 4),
]
PRODUCTS = [
    "Automobile", "Multirisque habitation", "Catastrophes naturelles (CatNat)", "Santé", "Voyage",
    "Flotte automobile", "Multirisque professionnelle", "Responsabilité civile", "Transport de marchandises",
    "Bris de machine", "Assurance agricole", "Prévoyance", "Individuelle accident",
]
TAG_NAMES = ["VIP", "Flotte automobile", "Retraité", "Fonctionnaire", "Client fidèle", "Sinistre en cours",
             "Parrain", "Jeune conducteur"]
ACCOUNT_TRADES = [  # (French, Arabic, sector)
    ("Transport", "للنقل", Sector.TRANSPORT), ("Import-Export", "للاستيراد والتصدير", Sector.TRADE),
    ("Travaux publics", "للأشغال العمومية", Sector.CONSTRUCTION), ("Bâtiment", "للبناء", Sector.CONSTRUCTION),
    ("Agroalimentaire", "للصناعات الغذائية", Sector.INDUSTRY), ("Distribution", "للتوزيع", Sector.TRADE),
    ("Pharma", "للأدوية", Sector.HEALTH), ("Services informatiques", "للخدمات المعلوماتية", Sector.SERVICES),
    ("Plasturgie", "للبلاستيك", Sector.INDUSTRY), ("Matériaux de construction", "لمواد البناء", Sector.CONSTRUCTION),
    ("Logistique", "للإمداد", Sector.TRANSPORT), ("Élevage avicole", "لتربية الدواجن", Sector.AGRICULTURE),
    ("Minoterie", "للمطاحن", Sector.INDUSTRY), ("Énergie solaire", "للطاقة الشمسية", Sector.ENERGY),
    ("Hôtellerie", "للفندقة", Sector.SERVICES), ("Textile", "للنسيج", Sector.INDUSTRY),
    ("Froid industriel", "للتبريد الصناعي", Sector.INDUSTRY),
    ("Location de véhicules", "لكراء السيارات", Sector.SERVICES),
    ("Promotion immobilière", "للترقية العقارية", Sector.CONSTRUCTION), ("Clinique médicale", "للعلاج", Sector.HEALTH),
    ("Services pétroliers", "للخدمات البترولية", Sector.ENERGY),
    ("Agrumes et primeurs", "للحمضيات", Sector.AGRICULTURE),
]
ACCOUNT_PLACES = ["du Hodna", "de la Mitidja", "des Hauts Plateaux", "du Sahel", "de la Soummam", "du Djurdjura",
                  "de l'Oranie", "des Aurès", "du Tell", "de la Saoura", "Méditerranée", "El Bahia", "Cirta",
                  "Numidia", "Atlas", "Tassili", "El Djazaïr", "des Zibans", "du Titteri", "Rym"]
LEGAL_FORM_AR = {LegalForm.SARL: "ش.ذ.م.م", LegalForm.EURL: "ش.ذ.ش.و.م.م", LegalForm.SPA: "ش.ذ.أ",
                 LegalForm.SNC: "ش.ت", LegalForm.EI: "مؤسسة", LegalForm.EPE: "م.ع.ا", LegalForm.ASSOCIATION: "جمعية"}
JOB_TITLES = ["Gérant", "Directeur général", "Directeur financier", "Responsable achats", "Responsable RH",
              "Directeur administratif", "Chef de parc", "Comptable", "Responsable logistique"]
EMAIL_DOMAINS = [("gmail.com", 58), ("yahoo.fr", 14), ("hotmail.com", 11), ("outlook.fr", 6), ("yahoo.com", 5),
                 ("hotmail.fr", 4), ("live.fr", 2)]

ACTIVITY_SUBJECTS = {
    ActivityKind.CALL: [
        "Relance pour le renouvellement de l'assurance automobile", "Appel entrant : déclaration de sinistre",
        "Demande de devis multirisque habitation", "Rappel de l'échéance de paiement",
        "Information sur la garantie catastrophes naturelles (CatNat)", "Suivi du dossier sinistre",
        "Demande d'attestation d'assurance", "Proposition d'une assurance voyage", "Réclamation sur un remboursement",
        "Relance du devis envoyé", "Mise à jour des coordonnées", "Question sur les franchises",
    ],
    ActivityKind.NOTE: [
        "Client intéressé par une assurance santé pour sa famille", "Véhicule changé : prévoir un avenant",
        "Préfère être contacté le matin", "A comparé nos tarifs avec la concurrence",
        "Documents du sinistre reçus en agence", "Souhaite regrouper ses contrats",
        "Nouveau local commercial à assurer",
        "Déménagement prévu en fin d'année",
    ],
    ActivityKind.TASK: [
        "Envoyer le devis automobile", "Préparer l'avenant de changement de véhicule",
        "Relancer le paiement de la prime",
        "Vérifier les pièces du dossier sinistre", "Programmer l'expertise du véhicule", "Envoyer l'attestation CatNat",
        "Mettre à jour la pièce d'identité expirée", "Préparer la proposition de renouvellement",
    ],
    ActivityKind.APPOINTMENT: [
        "Rendez-vous en agence : devis habitation", "Signature du contrat", "Bilan annuel des contrats",
        "Présentation de l'offre flotte automobile", "Rendez-vous d'expertise", "Étude des besoins prévoyance",
    ],
    ActivityKind.VISIT: [
        "Passage en agence : paiement de la prime", "Dépôt du constat amiable", "Retrait de l'attestation",
        "Visite pour un renseignement", "Dépôt des justificatifs",
    ],
    ActivityKind.EMAIL: [
        "Envoi du devis", "Envoi de l'attestation d'assurance", "Confirmation du rendez-vous", "Avis d'échéance",
        "Accusé de réception de la déclaration de sinistre",
    ],
    ActivityKind.SMS: [
        "Rappel de rendez-vous", "Rappel d'échéance", "Votre attestation est disponible en agence",
        "Code de suivi de votre dossier sinistre",
    ],
}
ACTIVITY_BODIES = [
    "", "", "", "Le client rappellera en fin de semaine.", "Dossier complet, transmis au service production.",
    "Pièces manquantes : carte grise et permis de conduire.", "Client satisfait de la prise en charge.",
    "Attend une réduction pour le regroupement de ses contrats.", "Paiement prévu par virement.",
]
ACTIVITY_KIND_WEIGHTS = [(ActivityKind.CALL, 30), (ActivityKind.NOTE, 16), (ActivityKind.TASK, 14),
                         (ActivityKind.APPOINTMENT, 10), (ActivityKind.VISIT, 12), (ActivityKind.EMAIL, 10),
                         (ActivityKind.SMS, 8)]


# --- The generator ------------------------------------------------------------------------------------------

@dataclass
class SeedReport:
    """What a seeding run wrote, and how fast."""

    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        rate = sum(self.counts.values()) / self.seconds if self.seconds else 0
        parts = ", ".join(f"{name} {count:,}" for name, count in self.counts.items())
        return [f"Seeded {parts} in {self.seconds:.1f} s ({rate:,.0f} rows/s)."]


@dataclass
class _Person:
    contact: Contact
    age: int


class Weighted:
    """Items drawn with weights (bisect on cumulative weights: several times cheaper than
    random.choices, and millions of draws are made). Without weights, by rank: the first
    items are common, the last ones rare."""

    def __init__(self, items, weights=None, *, rank_exponent: float = 0.75):
        self.items = list(items)
        if weights is None:
            weights = [1 / rank**rank_exponent for rank in range(1, len(self.items) + 1)]
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


MALE_NAMES = Weighted(MALE_FIRST_NAMES)
FEMALE_NAMES = Weighted(FEMALE_FIRST_NAMES)
FAMILIES = Weighted(FAMILY_NAMES, rank_exponent=0.6)
WILAYAS = Weighted(WILAYA_POPULATION, WILAYA_POPULATION.values())
JOBS = Weighted(PROFESSIONS, [w for *_names, w in PROFESSIONS])
DOMAINS = Weighted([d for d, _w in EMAIL_DOMAINS], [w for _d, w in EMAIL_DOMAINS])
DOCUMENTS = Weighted([IdDocumentType.NATIONAL_ID, IdDocumentType.DRIVING_LICENCE, IdDocumentType.PASSPORT],
                     [85, 10, 5])
LANGUAGES = Weighted([Language.FR, Language.AR, Language.KAB, Language.EN], [55, 35, 3, 2])
LANGUAGES_KABYLIE = Weighted([Language.FR, Language.AR, Language.KAB, Language.EN], [45, 20, 33, 2])
KABYLIE = {"15", "06", "10"}
INCOMES = Weighted(IncomeBand.values, [30, 40, 22, 8])
CHANNELS = Weighted([Channel.PHONE, Channel.SMS, Channel.WHATSAPP, Channel.AGENCY], [45, 20, 15, 10])
CHANNELS_WITH_EMAIL = Weighted([Channel.PHONE, Channel.SMS, Channel.WHATSAPP, Channel.AGENCY, Channel.EMAIL],
                               [45, 20, 15, 10, 10])
PERSON_SEGMENTS = Weighted([Segment.INDIVIDUAL, Segment.PROFESSIONAL, Segment.PREMIUM], [84, 12, 4])
ACCOUNT_SEGMENTS = Weighted([Segment.CORPORATE, Segment.PROFESSIONAL, Segment.PUBLIC], [70, 22, 8])
WORK_LINKS = Weighted([RelationKind.EMPLOYEE, RelationKind.MANAGER, RelationKind.PARTNER, RelationKind.MAIN_CONTACT],
                      [70, 10, 5, 15])
KINDS = Weighted([k for k, _w in ACTIVITY_KIND_WEIGHTS], [w for _k, w in ACTIVITY_KIND_WEIGHTS])
PAST_TASK_STATUSES = Weighted([ActivityStatus.DONE, ActivityStatus.CANCELLED, ActivityStatus.PLANNED], [88, 6, 6])
CALL_OUTCOMES = Weighted(CallOutcome.values, [60, 18, 10, 2, 10])
PRIORITIES = Weighted(Priority.values, [15, 60, 20, 5])
LEGAL_FORMS = Weighted([LegalForm.SARL, LegalForm.EURL, LegalForm.SPA, LegalForm.SNC, LegalForm.EI, LegalForm.EPE,
                        LegalForm.ASSOCIATION], [45, 25, 8, 4, 12, 3, 3])
LEAD_STATUSES = Weighted([LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.CONVERTED,
                          LeadStatus.LOST], [30, 25, 15, 15, 15])
LEAD_SOURCES = Weighted(LeadSource.values, [22, 12, 20, 5, 12, 14, 10, 5])
LOST_REASONS = Weighted(LostReason.values, [30, 25, 20, 15, 5, 5])
KIND_CHANNELS = {ActivityKind.CALL: ActivityChannel.PHONE, ActivityKind.VISIT: ActivityChannel.AGENCY,
                 ActivityKind.EMAIL: ActivityChannel.EMAIL, ActivityKind.SMS: ActivityChannel.SMS}


def _permute(index: int, modulus: int, salt: int) -> int:
    """A bijection of [0, modulus) (multiplier prime to 10): unique numbers that look random."""
    return (index * 7_368_787 + salt) % modulus


class CustomerSeeder:
    """Generates one company's customers. Use `seed_customers()`."""

    def __init__(self, *, organization, seed: int = 2026, batch_size: int = 5000,
                 progress: Callable[[str, int, int], None] | None = None):
        self.org = organization
        self.rng = random.Random(seed)
        self.salt = seed * 7919
        self.batch_size = batch_size
        self.progress = progress or (lambda stage, done, total: None)
        self.writer = BulkWriter()
        self.report = SeedReport()
        self.now = timezone.now()
        self.today = self.now.astimezone(ALGIERS).date()
        self._load_company()
        self._emails: set[str] = set()
        self.contact_pool: list[tuple[int, int | None, int | None, str]] = []  # id, owner, agency, name

    # Company set-up: agencies and who works where.
    def _load_company(self):
        agencies = list(Agency.objects.filter(organization=self.org, is_active=True).order_by("number"))
        users = list(
            User.objects.filter(organization=self.org, is_active=True).order_by("email").values_list(
                "pk", "agency_id", "role"
            )
        )
        self.agency_ids = [a.pk for a in agencies]
        self.agency_names = {a.pk: a.name for a in agencies}
        self.agencies_by_wilaya = defaultdict(list)
        self.agencies_by_zone = defaultdict(list)
        for agency in agencies:
            self.agencies_by_wilaya[agency.wilaya].append(agency.pk)
            self.agencies_by_zone[ZONE_OF.get(agency.wilaya, "centre")].append(agency.pk)
        self.users_by_agency = defaultdict(list)
        for pk, agency_id, role in users:
            if agency_id and role in (Role.USER, Role.EDITOR):
                self.users_by_agency[agency_id].append(pk)
        self.head_office_users = [pk for pk, agency_id, _role in users if not agency_id] or [pk for pk, *_ in users]
        self.tags = self._ensure_tags()
        self.start_index = Contact.objects.filter(organization=self.org).count()
        self.account_index = Account.objects.filter(organization=self.org).count()
        self.lead_index = Lead.objects.filter(organization=self.org).count()

    def _ensure_tags(self) -> list[int]:
        existing = dict(Tag.objects.filter(organization=self.org).values_list("name", "pk"))
        missing = [Tag(organization=self.org, name=name) for name in TAG_NAMES if name not in existing]
        for tag in missing:
            tag.save()
            existing[tag.name] = tag.pk
        return [existing[name] for name in TAG_NAMES]

    # Small random helpers.
    def _wilaya(self) -> str:
        return WILAYAS.pick(self.rng)

    def _agency_for(self, wilaya: str) -> int | None:
        rng = self.rng
        local = self.agencies_by_wilaya.get(wilaya)
        if local and rng.random() < 0.9:
            return rng.choice(local)
        zone = self.agencies_by_zone.get(ZONE_OF.get(wilaya, "centre"))
        if zone and rng.random() < 0.85:
            return rng.choice(zone)
        return rng.choice(self.agency_ids) if self.agency_ids else None

    def _owner_for(self, agency_id: int | None) -> int | None:
        staff = self.users_by_agency.get(agency_id)
        if staff and self.rng.random() < 0.92:
            return self.rng.choice(staff)
        if self.rng.random() < 0.3 and self.head_office_users:
            return self.rng.choice(self.head_office_users)
        return None

    def _mobile(self, index: int) -> str:
        number = _permute(index, len(MOBILE_PREFIXES) * 10**7, self.salt)
        return f"+213{MOBILE_PREFIXES[number % len(MOBILE_PREFIXES)]}{number // len(MOBILE_PREFIXES):07d}"

    def _landline(self, wilaya: str, index: int) -> str:
        return f"+213{AREA_CODES.get(wilaya, '21')}{_permute(index, 10**6, self.salt):06d}"

    def _moment(self, day: date, hour_from: int = 8, hour_to: int = 17) -> datetime:
        # Algerian working week: Sunday to Thursday (Friday and Saturday move to Sunday / Thursday).
        weekday = day.weekday()
        if weekday == 4:
            day -= timedelta(days=1)
        elif weekday == 5:
            day += timedelta(days=1)
        minute = self.rng.randrange(hour_from * 60, hour_to * 60) - 60  # Algiers is UTC+1; kept in UTC
        return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=UTC)

    def _email(self, first: str, last: str, birth_year: int) -> str:
        rng = self.rng
        f, lname = normalize(first).replace(" ", ""), normalize(last).replace(" ", "")
        style = rng.random()
        local = (f"{f}.{lname}" if style < 0.45 else f"{lname}.{f}" if style < 0.65 else f"{f[0]}.{lname}"
                 if style < 0.8 else f"{f}{lname}")
        if rng.random() < 0.7:
            local += str(birth_year % 100).zfill(2) if rng.random() < 0.6 else str(rng.randrange(1, 999))
        domain = DOMAINS.pick(rng)
        email, n = f"{local}@{domain}", 1
        while email in self._emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self._emails.add(email)
        return email

    # --- Contacts -------------------------------------------------------------------------------------------

    def _person(self, index: int, *, gender: str, birth: date, last: tuple[str, str], household: dict | None):
        rng = self.rng
        first = (MALE_NAMES if gender == Gender.MALE else FEMALE_NAMES).pick(rng)
        age = self.today.year - birth.year
        home = household or self._home()
        wilaya = home["wilaya"]
        mobile = self._mobile(index)
        phones = [{"type": "mobile", "number": mobile}]
        if rng.random() < 0.15:
            phones.append({"type": "home", "number": self._landline(wilaya, index)})
        email = self._email(first[0], last[0], birth.year) if rng.random() < 0.6 else ""
        if age >= 62 and rng.random() < 0.8:
            profession = "Retraité" if gender == Gender.MALE else "Retraitée"
        elif age < 24 and rng.random() < 0.6:
            profession = "Étudiant" if gender == Gender.MALE else "Étudiante"
        elif gender == Gender.FEMALE and rng.random() < 0.15:
            profession = "Femme au foyer"
        else:
            m, f, _w = JOBS.pick(rng)
            profession = m if gender == Gender.MALE else f
        registered = self.today - timedelta(days=int(rng.triangular(0, 365 * 15, 365 * 2)))
        # Shaped like a NIN: sex, birth year, wilaya, commune, a unique serial, a check number.
        sex = 1 if gender == Gender.MALE else 2
        nin_body = f"{sex}{birth.year % 100:02d}{int(wilaya):02d}{rng.randrange(1, 60):02d}" \
                   f"{_permute(index, 10**9, self.salt):09d}"
        contact = self.writer.build(
            Contact,
            organization_id=self.org.pk,
            civility=Civility.MR if gender == Gender.MALE else Civility.MRS, gender=gender,
            last_name=last[0], first_name=first[0], last_name_ar=last[1] if rng.random() < 0.85 else "",
            first_name_ar=first[1], birth_date=birth,
            nin=nin_body + f"{int(nin_body) % 97:02d}" if rng.random() < 0.8 else "",
            id_document_type=DOCUMENTS.pick(rng),
            id_document_number=f"{_permute(index, 10**9, self.salt + 1):09d}",
            id_document_expiry=self.today + timedelta(days=rng.randrange(-400, 3650)),
            profession=profession,
            income_band=INCOMES.pick(rng),
            preferred_language=(LANGUAGES_KABYLIE if wilaya in KABYLIE else LANGUAGES).pick(rng),
            preferred_channel=(CHANNELS_WITH_EMAIL if email else CHANNELS).pick(rng),
            segment=PERSON_SEGMENTS.pick(rng),
            registered_on=registered,
            address=home["address"], commune=home["commune"], wilaya_id=wilaya, postal_code=home["postal_code"],
            phone=mobile, phones=phones, email=email, emails=[email] if email else [],
            owner_id=home["owner"], agency_id=home["agency"],
            notes="",
        )
        contact.created_at = self._moment(registered)
        edited_after = timedelta(days=rng.randrange(0, max(1, (self.today - registered).days)))
        contact.updated_at = min(contact.created_at + edited_after, self.now)
        return _Person(contact, age)

    def _home(self) -> dict:
        rng = self.rng
        wilaya = self._wilaya()
        communes = COMMUNES.get(wilaya)
        commune = rng.choice(communes) if communes else WILAYA_NAMES[wilaya]
        style = rng.random()
        if style < 0.45:
            address = f"{rng.randrange(1, 120)} {rng.choice(STREETS)}"
        elif style < 0.8:
            address = f"Cité {rng.choice([100, 150, 200, 300, 500, 720, 1000])} Logements, bât. " \
                      f"{rng.randrange(1, 40)} n° {rng.randrange(1, 60)}"
        else:
            address = f"Lotissement {rng.choice(['El Feth', 'Ennasr', 'El Amel', 'Essalam', 'Les Oliviers'])} " \
                      f"n° {rng.randrange(1, 400)}"
        agency = self._agency_for(wilaya)
        return {"wilaya": wilaya, "commune": commune, "address": address, "postal_code": f"{wilaya}000",
                "agency": agency, "owner": self._owner_for(agency)}

    def _birth(self, low: int, high: int, mode: int | None = None) -> date:
        year = int(self.rng.triangular(low, high, mode if mode is not None else (low + high) / 2))
        return date(year, self.rng.randrange(1, 13), self.rng.randrange(1, 29))

    def _household(self, index: int) -> tuple[list[_Person], list[tuple[int, int, str]]]:
        """One household: a single person, a couple, or parents with grown-up children.
        Returns the people and (from, to, kind) links between their positions."""
        rng = self.rng
        roll = rng.random()
        family = FAMILIES.pick(rng)
        if roll < 0.62:
            gender = Gender.MALE if rng.random() < 0.58 else Gender.FEMALE
            return [self._person(index, gender=gender, birth=self._birth(1940, 2006, 1980), last=family,
                                 household=None)], []
        home = self._home()
        husband_birth = self._birth(1940, 1986 if roll < 0.82 else 1966, 1968)
        wife_birth = self._birth(husband_birth.year, min(husband_birth.year + 12, 2000))
        # Algerian women keep their own family name.
        people = [
            self._person(index, gender=Gender.MALE, birth=husband_birth, last=family, household=home),
            self._person(index + 1, gender=Gender.FEMALE, birth=wife_birth,
                         last=FAMILIES.pick(rng), household=home),
        ]
        links = [(0, 1, RelationKind.SPOUSE)]
        if roll >= 0.82:
            first_child = wife_birth.year + 20
            for _ in range(rng.randint(1, 3)):
                if first_child > 2005:
                    break
                child_birth = self._birth(first_child, min(first_child + 8, 2006))
                gender = Gender.MALE if rng.random() < 0.5 else Gender.FEMALE
                people.append(self._person(index + len(people), gender=gender, birth=child_birth, last=family,
                                           household=home if rng.random() < 0.6 else None))
                links += [(0, len(people) - 1, RelationKind.CHILD), (1, len(people) - 1, RelationKind.CHILD)]
                first_child = child_birth.year + 2
        return people, links

    def seed_contacts(self, total: int, *, activities_per_contact: float, account_ids: list[int]) -> None:
        done = 0
        while done < total:
            with transaction.atomic():
                people, links = [], []
                while len(people) < min(self.batch_size, total - done):
                    group, group_links = self._household(self.start_index + done + len(people))
                    offset = len(people)
                    people.extend(group)
                    links.extend((offset + a, offset + b, kind) for a, b, kind in group_links)
                people = people[: total - done]
                links = [link for link in links if link[0] < len(people) and link[1] < len(people)]
                self._write_contacts(people, links, activities_per_contact, account_ids)
                done += len(people)
            self.progress("contacts", done, total)
        self.start_index += done

    def _write_contacts(self, people, links, activities_per_contact, account_ids):
        rng = self.rng
        contacts = [p.contact for p in people]
        ids = self.writer.reserve_ids(Contact, len(contacts))
        codes = contact_code_allocate(organization_id=self.org.pk, count=len(contacts))
        for contact, pk, code in zip(contacts, ids, codes, strict=True):
            contact.pk, contact.code = pk, code
            refresh_contact_search(contact)
        self.report.counts["contacts"] += self.writer.insert(Contact, contacts)
        for contact in contacts:
            if len(self.contact_pool) < 20_000 or rng.random() < 0.02:
                entry = (contact.pk, contact.owner_id, contact.agency_id, f"{contact.first_name} {contact.last_name}")
                if len(self.contact_pool) < 20_000:
                    self.contact_pool.append(entry)
                else:
                    self.contact_pool[rng.randrange(len(self.contact_pool))] = entry

        relationships = [
            {"organization_id": self.org.pk, "contact_id": contacts[a].pk, "related_contact_id": contacts[b].pk,
             "kind": kind, "created_at": contacts[b].created_at}
            for a, b, kind in links
        ]
        for person in people:
            if account_ids and 22 <= person.age <= 64 and rng.random() < 0.06:
                kind = WORK_LINKS.pick(rng)
                relationships.append({
                    "organization_id": self.org.pk, "contact_id": person.contact.pk,
                    "account_id": rng.choice(account_ids), "kind": kind,
                    "note": rng.choice(["", "", "Service comptabilité", "Direction", "Atelier"]),
                    "created_at": person.contact.created_at,
                })
        self.report.counts["relationships"] += self._insert_with_ids(Relationship, relationships)

        consents, tag_links = [], []
        for contact in contacts:
            if rng.random() < 0.45:
                channels = [Channel.SMS, Channel.PHONE] + ([Channel.EMAIL] if contact.email else [])
                for channel in rng.sample(channels, rng.randint(1, len(channels))):
                    consents.append({
                        "organization_id": self.org.pk, "contact_id": contact.pk, "channel": channel,
                        "granted": rng.random() < 0.82, "recorded_at": contact.created_at,
                        "source": rng.choice(["Formulaire en agence", "Site web", "Centre d'appels", "Souscription"]),
                    })
            if rng.random() < 0.15:
                for tag in rng.sample(self.tags, rng.randint(1, 2)):
                    tag_links.append({"contact_id": contact.pk, "tag_id": tag})
        self.report.counts["consents"] += self._insert_with_ids(Consent, consents)
        self.report.counts["contact tags"] += self._insert_with_ids(Contact.tags.through, tag_links)

        activities = []
        for n, contact in enumerate(contacts):
            # A few customers have a long history (the 360 page must stay fast with them).
            count = rng.randint(50, 60) if (self.start_index + n) % 997 == 13 else min(
                int(rng.expovariate(1 / activities_per_contact) + 0.5), 40) if activities_per_contact else 0
            for _ in range(count):
                activities.append(self._activity(contact_id=contact.pk, owner=contact.owner_id,
                                                 agency=contact.agency_id, since=contact.created_at))
        self._write_activities(activities)

    def _insert_with_ids(self, model, rows: list[dict]) -> int:
        for row, pk in zip(rows, self.writer.reserve_ids(model, len(rows)), strict=True):
            row["id"] = pk
        return self.writer.insert(model, rows)

    def _write_activities(self, activities):
        for start in range(0, len(activities), self.batch_size * 2):
            self.report.counts["activities"] += self._insert_with_ids(
                Activity, activities[start: start + self.batch_size * 2]
            )

    # --- Activities -----------------------------------------------------------------------------------------

    def _activity(self, *, contact_id=None, account_id=None, lead_id=None, owner, agency, since) -> dict:
        """One activity as a row (a dict: millions are written, model instances would be slow),
        shaped as the activities services shape it: logged kinds (call, note, e-mail, SMS, visit)
        are done and dated in the past; only tasks and appointments lie ahead."""
        rng = self.rng
        earliest = max(since.date() if since else self.today - timedelta(days=730), self.today - timedelta(days=730))
        span = (self.today - earliest).days + 30
        at = self._moment(earliest + timedelta(days=rng.randrange(0, max(span, 1))))
        future = at > self.now
        kind = (ActivityKind.TASK if rng.random() < 0.55 else ActivityKind.APPOINTMENT) if future else KINDS.pick(rng)
        staff = self.users_by_agency.get(agency)
        assignee = owner if (owner and rng.random() < 0.85) or not staff else rng.choice(staff)
        subject = rng.choice(ACTIVITY_SUBJECTS[kind])
        row = {
            "organization_id": self.org.pk, "kind": kind, "subject": subject, "search_text": normalize(subject),
            "body": rng.choice(ACTIVITY_BODIES), "assignee_id": assignee, "agency_id": agency,
            "created_by_id": assignee, "contact_id": contact_id, "account_id": account_id, "lead_id": lead_id,
            "occurred_at": at, "priority": Priority.NORMAL, "status": ActivityStatus.DONE,
            "channel": KIND_CHANNELS.get(kind, ActivityChannel.INTERNAL),
        }
        if kind == ActivityKind.CALL:
            outcome = CALL_OUTCOMES.pick(rng)
            direction = CallDirection.INBOUND if rng.random() < 0.5 else CallDirection.OUTBOUND
            row.update(direction=direction, outcome=outcome,
                       duration_seconds=rng.randrange(20, 900) if outcome == CallOutcome.REACHED else 0)
        elif kind == ActivityKind.TASK:
            row.update(due_at=at, priority=PRIORITIES.pick(rng))
        elif kind == ActivityKind.APPOINTMENT:
            in_agency = rng.random() < 0.65
            row.update(
                channel=ActivityChannel.AGENCY if in_agency else ActivityChannel.FIELD, start_at=at,
                end_at=at + timedelta(minutes=rng.choice([30, 45, 60, 90])),
                place=self.agency_names.get(agency, "Agence") if in_agency
                else rng.choice(["Domicile du client", "Siège de l'entreprise", "Garage agréé"]),
            )
        if kind in (ActivityKind.TASK, ActivityKind.APPOINTMENT):
            row["status"] = ActivityStatus.PLANNED if future else PAST_TASK_STATUSES.pick(rng)
            if future and rng.random() < 0.6:
                remind_at = at - timedelta(minutes=rng.choice([30, 60, 1440]))
                row["remind_at"] = remind_at if remind_at > self.now else None
        created = at - timedelta(days=rng.randrange(1, 15)) if kind in (ActivityKind.TASK, ActivityKind.APPOINTMENT) \
            else at
        completed = None
        if row["status"] == ActivityStatus.DONE:
            completed = min(at + timedelta(minutes=rng.randrange(1, 240)), self.now)
        row.update(created_at=created, completed_at=completed, updated_at=completed or created)
        return row

    # --- Accounts --------------------------------------------------------------------------------------------

    def seed_accounts(self, total: int) -> list[int]:
        """Companies; returns their ids (for employees and activities)."""
        rng = self.rng
        ids: list[int] = []
        done = 0
        while done < total:
            with transaction.atomic():
                size = min(self.batch_size, total - done)
                accounts = []
                batch_ids = self.writer.reserve_ids(Account, size)
                for pk in batch_ids:
                    index = self.account_index + done + len(accounts)
                    accounts.append(self._account(pk, index, LEGAL_FORMS.pick(rng), ids))
                activities = []
                for account in accounts:
                    refresh_account_search(account)
                    for _ in range(min(int(rng.expovariate(1 / 2.5) + 0.5), 30)):
                        activities.append(self._activity(account_id=account.pk, owner=account.owner_id,
                                                         agency=account.agency_id, since=account.created_at))
                self.report.counts["accounts"] += self.writer.insert(Account, accounts)
                self._write_activities(activities)
                ids.extend(batch_ids)
                done += size
            self.progress("accounts", done, total)
        self.account_index += done
        return ids

    def _account(self, pk: int, index: int, form: str, earlier: list[int]) -> Account:
        rng = self.rng
        family, family_ar = FAMILIES.pick(rng)
        trade, trade_ar, sector = rng.choice(ACCOUNT_TRADES)
        named_after_family = form == LegalForm.EI or (form not in (LegalForm.EPE, LegalForm.ASSOCIATION)
                                                      and rng.random() < 0.6)
        name_ar = ""
        if named_after_family:
            name = f"{'Ets' if form == LegalForm.EI else form.upper()} {family} {trade}"
            name_ar = f"{LEGAL_FORM_AR[form]} {family_ar} {trade_ar}" if rng.random() < 0.4 else ""
        elif form == LegalForm.EPE:
            name = f"EPE {trade} {rng.choice(ACCOUNT_PLACES)}"
        elif form == LegalForm.ASSOCIATION:
            name = f"Association des professionnels {rng.choice(ACCOUNT_PLACES)}"
        else:
            name = f"{form.upper()} {trade} {rng.choice(ACCOUNT_PLACES)}"
        home = self._home()
        wilaya = home["wilaya"]
        headcount = max(1, int(rng.lognormvariate(2.6, 1.2)))
        if form in (LegalForm.SPA, LegalForm.EPE):
            headcount = headcount * 8 + 50
        revenue = Decimal(int(headcount * rng.uniform(2.5, 9.0) * 1_000_000 / 1000) * 1000)
        band = (RevenueBand.MICRO if revenue < 20_000_000 else RevenueBand.SMALL if revenue < 200_000_000
                else RevenueBand.MEDIUM if revenue < 4_000_000_000 else RevenueBand.LARGE)
        slug = "".join(c for c in search_text(family if named_after_family else trade) if c.isalnum())[:20]
        phone = self._landline(wilaya, 500_000 + index)
        registered = self.today - timedelta(days=int(rng.triangular(0, 365 * 12, 365 * 3)))
        account = self.writer.build(
            Account,
            pk=pk, organization_id=self.org.pk, name=name[:200],
            name_ar=name_ar,
            legal_form=form,
            trade_register=f"{wilaya}/00-{_permute(index, 10**7, self.salt):07d}B{rng.randrange(0, 25):02d}",
            nif=f"{_permute(index, 10**15, self.salt + 3):015d}", nis=f"{_permute(index, 10**15, self.salt + 5):015d}",
            sector=sector, revenue=revenue, revenue_band=band, headcount=headcount,
            website=f"https://www.{slug}.dz" if rng.random() < 0.35 else "",
            address=f"Zone d'activité, lot {rng.randrange(1, 300)}" if rng.random() < 0.5 else home["address"],
            commune=home["commune"], wilaya_id=wilaya, postal_code=home["postal_code"],
            phone=phone, phones=[{"type": "work", "number": phone}],
            email=f"contact@{slug}.dz" if rng.random() < 0.55 else "",
            segment=ACCOUNT_SEGMENTS.pick(rng) if form != LegalForm.EPE else Segment.PUBLIC,
            owner_id=home["owner"], agency_id=home["agency"],
            parent_id=rng.choice(earlier) if earlier and rng.random() < 0.05 else None,
        )
        account.emails = [account.email] if account.email else []
        account.created_at = self._moment(registered)
        account.updated_at = account.created_at
        return account

    # --- Leads -------------------------------------------------------------------------------------------------

    def seed_leads(self, total: int) -> None:
        rng = self.rng
        done = 0
        while done < total:
            with transaction.atomic():
                size = min(self.batch_size, total - done)
                leads, activities = [], []
                for pk in self.writer.reserve_ids(Lead, size):
                    lead = self._lead(pk, self.lead_index + done + len(leads), LEAD_STATUSES.pick(rng))
                    leads.append(lead)
                    for _ in range(min(int(rng.expovariate(1 / 1.3) + 0.5), 12)):
                        activities.append(self._activity(lead_id=lead.pk, owner=lead.owner_id, agency=lead.agency_id,
                                                         since=lead.created_at))
                self.report.counts["leads"] += self.writer.insert(Lead, leads)
                self._write_activities(activities)
                done += size
            self.progress("leads", done, total)
        self.lead_index += done

    def _lead(self, pk: int, index: int, status: str) -> Lead:
        rng = self.rng
        gender = Gender.MALE if rng.random() < 0.6 else Gender.FEMALE
        first, _ar = (MALE_NAMES if gender == Gender.MALE else FEMALE_NAMES).pick(rng)
        last, _ar = FAMILIES.pick(rng)
        business = rng.random() < 0.35
        company = ""
        if business:
            trade = rng.choice(ACCOUNT_TRADES)[0]
            company = f"{rng.choice(['SARL', 'EURL', 'SPA'])} {FAMILIES.pick(rng)[0]} {trade}"
        wilaya = self._wilaya()
        agency = self._agency_for(wilaya)
        owner = self._owner_for(agency) if status != LeadStatus.NEW or rng.random() < 0.6 else None
        created = self.now - timedelta(days=int(rng.triangular(0, 540, 30)), minutes=rng.randrange(0, 600))
        interest = rng.choice(Level.values)
        temperature = {Level.HIGH: Temperature.HOT, Level.MEDIUM: Temperature.WARM}.get(interest, Temperature.COLD)
        if rng.random() < 0.2:
            temperature = rng.choice(Temperature.values)
        phone = self._mobile(40_000_000 + index)
        email = self._email(first, last, 1990) if rng.random() < 0.5 else ""
        products = ", ".join(rng.sample(PRODUCTS[5:] if business else PRODUCTS[:8], rng.randint(1, 2)))
        lead = self.writer.build(
            Lead,
            pk=pk, organization_id=self.org.pk, full_name=f"{first} {last}",
            job_title=rng.choice(JOB_TITLES) if business else "", company=company, phone=phone, email=email,
            wilaya_id=wilaya,
            source=LEAD_SOURCES.pick(rng),
            products_wanted=products,
            budget=rng.choice(Level.values) if status != LeadStatus.NEW else "",
            interest=interest if status != LeadStatus.NEW else "",
            decision_timeframe=rng.choice(DecisionTimeframe.values) if status != LeadStatus.NEW else "",
            relevance=rng.choice(Level.values) if status != LeadStatus.NEW else "",
            temperature=temperature, status=status, owner_id=owner, agency_id=agency,
            notes=rng.choice(["", "", "Demande reçue via le formulaire du site.", "Recommandé par un client."]),
            search_text=search_text(f"{first} {last}", company, email, phones=[phone]),
            created_at=created, updated_at=created,
        )
        if status == LeadStatus.LOST:
            lead.lost_reason = LOST_REASONS.pick(rng)
        if status == LeadStatus.CONVERTED and self.contact_pool:
            contact_id, _owner, _agency, _name = rng.choice(self.contact_pool)
            lead.converted_contact_id = contact_id
            lead.converted_at = min(created + timedelta(days=rng.randrange(1, 60)), self.now)
            lead.converted_by_id = owner
            lead.updated_at = lead.converted_at
        return lead

    # --- Deliberate duplicates ------------------------------------------------------------------------------

    def seed_duplicates(self, count: int) -> None:
        """Pairs of the same person entered twice with another spelling ("Aïssani" / "AISSANI",
        "Haddad" / "Hadad"), for the duplicates screen to show."""
        if count <= 0:
            return
        rng = self.rng
        with transaction.atomic():
            originals, copies = [], []
            spellings = [("Aïssani", "عيساني"), ("Benaïssa", "بن عيسى"), ("Saâdi", "سعدي"), ("Haddad", "حداد"),
                         ("Bensaïd", "بن سعيد"), ("Chérif", "شريف"), ("Allouche", "علوش"), ("Belaïd", "بلعيد")]
            for n in range(count):
                family = spellings[n % len(spellings)]
                index = self.start_index + 2 * n
                gender = Gender.MALE if n % 3 else Gender.FEMALE
                original = self._person(index, gender=gender, birth=self._birth(1950, 2000), last=family,
                                        household=None).contact
                copy = Contact(**{f.attname: getattr(original, f.attname) for f in Contact._meta.concrete_fields})
                style = n % 3
                if style == 0:  # typed in capitals without accents
                    copy.last_name = normalize(family[0]).upper()
                    copy.first_name = normalize(original.first_name).upper()
                elif style == 1:  # a letter lost
                    copy.last_name = normalize(family[0]).capitalize().replace("ss", "s").replace("dd", "d") \
                        .replace("ll", "l")
                else:  # accents dropped, e-mail missing, another phone
                    copy.last_name = normalize(family[0]).capitalize()
                    copy.email, copy.emails = "", []
                    copy.phone = self._mobile(index + 1)
                    copy.phones = [{"type": "mobile", "number": copy.phone}]
                copy.nin = "" if rng.random() < 0.5 else original.nin
                copy.last_name_ar = "" if rng.random() < 0.5 else copy.last_name_ar
                copy.created_at = min(original.created_at + timedelta(days=rng.randrange(30, 900)),
                                      self.now - timedelta(days=1))
                copy.registered_on = min(copy.created_at.date(), self.today)
                copy.agency_id = self._agency_for(copy.wilaya_id)
                copy.owner_id = self._owner_for(copy.agency_id)
                originals.append(original)
                copies.append(copy)
            people = [_Person(c, 40) for pair in zip(originals, copies, strict=True) for c in pair]
            self._write_contacts(people, [], 1.5, [])
            self.start_index += len(people)


def seed_customers(*, organization, contacts: int, accounts: int = 0, leads: int = 0,
                   activities_per_contact: float = 3.0, duplicates: int = 0, seed: int = 2026,
                   batch_size: int = 5000, progress: Callable[[str, int, int], None] | None = None) -> SeedReport:
    """Add `contacts` people (in households), `accounts` companies, `leads` and their activities
    (about `activities_per_contact` per person) to `organization`, whose agencies and users
    must exist. Adds to what is there: client codes, phones and NINs keep being unique."""
    started = time.perf_counter()
    seeder = CustomerSeeder(organization=organization, seed=seed, batch_size=batch_size, progress=progress)
    account_ids = seeder.seed_accounts(accounts) if accounts else list(
        Account.objects.filter(organization=organization).values_list("pk", flat=True)[:5000]
    )
    seeder.seed_contacts(contacts, activities_per_contact=activities_per_contact, account_ids=account_ids)
    seeder.seed_duplicates(duplicates)
    seeder.seed_leads(leads)
    seeder.report.seconds = time.perf_counter() - started
    return seeder.report


def seed_history(*, organization, contacts, count: int = 55, seed: int = 2026) -> int:
    """Give each of `contacts` `count` more activities over the last two years: a long history
    (for the 360 page of the benchmark). Returns the number of activities written."""
    seeder = CustomerSeeder(organization=organization, seed=seed)
    rows = [seeder._activity(contact_id=contact.pk, owner=contact.owner_id, agency=contact.agency_id, since=None)
            for contact in contacts for _ in range(count)]
    with transaction.atomic():
        return seeder._insert_with_ids(Activity, rows)
