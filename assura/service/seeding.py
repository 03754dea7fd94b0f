"""Demo and benchmark data of the service desk.

`config_seed(org)` creates the company's categories (those of the issue), teams, SLA
policies, routing rules, reply templates and knowledge-base articles (idempotent, by name).
`tickets_bulk(org, count=…)` writes historical tickets with their conversation in batches,
prepared as the services prepare them (reference from the Sequence, search column, SLA
dues in working time, statuses with their dates, satisfaction on resolved ones)."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assura.core.records import sequence_next
from assura.core.search import search_text
from assura.service import sla
from assura.service.choices import MessageKind, Priority, TicketChannel, TicketKind, TicketStatus
from assura.service.models import (
    Category,
    KbArticle,
    KbArticleVersion,
    ReplyTemplate,
    RoutingRule,
    ServiceSettings,
    SlaPolicy,
    Team,
    Ticket,
    TicketMessage,
    TicketStatusChange,
)

CATEGORIES = {
    "Indemnisation": ("indemnisation, sinistre, remboursement, expert, expertise, constat, تعويض", "haute", [
        ("Retard d'indemnisation", "retard, toujours pas, attente, délai, تأخر"),
        ("Contestation de l'offre", "conteste, contestation, offre, insuffisant, montant proposé"),
    ]),
    "Contrat": ("contrat, police, avenant, échéance, عقد", "normale", [
        ("Attestation", "attestation, certificat, carte verte, شهادة"),
        ("Résiliation", "résilier, résiliation, annuler, arrêter, فسخ, إلغاء"),
        ("Erreur de prime", "prime, cotisation, tarif, trop cher, augmentation, قسط"),
    ]),
    "Accueil": ("accueil, agence, guichet, attente, comportement", "normale", [
        ("Accueil en agence", "accueil, guichet, agent, impoli, file"),
    ]),
    "Information": ("information, renseignement, question, comment", "basse", []),
}

SUBJECTS = {
    "Retard d'indemnisation": ["Toujours pas d'indemnisation pour mon sinistre auto", "Retard de remboursement du "
                               "dégât des eaux", "Sinistre du mois dernier : aucune nouvelle de l'expert",
                               "تأخر في تعويض حادث السيارة"],
    "Contestation de l'offre": ["Je conteste l'offre d'indemnisation", "Montant proposé insuffisant après expertise",
                                "Offre d'indemnisation incomplète"],
    "Attestation": ["Demande d'attestation d'assurance", "Besoin de ma carte verte pour un voyage",
                    "Attestation pour la banque", "أحتاج شهادة التأمين"],
    "Résiliation": ["Je souhaite résilier mon contrat habitation", "Résiliation à l'échéance", "طلب فسخ العقد"],
    "Erreur de prime": ["Erreur sur le montant de ma prime", "Prime augmentée sans explication",
                        "Double prélèvement de cotisation"],
    "Accueil en agence": ["Mauvais accueil à l'agence", "Attente trop longue au guichet"],
    "Information": ["Question sur les garanties du contrat", "Comment déclarer un sinistre ?",
                    "Renseignement sur l'assurance voyage"],
}

TEMPLATES = [
    ("Accusé de prise en charge", "Bonjour {client},\n\nNous avons bien pris en charge votre demande {reference}. "
     "Vous recevrez une réponse au plus tard le {echeance}.\n\nCordialement,\n{agent}", None),
    ("Attestation envoyée", "Bonjour {client},\n\nVous trouverez ci-joint l'attestation d'assurance de la police "
     "{police}.\n\nCordialement,\n{agent}", "Contrat"),
    ("Point sur l'indemnisation", "Bonjour {client},\n\nVotre dossier de sinistre {sinistre} est en cours de "
     "traitement ; l'expert a remis son rapport. Nous revenons vers vous avant le {echeance}.\n\nCordialement,\n"
     "{agent}", "Indemnisation"),
    ("Réclamation : demande de pièces", "Bonjour {client},\n\nAfin de traiter votre réclamation {reference}, merci "
     "de nous transmettre une copie du constat et des factures.\n\nCordialement,\n{agent}", None),
]

ARTICLES = [
    ("Délais légaux d'indemnisation", "Indemnisation",
     "Après accord sur le montant, l'indemnité est versée dans un délai de 30 jours. Pour un sinistre automobile "
     "matériel, l'expertise intervient sous 7 jours ouvrés après la déclaration."),
    ("Obtenir une attestation d'assurance", "Contrat",
     "L'attestation est délivrée en agence ou envoyée par e-mail sous 24 heures. Vérifier que la prime est à jour."),
    ("Résilier un contrat", "Contrat",
     "La résiliation se demande par lettre recommandée au moins deux mois avant l'échéance. Au-delà, le contrat est "
     "reconduit tacitement."),
    ("Contester une offre d'indemnisation", "Indemnisation",
     "Le client peut demander une contre-expertise ; les frais sont partagés si elle confirme la première."),
    ("Traiter une réclamation", "Accueil",
     "Accuser réception sous 24 heures, répondre sous 10 jours ouvrés, consigner la cause racine à la clôture."),
    ("Déclarer un sinistre", "Information",
     "Déclaration dans les 7 jours (2 jours pour le vol) : constat amiable, permis, carte grise, photos."),
]


def _get(model, org, lookup: dict, defaults: dict):
    obj, _created = model.objects.get_or_create(organization=org, **lookup, defaults=defaults)
    return obj


def config_seed(org) -> dict:
    """The company's service-desk configuration (idempotent)."""
    users = get_user_model().objects.filter(organization=org, is_active=True).order_by("pk")
    by_role = {}
    for user in users:
        by_role.setdefault(user.role, user)
    plain = [u for u in users if u.role == "user"]
    conf = ServiceSettings.objects.filter(organization=org).first() or ServiceSettings.objects.create(
        organization=org, work_days=list(sla.ALGERIA_WEEK),
        mailbox_address=f"service.client@{org.email.split('@')[-1] if '@' in org.email else 'assura.local'}")
    categories, subs = {}, {}
    for name, (keywords, priority, children) in CATEGORIES.items():
        top = _get(Category, org, {"name": name, "parent": None}, {"keywords": keywords, "default_priority": priority})
        categories[name] = top
        for child, child_keywords in children:
            subs[child] = _get(Category, org, {"name": child, "parent": top}, {"keywords": child_keywords})
    lead = by_role.get("admin")
    teams = {}
    for name, kind, members in (("Service client", "service_client", plain[:3] or list(users[:1])),
                                ("Indemnisations", "indemnisations", plain[3:6] or plain[:1]),
                                ("Souscriptions", "souscriptions", plain[6:8] or plain[:1]),
                                ("Agence", "agence", plain[8:10] or plain[:1])):
        team = _get(Team, org, {"name": name}, {"kind": kind, "lead": lead})
        if not team.members.exists():
            team.members.set(members)
        teams[name] = team
    if not SlaPolicy.objects.filter(organization=org).exists():
        SlaPolicy.objects.bulk_create([
            SlaPolicy(organization=org, name="Demande standard", first_response_hours=8, resolution_hours=40),
            SlaPolicy(organization=org, name="Réclamation (24 h / 10 jours ouvrés)", kind=TicketKind.COMPLAINT,
                      first_response_hours=17, resolution_hours=85),
            SlaPolicy(organization=org, name="Urgent", priority=Priority.URGENT, first_response_hours=2,
                      resolution_hours=17),
            SlaPolicy(organization=org, name="Information", kind=TicketKind.INFORMATION, first_response_hours=8,
                      resolution_hours=17),
        ])
    if not RoutingRule.objects.filter(organization=org).exists():
        RoutingRule.objects.bulk_create([
            RoutingRule(organization=org, priority=10, category=categories["Indemnisation"],
                        team=teams["Indemnisations"], strategy="tour_de_role"),
            RoutingRule(organization=org, priority=20, category=categories["Contrat"], team=teams["Souscriptions"],
                        strategy="charge"),
            RoutingRule(organization=org, priority=30, channel=TicketChannel.AGENCY, team=teams["Agence"],
                        strategy="equipe"),
            RoutingRule(organization=org, priority=100, team=teams["Service client"], strategy="tour_de_role"),
        ])
    for name, body, category in TEMPLATES:
        _get(ReplyTemplate, org, {"name": name}, {"body": body, "category": categories.get(category)})
    author = by_role.get("editor") or lead
    for title, category, body in ARTICLES:
        if not KbArticle.objects.filter(organization=org, title=title).exists():
            article = KbArticle.objects.create(organization=org, title=title, body=body, author=author,
                                               category=categories[category], search_text=search_text(title, body))
            KbArticleVersion.objects.create(organization=org, article=article, version=1, title=title, body=body,
                                            author=author)
    return {"conf": conf, "categories": categories, "subs": subs, "teams": teams}


