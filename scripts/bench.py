#!/usr/bin/env python
"""`make bench`: seed a company at scale, then measure the server-side latency of the customer pages.

What it does
  1. Picks the benchmark database (never your working one):
       DATABASE_URL set      → that database; its name must contain "bench" (BENCH_ALLOW_ANY_DB=1 overrides);
       else PostgreSQL       → postgres://postgres@127.0.0.1:5432/assura_bench when it answers (created if missing);
       else / BENCH_DB=sqlite → SQLite var/bench.sqlite3.
  2. Migrates it, loads the demo companies (`seed_demo`), and seeds "Alliance Assurances (démo)" up to
     BENCH_CONTACTS contacts (default 200,000) with ~3 activities each, plus accounts (1 per 20 contacts)
     and leads (1 per 10) — unless it already holds that many: seeding a million takes a while, so the
     data is kept between runs. BENCH_RESET=1 drops the benchmark database and starts again.
  3. Measures each case in-process with Django's test Client (no network, the whole middleware stack):
     BENCH_WARMUP requests (default 20) then BENCH_REQUESTS (default 200), as the Superviseur (reads all)
     and as the Utilisateur (own + agency records): p50 / p95 / max in ms and queries per request.
     A case whose URL does not resolve yet is reported as "route missing".
  4. Writes bench/results.json and prints a table with the targets of issue #3 and PASS / FAIL.

Other settings: BENCH_CASES=list,search_name,import (run only these; BENCH_CASES=none only seeds),
BENCH_IMPORT_ROWS (default 100,000), BENCH_TRIAGE_SAMPLES (200), BENCH_INBOUND_SAMPLES (20; set
CELERY_BROKER_URL=redis://… to measure the worker on Redis rather than the filesystem broker),
BENCH_OUTPUT (default bench/results.json), BENCH_EXPLAIN=1 (plans of
the heaviest queries of each case in bench/explain.txt), BENCH_STRICT=1 (exit 1 when a case fails its target).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/assura_bench"
SQLITE_DEFAULT = ROOT / "var" / "bench.sqlite3"
ORG_NAME = "Alliance Assurances (démo)"
SUPERVISOR = "superviseur@alliance.demo"
AGENT = "agent@alliance.demo"

# Targets of issue #3, "Speed": PostgreSQL at 1,000,000 contacts; SQLite at 200,000: every page < 200 ms.
SQLITE_TARGET_MS = 200


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value.replace("_", "").replace(",", "")) if value else default


# --- Database choice ---------------------------------------------------------------------------------------

def choose_database() -> str:
    """Set the environment for the benchmark database; returns a description for the report."""
    reset = os.environ.get("BENCH_RESET") == "1"
    url = os.environ.get("DATABASE_URL")
    if os.environ.get("BENCH_DB") == "sqlite":
        url = None
    elif not url and os.environ.get("BENCH_DB") != "sqlite" and postgres_answers(PG_DEFAULT):
        url = PG_DEFAULT
    if url:
        name = urlparse(url).path.lstrip("/")
        if "bench" not in name and os.environ.get("BENCH_ALLOW_ANY_DB") != "1":
            sys.exit(f"Refusing to seed {name!r}: the benchmark database's name must contain 'bench' "
                     "(or set BENCH_ALLOW_ANY_DB=1).")
        if urlparse(url).scheme.startswith("postgres"):
            postgres_create(url, reset=reset)
        os.environ["DATABASE_URL"] = url
        return url
    os.environ.pop("DATABASE_URL", None)
    path = Path(os.environ.get("BENCH_SQLITE_PATH", SQLITE_DEFAULT))
    path.parent.mkdir(parents=True, exist_ok=True)
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ["SQLITE_PATH"] = str(path)
    return f"sqlite:///{path}"


def _pg_admin_dsn(url: str) -> str:
    parts = urlparse(url)
    return parts._replace(path="/postgres").geturl()


def postgres_answers(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(_pg_admin_dsn(url), connect_timeout=2):
            return True
    except Exception:
        return False


def postgres_create(url: str, *, reset: bool) -> None:
    import psycopg
    from psycopg import sql

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(_pg_admin_dsn(url), autocommit=True) as conn:
        if reset:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# --- Set-up and seeding -----------------------------------------------------------------------------------

def setup_django() -> None:
    if os.environ.get("ASSURA_ENV") == "production":
        sys.exit("The benchmark never runs with ASSURA_ENV=production.")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    os.environ.pop("CACHE_URL", None)  # throttling counters in memory, not in a shared Redis
    os.environ["API_THROTTLE_USER"] = "1000000/min"
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    import django

    django.setup()


def say(message: str = "", end: str = "\n") -> None:
    print(message, end=end, flush=True)


def seed(target: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from assura.activities.models import Activity
    from assura.customers.models import Account, Consent, Contact, Relationship
    from assura.customers.seeding import seed_customers
    from assura.identity.models import Organization
    from assura.leads.models import Lead

    with open(os.devnull, "w") as devnull:
        call_command("migrate", verbosity=0, stdout=devnull)
        call_command("seed_demo", stdout=devnull)
    restore_indexes()
    org = Organization.objects.get(name=ORG_NAME, is_demo=True)
    have = Contact.objects.filter(organization=org).count()
    if have < target * 0.98:
        network(org, target)
    info = {"target_contacts": target, "contacts_before": have, "seeded_now": False}
    if have >= target * 0.98:
        if have > target * 1.02:
            say(f"! The benchmark database holds {have:,} contacts, more than BENCH_CONTACTS={target:,}: "
                "measuring at that scale (BENCH_RESET=1 to start over).")
        else:
            say(f"Reusing the benchmark data: {have:,} contacts.")
        return info
    missing = target - have
    accounts = max(0, target // 20 - Account.objects.filter(organization=org).count())
    leads = max(0, target // 10 - Lead.objects.filter(organization=org).count())
    say(f"Seeding {missing:,} contacts, {accounts:,} accounts, {leads:,} leads and their activities…")
    started = time.perf_counter()
    stage_started: dict[str, float] = {}
    last = [started]

    def progress(stage, done, total):
        now = time.perf_counter()
        since = stage_started.setdefault(stage, last[0])
        if now - last[0] > 5 or done == total:
            eta = (now - since) / done * (total - done)
            say(f"  {stage}: {done:,}/{total:,} ({done / max(now - since, 1e-9):,.0f}/s, "
                f"{now - started:,.0f} s elapsed, ~{eta:,.0f} s to go for this stage)")
        last[0] = now

    with bulk_load(big=missing >= 100_000):
        report = seed_customers(organization=org, contacts=missing, accounts=accounts, leads=leads,
                                activities_per_contact=3.0, seed=2026 + have, batch_size=5000, progress=progress)
    for line in report.lines():
        say("  " + line)
    analyze_started = time.perf_counter()
    if connection.vendor == "postgresql":
        # Fresh planner statistics and visibility map (index-only scans), as autovacuum would do later.
        connection.ensure_connection()
        raw = connection.connection
        previous = raw.autocommit
        raw.autocommit = True
        for model in (Contact, Account, Lead, Activity, Relationship, Consent, Contact.tags.through):
            raw.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        raw.execute("ANALYZE")  # the rest: the network's 800 staff and 320 agencies, written before
        raw.autocommit = previous
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    info.update(seeded_now=True, seed_seconds=round(report.seconds, 1),
                rows=dict(report.counts), rows_per_second=round(sum(report.counts.values()) / report.seconds),
                analyze_seconds=round(time.perf_counter() - analyze_started, 1))
    say(f"  statistics refreshed in {info['analyze_seconds']} s")
    return info


# Tables loaded in bulk: on PostgreSQL their secondary indexes are dropped during a big load and
# built again afterwards (a sort per index instead of millions of random inserts, as pg_restore does).
BULK_TABLES = ("customers_contact", "activities_activity", "customers_relationship", "customers_consent")


def network(org, target: int) -> None:
    """The first customer's shape before seeding its customers: about 320 agencies and 800 staff
    for a million contacts (BENCH_AGENCIES / BENCH_STAFF, scaled down below a million), so that an
    agency and an Utilisateur hold what they would in real life, not a twentieth of the company."""
    import random

    from django.contrib.auth.hashers import make_password

    from assura.core.permissions import Role
    from assura.customers.seeding import FAMILY_NAMES, FEMALE_FIRST_NAMES, MALE_FIRST_NAMES, WILAYA_POPULATION
    from assura.identity.models import Agency, User

    scale = min(1.0, target / 1_000_000)
    agencies_wanted = max(1, round(env_int("BENCH_AGENCIES", 320) * scale))
    staff_wanted = max(1, round(env_int("BENCH_STAFF", 800) * scale))
    rng = random.Random(11)
    agencies = list(Agency.objects.filter(organization=org))
    if len(agencies) < agencies_wanted:
        taken = {a.number for a in agencies}
        codes, weights = list(WILAYA_POPULATION), list(WILAYA_POPULATION.values())
        new, serial = [], 100
        while len(agencies) + len(new) < agencies_wanted:
            wilaya = rng.choices(codes, weights)[0]
            serial += 1
            number = f"{int(wilaya):03d}-{serial:03d}"
            if number in taken:
                continue
            taken.add(number)
            new.append(Agency(organization=org, number=number, wilaya=wilaya,
                              name=f"Agence {WILAYA_NAMES_FOR_BENCH().get(wilaya, wilaya)} {serial}"))
        Agency.objects.bulk_create(new)
        say(f"  network: {len(new)} agencies added ({len(agencies) + len(new)} in all)")
        agencies = list(Agency.objects.filter(organization=org))
    have = User.objects.filter(organization=org).count()
    if have < staff_wanted:
        password = make_password(None)  # unusable: these accounts only own records
        users = []
        for n in range(have, staff_wanted):
            male = rng.random() < 0.6
            first = rng.choice(MALE_FIRST_NAMES if male else FEMALE_FIRST_NAMES)[0]
            last = rng.choice(FAMILY_NAMES)[0]
            users.append(User(organization=org, email=f"bench.{n:04d}@alliance.demo", first_name=first, last_name=last,
                              role=Role.EDITOR if rng.random() < 0.1 else Role.USER, password=password,
                              agency=agencies[n % len(agencies)]))
        User.objects.bulk_create(users, batch_size=500)
        say(f"  network: {len(users)} staff added ({staff_wanted} in all)")


def WILAYA_NAMES_FOR_BENCH() -> dict:  # noqa: N802 - a constant read lazily (Django must be set up)
    from assura.core.reference import WILAYA_NAMES

    return WILAYA_NAMES


def pending_indexes() -> Path:
    """Where the definitions of the indexes dropped for a bulk load wait (one file per database)."""
    from django.db import connection

    return ROOT / "var" / "bench" / f"pending_indexes-{connection.settings_dict['NAME']}.sql"


def restore_indexes() -> None:
    """Build the indexes a bulk load dropped (also after an interrupted run: they are kept in a file)."""
    from django.db import connection

    if connection.vendor != "postgresql" or not pending_indexes().exists():
        return
    statements = [line for line in pending_indexes().read_text().splitlines() if line.strip()]
    say(f"  building {len(statements)} indexes…")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for statement in statements:
            cursor.execute(statement.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
    pending_indexes().unlink()
    say(f"  indexes built in {time.perf_counter() - started:.0f} s")


@contextlib.contextmanager
def bulk_load(*, big: bool):
    """PostgreSQL only: no wait for the disk at each batch's commit, no foreign-key trigger per row
    (the generator writes consistent rows; needs a superuser, skipped otherwise), and for a big load
    the secondary indexes dropped and built again at the end."""
    from django.db import DatabaseError, connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        try:
            with transaction_savepoint():
                cursor.execute("SET session_replication_role = replica")
        except DatabaseError:
            say("  (not a superuser: foreign keys checked row by row)")
        if big:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes i WHERE tablename = ANY(%s) AND NOT EXISTS ("
                " SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", [list(BULK_TABLES)])
            definitions = [row[0] for row in cursor.fetchall()]
            pending_indexes().parent.mkdir(parents=True, exist_ok=True)
            with pending_indexes().open("a") as pending:
                pending.write("".join(f"{d}\n" for d in definitions))
            for definition in definitions:
                name = re.match(r"CREATE (?:UNIQUE )?INDEX (\S+) ON", definition).group(1)
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET session_replication_role")
            cursor.execute("RESET synchronous_commit")
        restore_indexes()


@contextlib.contextmanager
def transaction_savepoint():
    from django.db import transaction

    with transaction.atomic():
        yield


# --- Measuring ------------------------------------------------------------------------------------------------

class Case:
    def __init__(self, key, label, target_pg, *, query_limit=None, api=False):
        self.key, self.label, self.target_pg, self.query_limit, self.api = key, label, target_pg, query_limit, api


CASES = [
    Case("list", "Contacts list, page 1", 60),
    Case("list_deep", "Contacts list, deep page (?page=2000)", 60),
    Case("list_agency_sorted", "List filtered by agency, sorted by name", 60),
    Case("search_name", "Search: partial name, no accents", 80),
    Case("search_phone", "Search: phone as '0550 12 34 56'", 80),
    Case("global_search", "Global search page (/search/)", 80),
    Case("global_search_live", "Global search box (/search/live/)", 80),
    Case("contact_360", "Contact 360 page, 50+ activities", 80, query_limit=15),
    Case("api_list", "API /api/v1/contacts/?page_size=100", 50, api=True),
]


BUILTIN_CASES = len(CASES)

# Later modules add their own data and cases: `assura/<module>/bench.py` with
#   SCALE_ENV, SCALE_DEFAULT      the environment variable giving its scale (e.g. BENCH_OPPORTUNITIES) and default;
#   seed(org, *, scale, say)      idempotent bulk seeding up to `scale` records of the module, returns a dict;
#   cases(org, users)             a list of {"key", "label", "target_ms" (PostgreSQL), "query_limit" (optional),
#                                 "api" (optional), "paths": {user email: [URL, ...]}}.
#   timings(org, users, *, selected, say) and TIMING_KEYS (optional): timed jobs that are not pages (a scan, a
#                                 scheduler run, a worker round trip): rows {"case", "label", "status", "value",
#                                 "unit", "target", "pass", "detail"}; `selected` is None or the BENCH_CASES set.
BENCH_MODULES = ("portfolio", "sales", "service")


def bench_modules() -> list:
    import importlib

    found = []
    for name in BENCH_MODULES:
        try:
            found.append(importlib.import_module(f"assura.{name}.bench"))
        except ModuleNotFoundError as exc:
            if exc.name != f"assura.{name}.bench":
                raise
    return found


def seed_modules(selected: set[str] | None) -> dict:
    """Each module's data, for the modules whose cases run (all of them without BENCH_CASES)."""
    from assura.identity.models import Organization, User

    org = Organization.objects.get(name=ORG_NAME, is_demo=True)
    users = [User.objects.get(email=SUPERVISOR), User.objects.get(email=AGENT)]
    info = {}
    for module in bench_modules():
        keys = {c["key"] for c in module.cases(org, users)} | set(getattr(module, "TIMING_KEYS", ()))
        if selected is not None and not selected & keys:
            continue
        scale = env_int(module.SCALE_ENV, module.SCALE_DEFAULT)
        started = time.perf_counter()
        info[module.__name__] = module.seed(org, scale=scale, say=say) | {
            "scale": scale, "seconds": round(time.perf_counter() - started, 1)}
    if info:
        from django.db import connection

        with connection.cursor() as cursor:  # fresh planner statistics for what the modules wrote
            cursor.execute("ANALYZE")
    return info


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def route_exists(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(urlparse(path).path)
        return True
    except Resolver404:
        return False


def measure(client, paths: list[str], *, warmup: int, requests: int, headers: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(warmup):
        response = client.get(paths[n % len(paths)], headers=headers)
        if response.status_code != 200:
            return {"status": "error", "detail": f"HTTP {response.status_code} on {paths[n % len(paths)]}"}
    timings, queries, db_times, cpu_times = [], [], [], []
    for n in range(requests):
        path = paths[n % len(paths)]
        with CaptureQueriesContext(connection) as ctx:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(path, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            cpu_times.append((time.process_time() - cpu_started) * 1000)
        if response.status_code != 200:
            return {"status": "error", "detail": f"HTTP {response.status_code} on {path}"}
        if not timings or elapsed > max(timings):
            slowest = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]
        timings.append(elapsed)
        queries.append(len(ctx.captured_queries))
        db_times.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
    return {
        "status": "measured", "requests": requests,
        "p50_ms": round(percentile(timings, 50), 1), "p95_ms": round(percentile(timings, 95), 1),
        "max_ms": round(max(timings), 1), "mean_ms": round(statistics.fmean(timings), 1),
        "db_p50_ms": round(percentile(db_times, 50), 1), "db_p95_ms": round(percentile(db_times, 95), 1),
        # CPU of this process (Python, and SQLite's own work): the part a busy machine does not inflate.
        "cpu_p50_ms": round(percentile(cpu_times, 50), 1), "cpu_p95_ms": round(percentile(cpu_times, 95), 1),
        "queries": percentile(queries, 50), "queries_max": max(queries),
        # The heaviest queries of the slowest request: where to look first.
        "slowest_queries": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"]} for q in slowest],
    }


def case_paths(case: Case, user, data: dict) -> list[str] | None:
    """The URLs a case cycles through for `user` (several, so no single row stays hot)."""
    key = case.key
    if key == "list":
        return ["/contacts/"]
    if key == "list_deep":
        return ["/contacts/?page=2000"]
    if key == "list_agency_sorted":
        agencies = data["agencies"] if user.role != "user" else [user.agency_id]
        return [f"/contacts/?agency={a}&ordering=last_name" for a in agencies]
    if key == "search_name":
        return [f"/contacts/?q={quote(q)}" for q in data["name_queries"]]
    if key == "search_phone":
        return [f"/contacts/?q={quote(q)}" for q in data["phones"][user.email]]
    if key == "global_search":
        return [f"/search/?q={quote(q)}" for q in data["name_queries"]]
    if key == "global_search_live":
        return [f"/search/live/?q={quote(q)}" for q in data["name_queries"]]
    if key == "contact_360":
        return [f"/contacts/{pk}/" for pk in data["rich_contacts"][user.email]] or None
    if key == "api_list":
        return ["/api/v1/contacts/?page_size=100"]
    raise KeyError(key)


def bench_data(org, users) -> dict:
    """Inputs of the cases, read once: agencies, name fragments, real phones, contacts with a long history."""
    import random

    from django.db.models import Max, Min

    from assura.core.search import normalize
    from assura.customers.models import Contact
    from assura.customers.seeding import FAMILY_NAMES, MALE_FIRST_NAMES, seed_history
    from assura.identity.models import Agency

    rng = random.Random(7)
    queries = []
    for family, _ar in FAMILY_NAMES[:40]:
        key = normalize(family)
        queries.append(key[: max(4, len(key) - 2)])  # "benal", "bouz", "aissa"…
    for (first, _f), (family, _ar) in zip(MALE_FIRST_NAMES[:10], FAMILY_NAMES[5:15], strict=True):
        queries.append(f"{normalize(first)} {normalize(family)[:5]}")  # "mohamed benai"
    rng.shuffle(queries)
    data = {"agencies": list(Agency.objects.filter(organization=org).values_list("pk", flat=True)),
            "name_queries": queries, "phones": {}, "rich_contacts": {}}
    bounds = Contact.objects.filter(organization=org).aggregate(low=Min("pk"), high=Max("pk"))
    candidates = sorted(rng.sample(range(bounds["low"] or 0, (bounds["high"] or 0) + 1),
                               min(20_000, (bounds["high"] or 0) - (bounds["low"] or 0) + 1)))
    for user in users:
        visible = Contact.objects.visible_to(user)
        sample = list(visible.filter(pk__in=candidates[:10_000]).values_list("phone", flat=True)[:200])
        data["phones"][user.email] = [
            f"{d[:4]} {d[4:6]} {d[6:8]} {d[8:10]}" for d in ("0" + re.sub(r"\D", "", p)[3:] for p in sample if p)
        ]
        data["rich_contacts"][user.email] = rich = rich_contacts(org, visible)
        if len(rich) < 5:  # few long histories in this user's scope at a small scale: write some
            seed_history(organization=org, contacts=list(visible.exclude(pk__in=rich).order_by("pk")[: 5 - len(rich)]))
            data["rich_contacts"][user.email] = rich_contacts(org, visible)
    return data


def rich_contacts(org, visible) -> list[int]:
    """Up to 20 contacts of `visible` with at least 50 activities."""
    from django.db.models import Count

    from assura.activities.models import Activity

    rows = (Activity.objects.filter(organization=org, contact__in=visible.values("pk"))
            .values("contact").annotate(n=Count("id")).filter(n__gte=50).order_by("contact")[:20])
    return [row["contact"] for row in rows]


def run_cases(selected: set[str] | None, vendor: str, warmup: int, requests: int) -> list[dict]:
    from django.test import Client

    from assura.identity.models import Organization, User
    from assura.identity.services import token_create

    org = Organization.objects.get(name=ORG_NAME, is_demo=True)
    users = [User.objects.get(email=SUPERVISOR), User.objects.get(email=AGENT)]
    data = {}
    if any(not selected or c.key in selected for c in CASES[:BUILTIN_CASES]):
        say("Preparing the inputs (phones, contacts with 50+ activities)…")
        data = bench_data(org, users)
    results = []
    module_paths = {}
    for module in bench_modules():
        for spec in module.cases(org, users):
            if selected and spec["key"] not in selected:
                continue
            module_paths[spec["key"]] = spec["paths"]
            CASES.append(Case(spec["key"], spec["label"], spec["target_ms"], query_limit=spec.get("query_limit"),
                              api=spec.get("api", False)))
    for case in CASES:
        if selected and case.key not in selected:
            continue
        target = case.target_pg if vendor == "postgresql" else SQLITE_TARGET_MS
        for user in users:
            row = {"case": case.key, "label": case.label, "user": user.email, "role": user.get_role_display(),
                   "target_ms": target, "query_limit": case.query_limit}
            paths = (module_paths[case.key].get(user.email) if case.key in module_paths
                     else case_paths(case, user, data))
            if not paths:
                row.update(status="no data", detail="no visible contact with 50+ activities")
            elif not route_exists(paths[0]):
                row.update(status="route missing", detail=urlparse(paths[0]).path)
            else:
                client, headers = Client(), {}
                if case.api:
                    _token, key = token_create(user=user, name="bench")
                    headers = {"Authorization": f"Token {key}"}
                else:
                    client.force_login(user)
                row["url"] = paths[0]
                try:
                    row.update(measure(client, paths, warmup=warmup, requests=requests, headers=headers))
                except Exception as exc:  # a page crashing is a result too
                    row.update(status="error", detail=f"{type(exc).__name__}: {exc}"[:300])
            finish(row)
            results.append(row)
            print_row(row)
    return results


def run_timings(selected: set[str] | None) -> list[dict]:
    """Each module's timed jobs (SLA scan, scheduler run, worker round trip…)."""
    from assura.identity.models import Organization, User

    org = Organization.objects.get(name=ORG_NAME, is_demo=True)
    users = [User.objects.get(email=SUPERVISOR), User.objects.get(email=AGENT)]
    rows = []
    for module in bench_modules():
        if not hasattr(module, "timings"):
            continue
        if selected is not None and not selected & set(getattr(module, "TIMING_KEYS", ())):
            continue
        try:
            found = module.timings(org, users, selected=selected, say=say)
        except Exception as exc:  # a crashing job is a result too
            found = [{"case": module.__name__, "label": module.__name__, "status": "error", "pass": None,
                      "detail": f"{type(exc).__name__}: {exc}"[:300]}]
        for row in found:
            print_timing(row)
        rows.extend(found)
    return rows


def print_timing(row: dict) -> None:
    head = f"  {row['label'][:66]:<66}"
    if row.get("status") != "measured":
        say(f"{head} {row.get('status', 'error').upper()}: {row.get('detail', '')}")
        return
    verdict = "PASS" if row["pass"] else "FAIL"
    say(f"{head} {row['value']:>9} {row['unit']:<3} ≤{row['target']} {row['unit']:<3} {verdict}")
    if row.get("detail"):
        say(f"      {row['detail']}")


def explain(results: list[dict]) -> Path:
    """BENCH_EXPLAIN=1: the plans of the heaviest queries of each case, in bench/explain.txt."""
    from django.db import connection

    out = ROOT / "bench" / "explain.txt"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    lines = []
    with connection.cursor() as cursor:
        for row in results:
            for query in row.get("slowest_queries", [])[:2]:
                lines.append(f"### {row['case']} / {row['role']} — {query['ms']} ms\n{query['sql']}\n")
                try:
                    cursor.execute(prefix + query["sql"])
                    lines.extend(" | ".join(str(c) for c in r) for r in cursor.fetchall())
                except Exception as exc:  # a query with parameters Django inlined imperfectly
                    lines.append(f"(not explained: {exc})")
                lines.append("")
    out.write_text("\n".join(lines))
    return out


def finish(row: dict) -> None:
    if row.get("status") != "measured":
        row["pass"] = None
        return
    ok = row["p95_ms"] <= row["target_ms"]
    if row.get("query_limit") is not None:
        ok = ok and row["queries_max"] <= row["query_limit"]
    row["pass"] = ok


# --- Import ---------------------------------------------------------------------------------------------------

def import_case(rows: int, vendor: str) -> dict:
    """Import a `rows`-row XLSX of new contacts through the import engine, inside a transaction that
    is rolled back (the benchmark company keeps its size). Target: ≥ 3,000 rows/s."""
    result = {"case": "import_xlsx", "label": f"Import of a {rows:,}-row XLSX", "target_rows_per_s": 3000,
              "rows": rows}
    try:
        from assura.core import imports  # noqa: F401 - the data developer's engine
    except ImportError:
        result.update(status="not available", detail="assura/core/imports.py does not exist yet", **{"pass": None})
        return result
    runner = _import_runner()
    if runner is None:
        result.update(status="not available", detail="no known entry point in assura.core.imports", **{"pass": None})
        return result
    path = build_import_file(rows)
    from django.db import transaction

    from assura.identity.models import User

    admin = User.objects.get(email="admin@alliance.demo")
    started = time.perf_counter()
    try:
        with transaction.atomic():
            outcome = runner(path=path, user=admin)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
    except Exception as exc:
        result.update(status="error", detail=f"{type(exc).__name__}: {exc}"[:300], **{"pass": None})
        return result
    rate = rows / elapsed
    succeeded = outcome.get("job_status") == "succeeded"
    result.update(status="measured" if succeeded else "error", seconds=round(elapsed, 1), rows_per_second=round(rate),
                  outcome=outcome, **{"pass": rate >= 3000 and succeeded})
    if not succeeded:
        result["detail"] = f"import job {outcome.get('job_status')}: {outcome}"[:300]
    return result


def _import_runner():
    """The engine's synchronous entry point (`import_file`, which runs the import job in this process)."""
    from assura.core import imports

    import_file = getattr(imports, "import_file", None)
    if not callable(import_file):
        return None

    def run(*, path, user):
        job = import_file(path=str(path), kind="contacts", user=user)
        outcome = {"job_status": job.status, "first_errors": (job.errors or [])[:5]}
        outcome.update((k, v[:5] if isinstance(v, list) else v) for k, v in (job.result or {}).items())
        return outcome
    return run


def build_import_file(rows: int) -> Path:
    """An XLSX of `rows` new contacts (kept in var/bench/ for the next run), as a customer would send it:
    French headers, local phone format, dd/mm/yyyy dates."""
    path = ROOT / "var" / "bench" / f"import_{rows}.xlsx"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    import random

    import xlsxwriter

    from assura.core.reference import WILAYA_NAMES
    from assura.core.search import normalize
    from assura.customers.seeding import FAMILY_NAMES, FEMALE_FIRST_NAMES, MALE_FIRST_NAMES, WILAYA_POPULATION

    rng = random.Random(42)
    codes, weights = list(WILAYA_POPULATION), list(WILAYA_POPULATION.values())
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Clients")
    headers = ["Civilité", "Nom", "Prénom", "Date de naissance", "NIN", "Téléphone", "E-mail", "Adresse",
               "Commune", "Wilaya", "Profession"]
    sheet.write_row(0, 0, headers)
    prefixes = ("055", "066", "067", "069", "077", "078", "079")
    for n in range(1, rows + 1):
        male = rng.random() < 0.55
        first = rng.choice(MALE_FIRST_NAMES if male else FEMALE_FIRST_NAMES)[0]
        last = rng.choice(FAMILY_NAMES)[0]
        year = rng.randint(1945, 2005)
        wilaya = rng.choices(codes, weights)[0]
        digits = f"{(n * 7_368_787 + 11) % 10**7:07d}"
        sheet.write_row(n, 0, [
            "M." if male else "Mme", last.upper() if rng.random() < 0.3 else last, first,
            f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}",
            f"{1 if male else 2}{year % 100:02d}{int(wilaya):02d}{n:013d}"[:18] if rng.random() < 0.7 else "",
            f"{rng.choice(prefixes)}{digits[0]} {digits[1:3]} {digits[3:5]} {digits[5:7]}",
            f"{normalize(first)}.{normalize(last)}{n}@exemple.dz".replace(" ", "") if rng.random() < 0.5 else "",
            f"{rng.randint(1, 99)} rue Didouche Mourad", "", WILAYA_NAMES[wilaya], "",
        ])
    workbook.close()
    return path


# --- Report ---------------------------------------------------------------------------------------------------

def machine_info() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cores": os.cpu_count()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = re.search(r"model name\s*:\s*(.+)", cpuinfo).group(1).strip()
        mem_kb = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))
        info["ram_gib"] = round(mem_kb / 1024 / 1024, 1)
    except (OSError, AttributeError):
        pass
    if hasattr(os, "getloadavg"):
        info["load_average_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


def database_info() -> dict:
    import django
    from django.db import connection

    info = {"vendor": connection.vendor, "django": django.get_version()}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            info["version"] = cursor.fetchone()[0]
            cursor.execute("SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', "
                           "'effective_cache_size', 'random_page_cost', 'jit', 'max_parallel_workers_per_gather', "
                           "'autovacuum')")
            info["settings"] = {name: f"{setting}{unit or ''}" for name, setting, unit in cursor.fetchall()}
        else:
            cursor.execute("SELECT sqlite_version()")
            info["version"] = f"SQLite {cursor.fetchone()[0]}"
    return info


def scale_info() -> dict:
    from assura.activities.models import Activity
    from assura.customers.models import Account, Contact, Relationship
    from assura.identity.models import Organization
    from assura.leads.models import Lead

    org = Organization.objects.get(name=ORG_NAME, is_demo=True)
    return {model._meta.verbose_name_plural.__str__(): model.objects.filter(organization=org).count()
            for model in (Contact, Account, Lead, Activity, Relationship)} | {"company": ORG_NAME}


def print_row(row: dict) -> None:
    user = "Superviseur" if row["user"] == SUPERVISOR else "Utilisateur"
    head = f"  {row['label'][:44]:<44} {user:<11}"
    if row["status"] != "measured":
        say(f"{head} {row['status'].upper()}: {row.get('detail', '')}")
        return
    queries = f"{row['queries']}" + (f"-{row['queries_max']}" if row["queries_max"] != row["queries"] else "")
    limit = f"≤{row['query_limit']}" if row.get("query_limit") else ""
    verdict = "PASS" if row["pass"] else "FAIL"
    say(f"{head} {row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f} {row['max_ms']:>7.1f} {row['cpu_p50_ms']:>7.1f}"
        f" {row['db_p50_ms']:>7.1f}  {queries:>5} {limit:>4}  ≤{row['target_ms']:<4} {verdict}")


def main() -> int:
    database = choose_database()
    setup_django()
    from django.db import connection

    target = env_int("BENCH_CONTACTS", 200_000)
    warmup, requests = env_int("BENCH_WARMUP", 20), env_int("BENCH_REQUESTS", 200)
    selected = {c.strip() for c in os.environ.get("BENCH_CASES", "").split(",") if c.strip()} or None
    machine = machine_info()
    say(f"Benchmark database: {database} ({connection.vendor})")
    seeding = seed(target)
    seeding["modules"] = seed_modules(selected)
    scale = scale_info()
    say("Scale: " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else v for k, v in scale.items()))
    say(f"\n  {'case (milliseconds, server side)':<44} {'user':<11} {'p50':>7} {'p95':>7} {'max':>7} {'cpu p50':>7}"
        f" {'db p50':>7}  {'queries':>10}  p95 target")
    results = run_cases(selected, connection.vendor, warmup, requests)
    if not selected or "import" in selected:
        imported = import_case(env_int("BENCH_IMPORT_ROWS", 100_000), connection.vendor)
        results.append(imported)
        if imported["status"] == "measured":
            verdict = "PASS" if imported["pass"] else "FAIL"
            say(f"  {imported['label']:<56} {imported['rows_per_second']:>8,} rows/s "
                f"({imported['seconds']} s)  ≥3,000 rows/s {verdict}")
        else:
            say(f"  {imported['label']:<56} {imported['status'].upper()}: {imported['detail']}")
    timed = run_timings(selected)
    if timed:
        results.extend(timed)
    if os.environ.get("BENCH_EXPLAIN") == "1":
        say(f"Query plans: {explain(results).relative_to(ROOT)}")
    if hasattr(os, "getloadavg"):
        machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    out = ROOT / os.environ.get("BENCH_OUTPUT", "bench/results.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine, "database": database_info(),
              "scale": scale, "seeding": seeding, "warmup": warmup, "requests_per_case": requests, "cases": results}
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    failed = [r for r in results if r.get("pass") is False]
    skipped = [r for r in results if r.get("pass") is None]
    say(f"\n{len(results) - len(failed) - len(skipped)} passed, {len(failed)} failed, {len(skipped)} not measured. "
        f"Results: {out.relative_to(ROOT)}")
    if max(machine.get("load_average_start", [0])[0], machine.get("load_average_end", [0])[0]) > (os.cpu_count() or 1):
        say("! The machine was busy during the run (load average above the number of cores): timings are pessimistic.")
    return 1 if failed and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
