"""Load the two demo companies: their regions, agencies and people of every role.

Idempotent: rows are looked up by their natural keys and only missing ones are created,
so a second run creates nothing and changes no password. Refused in production.
Rows are written with the ORM (seeding, not a user action) after full_clean().
"""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import timedelta
from typing import NamedTuple

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from assura.core.permissions import Role
from assura.core.validators import normalize_phone
from assura.identity.choices import UserStatus
from assura.identity.models import Agency, Invitation, Organization, Region, User


class DemoUser(NamedTuple):
    email: str
    first_name: str
    last_name: str
    role: str
    agency: str | None  # agency number, or None for head-office staff
    job_title: str
    status: str = UserStatus.ACTIVE
    login: bool = False  # listed in the demo logins table


A, E, S, U = Role.ADMIN, Role.EDITOR, Role.SUPERVISOR, Role.USER

ALLIANCE = {
    "sheet": {
        "name": "Alliance Assurances (démo)",
        "address": "45 rue Didouche Mourad, Alger-Centre, Alger",
        "mobile": "+213 550 12 34 56",
        "employees_count": 800,
        "email": "contact@alliance.demo",
        "trade_register_number": "16/00-0012345B99",
        "website": "https://www.alliance-assurances.example",
        "postal_code": "16000",
    },
    "regions": [
        ("DR01", "Direction régionale Alger Centre"),
        ("DR02", "Direction régionale Alger Est"),
        ("DR03", "Direction régionale Oran"),
        ("DR04", "Direction régionale Constantine"),
        ("DR05", "Direction régionale Sétif"),
        ("DR06", "Direction régionale Ouargla"),
    ],
    # number (wilaya code + agency), name, region, address, phone
    "agencies": [
        ("016-001", "Agence Alger Didouche Mourad", "DR01", "45 rue Didouche Mourad, Alger-Centre", "+213 21 63 45 10"),
        ("016-002", "Agence Hydra", "DR01", "8 rue des Frères Benali, Hydra", "+213 21 49 63 02"),
        ("016-003", "Agence Bab El Oued", "DR01", "21 boulevard Colonel Lotfi, Bab El Oued", "+213 21 96 12 40"),
        ("009-001", "Agence Blida", "DR01", "3 avenue Kritli Mokhtar, Blida", "+213 25 41 17 62"),
        ("042-001", "Agence Tipaza", "DR01", "Cité des 200 Logements, Tipaza", "+213 24 47 60 12"),
        ("016-004", "Agence Bab Ezzouar", "DR02", "Quartier d'affaires, Bab Ezzouar", "+213 21 24 18 55"),
        ("035-001", "Agence Boumerdès", "DR02", "Boulevard de l'ALN, Boumerdès", "+213 24 79 31 08"),
        ("015-001", "Agence Tizi Ouzou", "DR02", "52 boulevard Abane Ramdane, Tizi Ouzou", "+213 26 21 55 90"),
        ("006-001", "Agence Béjaïa", "DR02", "12 rue de la Liberté, Béjaïa", "+213 34 20 18 33"),
        ("031-001", "Agence Oran Front de Mer", "DR03", "12 boulevard de l'ALN, Oran", "+213 41 33 52 10"),
        ("031-002", "Agence Es Senia", "DR03", "Route de l'aéroport, Es Senia", "+213 41 58 31 24"),
        ("013-001", "Agence Tlemcen", "DR03", "Boulevard de l'Indépendance, Tlemcen", "+213 43 27 66 04"),
        ("022-001", "Agence Sidi Bel Abbès", "DR03", "Avenue de la République, Sidi Bel Abbès", "+213 48 54 30 71"),
        ("025-001", "Agence Constantine", "DR04", "14 rue Abane Ramdane, Constantine", "+213 31 92 44 18"),
        ("023-001", "Agence Annaba", "DR04", "Cours de la Révolution, Annaba", "+213 38 86 42 19"),
        ("021-001", "Agence Skikda", "DR04", "Rue Didouche Mourad, Skikda", "+213 38 72 15 06"),
        ("019-001", "Agence Sétif", "DR05", "Avenue du 8 Mai 1945, Sétif", "+213 36 84 21 05"),
        ("034-001", "Agence Bordj Bou Arréridj", "DR05", "Rue Émir Abdelkader, Bordj Bou Arréridj",
         "+213 35 68 90 27"),
        ("030-001", "Agence Ouargla", "DR06", "Avenue du 1er Novembre, Ouargla", "+213 29 71 33 40"),
        ("047-001", "Agence Ghardaïa", "DR06", "Rue Ahmed Talbi, Ghardaïa", "+213 29 88 12 45"),
    ],
    "users": [
        DemoUser("admin@alliance.demo", "Amel", "Bensalem", A, None, "Responsable GRC", login=True),
        DemoUser("superviseur@alliance.demo", "Mourad", "Hadjadj", S, None, "Directeur général", login=True),
        DemoUser("editeur@alliance.demo", "Leïla", "Cherif", E, None, "Assistante de direction", login=True),
        DemoUser("agent@alliance.demo", "Karim", "Boudiaf", U, "016-001", "Chargé de clientèle", login=True),
        DemoUser("nassima.hamidi@alliance.demo", "Nassima", "Hamidi", U, "016-002", "Cheffe d'agence"),
        DemoUser("yacine.belkacem@alliance.demo", "Yacine", "Belkacem", U, "016-003", "Conseiller commercial"),
        DemoUser("samira.ouali@alliance.demo", "Samira", "Ouali", U, "009-001", "Chargée de clientèle"),
        DemoUser("sofiane.benaissa@alliance.demo", "Sofiane", "Benaïssa", U, "016-004", "Gestionnaire sinistres"),
        DemoUser("meriem.zerrouki@alliance.demo", "Meriem", "Zerrouki", U, "031-001", "Cheffe d'agence"),
        DemoUser("abdelkader.bensaid@alliance.demo", "Abdelkader", "Bensaïd", U, "031-002", "Conseiller commercial"),
        DemoUser("lamia.ferhat@alliance.demo", "Lamia", "Ferhat", U, "025-001", "Chargée de clientèle"),
        DemoUser("walid.saadi@alliance.demo", "Walid", "Saâdi", U, "023-001", "Chef d'agence"),
        DemoUser("imane.mansouri@alliance.demo", "Imane", "Mansouri", U, "019-001", "Conseillère commerciale"),
        DemoUser("rachid.khelifi@alliance.demo", "Rachid", "Khelifi", U, "030-001", "Chef d'agence"),
        DemoUser("hakim.larbi@alliance.demo", "Hakim", "Larbi", U, "013-001", "Conseiller commercial",
                 status=UserStatus.INVITED),
        DemoUser("hocine.amrani@alliance.demo", "Hocine", "Amrani", U, "021-001", "Chargé de clientèle",
                 status=UserStatus.DEACTIVATED),
    ],
}

