"""Pages: queues and list (query counts), the ticket page, its forms, the contact tab,
configuration pages (administrator only), knowledge base, the public survey."""

import html
import re

import pytest
from django.urls import reverse

from assura.customers.tests.factories import ContactFactory
from assura.service import services, survey
from assura.service.models import Category, KbArticle, Ticket, TicketMessage
from assura.service.tests.factories import KbArticleFactory, ReplyTemplateFactory, TicketFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def tickets(org, agent, desk, admin):
    contact = ContactFactory(organization=org, email="karima@example.dz", agency=agent.agency)
    made = [services.ticket_create(actor=admin, subject=f"Demande {i}", customer_name=f"Client {i}",
                                   contact=contact if i % 2 else None, assignee=agent if i % 3 else None,
                                   team=desk["team"]) for i in range(12)]
    return made


@pytest.mark.parametrize("queue", ["", "mine", "team", "unassigned", "at_risk", "breached"])
def test_queues_in_constant_queries(client, agent, tickets, queue, django_assert_max_num_queries):
    client.force_login(agent)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("service:ticket_list"), {"queue": queue} if queue else {})
    assert response.status_code == 200
    body = text(response)
    if queue == "mine":
        assert "Demande 1" in body and "Demande 3" not in body.replace("Demande 3 ", "x")


def test_list_search_is_accent_insensitive(client, admin, org, desk):
    services.ticket_create(actor=admin, subject="Contestation de l'offre", customer_name="AÏSSANI Réda")
    client.force_login(admin)
    assert "Contestation" in text(client.get(reverse("service:ticket_list"), {"q": "aissani"}))


def test_ticket_page_shows_conversation_summary_and_templates(client, agent, tickets, org,
                                                              django_assert_max_num_queries):
    ticket = tickets[1]
    ReplyTemplateFactory(organization=org, name="Accusé", body="Bonjour {client}, dossier {reference}.")
    services.ticket_note(actor=agent, ticket=ticket, body="Appeler l'expert demain")
    client.force_login(agent)
    with django_assert_max_num_queries(40):
        response = client.get(ticket.get_absolute_url())
    body = text(response)
    assert response.status_code == 200
    assert "Appeler l'expert demain" in body and 'data-testid="customer-summary"' in body
    assert f"Bonjour {ticket.customer_name}, dossier {ticket.reference}." in body  # rendered for one-click insert


def test_ticket_page_links_the_customers_policies_and_claims(client, agent, admin, tickets, org):
    from assura.portfolio.choices import ClaimStatus
    from assura.portfolio.tests.factories import make_claim, make_policy

    ticket = tickets[1]  # a ticket of the agency's contact, assigned to the agent
    policy = make_policy(org, contact=ticket.contact, owner=agent, agency=agent.agency, number="AUT-2026-000777")
    claim = make_claim(org, policy=policy, status=ClaimStatus.EXPERTISE, owner=agent, agency=agent.agency)
    make_claim(org, policy=make_policy(org, contact=ticket.contact, owner=agent, agency=agent.agency,
                                       number="AUT-2025-000001"), status=ClaimStatus.SETTLED, owner=agent,
               agency=agent.agency)
    services.ticket_update(actor=agent, ticket=ticket, policy_number="aut-2026-000777", claim_number=claim.number)
    client.force_login(agent)

    body = text(client.get(ticket.get_absolute_url()))

    assert f'data-testid="ticket-policy"><a href="{policy.get_absolute_url()}">AUT-2026-000777</a>' in body
    claim_link = f'href="{claim.get_absolute_url()}">{claim.number}</a>'
    assert f'{claim_link} <span class="text-body-secondary">(En expertise)' in body
    summary = body[body.index('data-testid="summary-claims"'):]
    assert claim.number in summary and "SIN-T-" in summary and "Réglé" not in summary.split("</ul>")[0]


def test_reply_note_and_resolve_through_the_page(client, agent, tickets, django_capture_on_commit_callbacks):
    ticket = tickets[1]
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("service:ticket_reply", args=[ticket.pk]), {"body": "Votre dossier avance."})
    client.post(reverse("service:ticket_note", args=[ticket.pk]), {"body": "Note"})
    response = client.post(reverse("service:ticket_resolve", args=[ticket.pk]), {"resolution_code": ""})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "ouvert"  # refused: no resolution code
    client.post(reverse("service:ticket_resolve", args=[ticket.pk]), {"resolution_code": "repondu"})
    ticket.refresh_from_db()
    assert ticket.status == "resolu"
    assert list(TicketMessage.objects.filter(ticket=ticket).values_list("kind", flat=True)) == \
        ["accuse", "reponse", "note"]