def tickets_bulk(org, *, count: int, seed: int = 6, messages_per_ticket: int = 3, now=None, say=None,
                 batch: int = 5000) -> int:
    """Historical tickets spread over the last 90 days (about 70 % resolved/closed), with their conversation."""
    from assura.customers.models import Contact

    rng = random.Random(seed)
    now = now or timezone.now()
    cfg = config_seed(org)
    subs = list(cfg["subs"].values())
    info = cfg["categories"]["Information"]
    teams = list(cfg["teams"].values())
    team_members = {t.pk: list(t.members.values_list("pk", flat=True)) for t in teams}
    contacts = list(Contact.objects.filter(organization=org).order_by("pk")
                    .values_list("pk", "first_name", "last_name", "email", "agency_id")[:5000])
    policies = {p.kind or p.priority or "": p for p in SlaPolicy.objects.filter(organization=org)}
    cal = sla.Calendar(holidays=sla.algerian_holidays(now.year - 1, now.year + 1))
    start_number = sequence_next(organization_id=org.pk, key="service.ticket", count=count)
    made = 0
    while made < count:
        size = min(batch, count - made)
        tickets = []
        for i in range(size):
            number = start_number + made + i
            category = rng.choice(subs + [info])
            top = category.parent if category.parent_id else category
            kind = TicketKind.COMPLAINT if top.name in ("Indemnisation", "Accueil") and rng.random() < 0.6 else (
                TicketKind.INFORMATION if top is info else TicketKind.REQUEST)
            priority = rng.choices(["basse", "normale", "haute", "urgente"], [2, 6, 3, 1])[0]
            policy = policies.get(priority if priority == "urgente" else kind) or policies.get("")
            created = now - dt.timedelta(minutes=rng.randint(10, 90 * 24 * 60))
            contact = rng.choice(contacts) if contacts and rng.random() < 0.85 else None
            team = rng.choice(teams)
            members = team_members.get(team.pk) or []
            assignee_id = rng.choice(members) if members and rng.random() < 0.85 else None
            first = sla.add_working(created, policy.first_response_hours * 3600, cal)
            due = sla.add_working(created, policy.resolution_hours * 3600, cal)
            risk = sla.add_working(created, policy.resolution_hours * 3600 * sla.RISK_SHARE, cal)
            age = (now - created).total_seconds()
            status = TicketStatus.NEW
            if age > 3 * 86400:
                status = rng.choices([TicketStatus.CLOSED, TicketStatus.RESOLVED, TicketStatus.OPEN,
                                      TicketStatus.WAITING_CUSTOMER], [5, 3, 1, 1])[0]
            elif age > 3600:
                status = rng.choice([TicketStatus.OPEN, TicketStatus.WAITING_INTERNAL, TicketStatus.NEW])
            subject = rng.choice(SUBJECTS.get(category.name, SUBJECTS["Information"]))
            name = f"{contact[1]} {contact[2]}".strip() if contact else rng.choice(
                ["Nadia Bouzid", "Farid Mebarki", "Souad Kaci", "Omar Belaid"])
            email = (contact[3] if contact else "") or f"client{number}@exemple.dz"
            responded = created + dt.timedelta(hours=rng.uniform(0.5, 30)) if status != TicketStatus.NEW else None
            resolved = None
            if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
                resolved = min(now, created + dt.timedelta(hours=rng.uniform(2, 24 * 12)))
            ticket = Ticket(
                organization=org, reference=f"TK-{number:06d}", kind=kind, category=top,
                subcategory=category if category.parent_id else None, priority=priority,
                channel=rng.choices(list(TicketChannel.values), [4, 4, 2, 2, 1, 1, 1])[0],
                contact_id=contact[0] if contact else None, customer_name=name[:150], customer_email=email,
                subject=subject, description=subject + ".", status=status, assignee_id=assignee_id, team=team,
                agency_id=contact[4] if contact else team.agency_id, sla_policy=policy,
                first_response_due=None if responded else first,
                first_response_risk_at=None if responded else sla.add_working(
                    created, policy.first_response_hours * 3600 * sla.RISK_SHARE, cal),
                first_responded_at=responded, resolution_due=due, resolution_risk_at=risk,
                resolved_at=resolved, closed_at=resolved if status == TicketStatus.CLOSED else None,
                resolution_code=rng.choice(["repondu", "corrige", "indemnise", "non_fonde"]) if resolved else "",
                root_cause=rng.choice(["delai", "processus", "tarification", "information"]) if resolved else "",
                sla_met=(resolved <= due and bool(responded and responded <= first)) if resolved else None,
                sla_breached=bool(resolved and resolved > due) or (not resolved and due < now),
                sla_at_risk=not resolved and risk <= now < due,
                suggested_category=top, suggested_priority=priority, suggestion_source="mots_cles",
                csat_score=rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 4, 4])[0] if resolved and rng.random() < 0.4
                else None,
                search_text=search_text(f"TK-{number:06d}", subject, name, email),
            )
            if status == TicketStatus.WAITING_CUSTOMER:
                ticket.sla_paused_at = now - dt.timedelta(hours=2)
                ticket.sla_remaining = {"resolution_due": 8 * 3600, "resolution_risk_at": 6 * 3600}
                ticket.resolution_due = ticket.resolution_risk_at = None
            if ticket.csat_score:
                ticket.csat_at = resolved + dt.timedelta(hours=6)
            ticket._created = created
            tickets.append(ticket)
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets, batch_size=1000)
            messages, changes = [], []
            for t in tickets:
                created = t._created
                Ticket.objects.filter(pk=t.pk).update(created_at=created) if len(tickets) < 500 else None
                changes.append(TicketStatusChange(organization=org, ticket=t, to_status=TicketStatus.NEW))
                for k in range(messages_per_ticket):
                    kind = (MessageKind.INBOUND, MessageKind.REPLY, MessageKind.NOTE)[k % 3]
                    if kind != MessageKind.INBOUND and t.status == TicketStatus.NEW:
                        continue
                    messages.append(TicketMessage(
                        organization=org, ticket=t, kind=kind, author_id=t.assignee_id if k else None,
                        from_email=t.customer_email if kind == MessageKind.INBOUND else "",
                        body=t.description if kind == MessageKind.INBOUND else (
                            "Bonjour, votre dossier est en cours de traitement." if kind == MessageKind.REPLY
                            else "Dossier vérifié avec le gestionnaire sinistres."),
                        message_id=f"<tk{t.pk}.{k}@seed.assura>", sent_at=created if kind == MessageKind.REPLY
                        else None))
                if t.status != TicketStatus.NEW:
                    changes.append(TicketStatusChange(organization=org, ticket=t, from_status=TicketStatus.NEW,
                                                      to_status=t.status))
            TicketMessage.objects.bulk_create(messages, batch_size=2000)
            TicketStatusChange.objects.bulk_create(changes, batch_size=2000)
            if len(tickets) >= 500:
                # created_at is auto_now_add: spread it afterwards, one UPDATE per day bucket.
                buckets: dict[dt.date, list[int]] = {}
                for t in tickets:
                    buckets.setdefault(t._created.date(), []).append(t.pk)
                for day, pks in buckets.items():
                    stamp = dt.datetime.combine(day, dt.time(10), tzinfo=now.tzinfo)
                    Ticket.objects.filter(pk__in=pks).update(created_at=stamp)
        made += size
        if say:
            say(f"  tickets {made:,}/{count:,}")
    return made