ATLAS = {
    "sheet": {
        "name": "Atlas Assurances (démo)",
        "address": "5 rue Larbi Ben M'hidi, Oran",
        "mobile": "+213 661 40 22 87",
        "employees_count": 120,
        "email": "contact@atlas.demo",
        "trade_register_number": "31/00-0067890B05",
        "website": "https://www.atlas-assurances.example",
        "postal_code": "31000",
    },
    "regions": [
        ("DR01", "Direction régionale Ouest"),
        ("DR02", "Direction régionale Centre"),
    ],
    "agencies": [
        ("031-001", "Agence Oran Centre", "DR01", "5 rue Larbi Ben M'hidi, Oran", "+213 41 42 77 15"),
        ("031-002", "Agence Bir El Djir", "DR01", "Cité USTO, Bir El Djir", "+213 41 51 20 36"),
        ("016-001", "Agence Hussein Dey", "DR02", "Rue de Tripoli, Hussein Dey, Alger", "+213 21 77 40 19"),
    ],
    "users": [
        DemoUser("admin@atlas.demo", "Nabil", "Taleb", A, None, "Responsable GRC", login=True),
        DemoUser("editeur@atlas.demo", "Djamila", "Rahmani", E, None, "Responsable marketing", login=True),
        DemoUser("agent@atlas.demo", "Amina", "Boukhari", U, "031-001", "Chargée de clientèle", login=True),
    ],
}

DEMO_COMPANIES = [ALLIANCE, ATLAS]