def test_supervisor_cannot_reply_and_nothing_changes(client, supervisor, tickets):
    ticket = tickets[1]
    client.force_login(supervisor)
    assert client.post(reverse("service:ticket_reply", args=[ticket.pk]), {"body": "x"}).status_code == 403
    assert client.post(reverse("service:ticket_transition", args=[ticket.pk]), {"status": "ouvert"}).status_code \
        == 403
    ticket.refresh_from_db()
    assert ticket.status == "nouveau" and not ticket.messages.filter(kind="reponse").exists()


def test_illegal_transition_from_the_page_is_a_message(client, agent, tickets):
    ticket = tickets[1]
    client.force_login(agent)
    response = client.post(reverse("service:ticket_transition", args=[ticket.pk]), {"status": "clos"}, follow=True)
    assert "ne peut pas passer" in text(response)
    ticket.refresh_from_db()
    assert ticket.status == "nouveau"


def test_create_page(client, agent, desk, org):
    client.force_login(agent)
    contact = ContactFactory(organization=org, email="k@example.dz", agency=agent.agency)
    assert client.get(reverse("service:ticket_create"), {"contact": contact.pk}).status_code == 200
    page = text(client.get(reverse("service:ticket_create"), {"contact": contact.pk}))
    assert f'value="contact:{contact.pk}" checked' in page and str(contact) in page
    response = client.post(reverse("service:ticket_create"), {
        "subject": "Attestation d'assurance", "kind": "demande", "channel": "telephone", "priority": "normale",
        "target": f"contact:{contact.pk}"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and ticket.contact == contact
    hidden = ContactFactory(organization=org)  # another agency's: not visible to the agent
    response = client.post(reverse("service:ticket_create"), {
        "subject": "x", "kind": "demande", "channel": "telephone", "priority": "normale",
        "target": f"contact:{hidden.pk}"})
    assert response.status_code == 200 and "Client introuvable." in text(response)
    assert Ticket.objects.count() == 1
    response = client.post(reverse("service:ticket_create"), {"subject": "", "kind": "demande",
                                                              "channel": "telephone", "priority": "normale"})
    assert response.status_code == 200 and Ticket.objects.count() == 1


def test_contact_tab_in_constant_queries(client, agent, tickets, django_assert_max_num_queries):
    contact = tickets[1].contact
    client.force_login(agent)
    url = reverse("customers:contact_detail", args=[contact.pk])
    with django_assert_max_num_queries(30):
        response = client.get(url, {"tab": "tickets"})
    body = text(response)
    assert "Réclamations / Demandes" in body and tickets[1].reference in body


def test_configuration_pages_are_for_the_administrator(client, admin, agent, desk):
    client.force_login(agent)
    for name in ("settings", "category_list", "team_list", "sla_list", "routing_list", "template_list",
                 "inbound_list", "triage"):
        assert client.get(reverse(f"service:{name}")).status_code == 403, name
    assert client.post(reverse("service:category_create"), {"name": "Piratage"}).status_code == 403
    assert not Category.objects.filter(name="Piratage").exists()
    client.force_login(admin)
    for name in ("settings", "category_list", "team_list", "sla_list", "routing_list", "template_list",
                 "inbound_list", "triage", "report"):
        assert client.get(reverse(f"service:{name}")).status_code == 200, name
    response = client.post(reverse("service:category_create"), {"name": "Attestation", "is_active": "on"})
    assert response.status_code == 302 and Category.objects.filter(name="Attestation").exists()


def test_sla_policy_form_refuses_incoherent_targets(client, admin, desk):
    client.force_login(admin)
    response = client.post(reverse("service:sla_create"), {"name": "Absurde", "first_response_hours": 10,
                                                           "resolution_hours": 2, "is_active": "on"})
    assert response.status_code == 200 and "précéder" in text(response)


def test_kb_search_votes_and_versions(client, agent, editor, org, desk):
    client.force_login(editor)
    client.post(reverse("service:kb_create"), {"title": "Délai d'indemnisation", "body": "Trente jours.",
                                               "visibility": "interne", "is_published": "on"})
    article = KbArticle.objects.get()
    client.post(reverse("service:kb_update", args=[article.pk]), {"title": "Délai d'indemnisation",
                                                                  "body": "Trente jours après accord.",
                                                                  "visibility": "interne", "is_published": "on"})
    article.refresh_from_db()
    assert article.version == 2 and article.versions.count() == 2
    client.force_login(agent)
    assert "Délai" in text(client.get(reverse("service:kb_list"), {"q": "DELAI indemnisation"}))
    client.post(reverse("service:kb_vote", args=[article.pk]), {"helpful": "1"})
    client.post(reverse("service:kb_vote", args=[article.pk]), {"helpful": "1"})  # one vote per person
    article.refresh_from_db()
    assert article.helpful_count == 1
    assert client.post(reverse("service:kb_create"), {"title": "x", "body": "y"}).status_code == 403


def test_kb_list_query_count(client, agent, org, django_assert_max_num_queries):
    for _ in range(10):
        KbArticleFactory(organization=org)
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("service:kb_list")).status_code == 200


def test_survey_link_once_and_tamper_proof(client, tickets):
    ticket = tickets[0]
    token = survey.survey_token(ticket)
    url = reverse("service:survey", args=[token])
    assert client.get(url).status_code == 200
    assert client.post(url, {"score": "9"}).status_code == 400
    response = client.post(url, {"score": "4", "comment": "Rapide"})
    assert "Merci pour votre avis" in text(response)
    ticket.refresh_from_db()
    assert (ticket.csat_score, ticket.csat_comment) == (4, "Rapide")
    again = client.post(url, {"score": "1"})
    assert again.status_code == 400 and "déjà répondu" in text(again)
    ticket.refresh_from_db()
    assert ticket.csat_score == 4
    tampered = reverse("service:survey", args=[token[:-2] + ("AA" if not token.endswith("AA") else "BB")])
    assert "pas valide" in text(client.get(tampered))
    assert client.post(tampered, {"score": "1"}).status_code == 400


def test_link_a_kb_article_to_the_ticket(client, agent, tickets, org, other_org):
    ticket = tickets[1]
    article = KbArticleFactory(organization=org)
    foreign = KbArticleFactory(organization=other_org)
    client.force_login(agent)
    url = reverse("service:ticket_link_article", args=[ticket.pk])
    assert client.post(url, {"article": foreign.pk}).status_code == 404
    client.post(url, {"article": article.pk})
    assert list(ticket.kb_articles.all()) == [article]
    assert article.title in text(client.get(ticket.get_absolute_url()))


def test_settings_page_validates_and_keeps_the_imap_password(client, admin, desk):
    client.force_login(admin)
    data = {"work_start": "08:00", "work_end": "07:00", "work_days": ["6", "0"], "imap_port": 993,
            "imap_folder": "INBOX", "mailbox_address": "sc@alliance.test"}
    response = client.post(reverse("service:settings"), data)
    assert response.status_code == 200 and "La fin de journée doit suivre son début." in text(response)
    desk["conf"].refresh_from_db()
    assert desk["conf"].mailbox_address == "service.client@alliance.test"
    conf = desk["conf"]
    conf.imap_password = "secret"
    conf.save()
    data.update(work_end="16:00", imap_password="")
    assert client.post(reverse("service:settings"), data).status_code == 302
    conf.refresh_from_db()
    assert (conf.work_days, conf.imap_password, conf.mailbox_address) == ([6, 0], "secret", "sc@alliance.test")
    assert "secret" not in text(client.get(reverse("service:settings")))


def test_queue_counts_load_after_the_list(client, agent, tickets, django_assert_max_num_queries):
    client.force_login(agent)
    page = text(client.get(reverse("service:ticket_list")))
    assert 'hx-trigger="load"' in page and 'data-testid="count-mine"' not in page
    with django_assert_max_num_queries(12):
        response = client.get(reverse("service:ticket_queue_counts"))
    counts = dict(re.findall(r'data-testid="count-(\w+)">(\d+)<', text(response)))
    mine = Ticket.objects.filter(assignee=agent, status__in=["nouveau", "ouvert"]).count()
    assert counts["mine"] == str(mine) and counts["breached"] == "0" and "hx-trigger" not in text(response)


def test_contact_tab_queries_do_not_grow_with_tickets(client, agent, org, desk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    contact = ContactFactory(organization=org, agency=agent.agency)
    client.force_login(agent)
    url = reverse("customers:contact_detail", args=[contact.pk])

    def queries():
        client.get(url, {"tab": "tickets"})
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"tab": "tickets"}).status_code == 200
        return len(ctx.captured_queries)

    TicketFactory(organization=org, contact=contact, assignee=agent, team=desk["team"])
    few = queries()
    for _ in range(10):
        TicketFactory(organization=org, contact=contact, assignee=agent, team=desk["team"])
    assert queries() == few
