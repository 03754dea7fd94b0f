"""Benchmark data and cases of the service desk for `make bench` (scripts/bench.py).

BENCH_TICKETS tickets (default 1,000,000) with BENCH_TICKET_MESSAGES messages each (default 5,
so 5,000,000 messages), spread over the demo company's contacts, teams and users. Cases: the
queues (p95 ≤ 80 ms) and a ticket page (p95 ≤ 100 ms). The SLA scan (≤ 60 s over all open
tickets) and triage latency (≤ 50 ms) are services, timed by `scan_and_triage_timings()`."""

from __future__ import annotations

import os
import time

SCALE_ENV = "BENCH_TICKETS"
SCALE_DEFAULT = 1_000_000


def seed(org, *, scale: int, say) -> dict:
    """Idempotent: tops the company up to `scale` tickets (batches of 5,000)."""
    from assura.service.models import Ticket
    from assura.service.seeding import config_seed, tickets_bulk

    config_seed(org)
    have = Ticket.objects.filter(organization=org).count()
    missing = max(0, scale - have)
    if missing:
        say(f"Service desk: {missing:,} tickets to write")
        tickets_bulk(org, count=missing, seed=have + 11,
                     messages_per_ticket=int(os.environ.get("BENCH_TICKET_MESSAGES", "5")), say=say)
    return {"tickets": Ticket.objects.filter(organization=org).count(), "written": missing}


def cases(org, users) -> list[dict]:
    from assura.service.choices import OPEN_STATUSES
    from assura.service.models import Team, Ticket

    queue_paths, page_paths = {}, {}
    for user in users:
        paths = [f"/tickets/?queue={q}" for q in ("mine", "team", "unassigned", "at_risk", "breached")]
        paths += ["/tickets/", "/tickets/?status=ouvert&ordering=-resolution_due"]
        team = Team.objects.filter(organization=org, members=user).first() or Team.objects.filter(
            organization=org).first()
        if team is not None:
            paths.append(f"/tickets/?team={team.pk}&status=nouveau")
        queue_paths[user.email] = paths
        visible = Ticket.objects.visible_to(user).filter(status__in=OPEN_STATUSES).order_by("-pk")
        page_paths[user.email] = [f"/tickets/{pk}/" for pk in visible.values_list("pk", flat=True)[:20]]
    return [
        {"key": "ticket_queues", "label": "Service desk queues", "target_ms": 80, "query_limit": None,
         "api": False, "paths": queue_paths},
        {"key": "ticket_page", "label": "Ticket page", "target_ms": 100, "query_limit": None, "api": False,
         "paths": page_paths},
    ]


def scan_and_triage_timings(org, *, triage_samples: int = 50) -> dict:
    """Seconds for one SLA scan over the company's open tickets, and ms per triage suggestion."""
    from assura.service import services, triage
    from assura.service.models import Ticket

    started = time.perf_counter()
    services.sla_scan(organization_id=org.pk)
    scan = time.perf_counter() - started
    subjects = list(Ticket.objects.filter(organization=org).values_list("subject", flat=True)[:triage_samples])
    started = time.perf_counter()
    for subject in subjects:
        triage.suggest(organization_id=org.pk, text=subject)
    per = (time.perf_counter() - started) * 1000 / max(1, len(subjects))
    return {"sla_scan_s": round(scan, 2), "triage_ms": round(per, 2)}