def demo_logins() -> list[tuple[str, str, str]]:
    """(company, role label, e-mail) of the fixed demo logins, in display order."""
    return [
        (company["sheet"]["name"], str(Role(u.role).label), u.email)
        for company in DEMO_COMPANIES
        for u in company["users"]
        if u.login
    ]


def logins_table() -> str:
    rows = [("Company", "Role", "E-mail"), *demo_logins()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"Demo logins — password for all: {settings.DEMO_PASSWORD}"]
    for n, row in enumerate(rows):
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("-" * width for width in widths))
    lines.append("  Other Alliance agents: firstname.lastname@alliance.demo (see Utilisateurs), same password.")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Load the demo companies (Alliance and Atlas) with their agencies and users. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--logins", action="store_true", help="Only print the demo logins table.")

    def handle(self, *args, logins=False, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production (ASSURA_ENV=production).")
        if logins:
            self.stdout.write(logins_table())
            return
        self.created: Counter[str] = Counter()
        # One hash for every demo account: the password is public anyway, and hashing it
        # once keeps the first `make run` fast.
        self.password_hash = make_password(settings.DEMO_PASSWORD)
        with transaction.atomic():
            for company in DEMO_COMPANIES:
                self._seed_company(company)
        if self.created:
            summary = ", ".join(f"{name}={count}" for name, count in self.created.items())
            self.stdout.write(f"Demo data created: {summary}.")
        else:
            self.stdout.write("Demo data already present: nothing created.")
        self.stdout.write(logins_table())

    def _ensure(self, model, lookup: dict, defaults: dict):
        obj = model.objects.filter(**lookup).first()
        if obj is not None:
            return obj
        obj = model(**lookup, **defaults)
        obj.full_clean()
        obj.save()
        self.created[model._meta.model_name] += 1
        return obj

    def _seed_company(self, company: dict) -> None:
        sheet = dict(company["sheet"], mobile=normalize_phone(company["sheet"]["mobile"]))
        name = sheet.pop("name")
        org = self._ensure(Organization, {"name": name, "is_demo": True}, sheet)
        regions = {
            code: self._ensure(Region, {"organization": org, "code": code}, {"name": name})
            for code, name in company["regions"]
        }
        agencies = {}
        for number, name, region, address, phone in company["agencies"]:
            agencies[number] = self._ensure(
                Agency,
                {"organization": org, "number": number},
                {"name": name, "region": regions[region], "wilaya": f"{int(number[:3]):02d}", "address": address,
                 "phone": normalize_phone(phone)},
            )
        admin = None
        for spec in company["users"]:
            user = self._seed_user(org, spec, agencies.get(spec.agency), invited_by=admin)
            if spec.role == Role.ADMIN and admin is None:
                admin = user

    def _seed_user(self, org: Organization, spec: DemoUser, agency: Agency | None, invited_by: User | None) -> User:
        existing = User.objects.filter(email__iexact=spec.email).first()
        if existing is not None:
            if existing.organization_id != org.pk:
                raise CommandError(f"{spec.email} already belongs to another company; not a demo account.")
            return existing
        now = timezone.now()
        invited = spec.status == UserStatus.INVITED
        user = User(
            email=spec.email, first_name=spec.first_name, last_name=spec.last_name, organization=org,
            agency=agency, role=spec.role, status=spec.status, job_title=spec.job_title,
            is_active=spec.status == UserStatus.ACTIVE,
            # The administrators signed up; everyone else joined by invitation.
            invited_at=None if spec.role == Role.ADMIN else now,
            deactivated_at=now if spec.status == UserStatus.DEACTIVATED else None,
        )
        if invited:
            user.set_unusable_password()
        else:
            user.password = self.password_hash
        user.full_clean()
        user.save()
        self.created["user"] += 1
        if invited:
            self._ensure(
                Invitation,
                {"organization": org, "user": user},
                {"invited_by": invited_by, "nonce": secrets.token_hex(16),
                 "expires_at": now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)},
            )
        else:
            # Demo mailboxes do not exist: their addresses count as verified.
            EmailAddress.objects.get_or_create(user=user, email=user.email,
                                               defaults={"verified": True, "primary": True})
        return user
