"""Service desk in a real browser: an e-mail arrives (webhook) → a ticket is created and
acknowledged by SMTP → the agent answers with a template in one click → resolves it → the
customer rates the answer through the signed link, once."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.customers.tests.factories import ContactFactory
from assura.service.models import ReplyTemplate, Ticket
from assura.service.services import settings_for
from assura.service.tests.factories import CategoryFactory, SlaPolicyFactory, TeamFactory
from tests.e2e.conftest import Mailbox, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_email_to_ticket_to_templated_answer_to_rating(page, new_page, live_server, smtp_server: Mailbox,
                                                       settings, client):
    settings.SITE_URL = live_server.url
    org = f.OrganizationFactory(name="Sahel Assurances")
    agency = f.AgencyFactory(organization=org, number="016-004")
    agent = f.UserFactory(organization=org, agency=agency, role=Role.USER, email="karim.meziane@sahel.test",
                          first_name="Karim", last_name="Meziane")
    f.UserFactory(organization=org, agency=agency, role=Role.ADMIN, email="admin@sahel.test")
    conf = settings_for(org.pk)
    conf.mailbox_address = "service.client@sahel.test"
    conf.save()
    claims = CategoryFactory(organization=org, name="Indemnisation", keywords="indemnisation, sinistre")
    team = TeamFactory(organization=org, name="Indemnisations", kind="indemnisations")
    team.members.set([agent])
    from assura.service.models import RoutingRule

    RoutingRule.objects.create(organization=org, category=claims, team=team, strategy="tour_de_role")
    SlaPolicyFactory(organization=org, name="Réclamation", kind="reclamation", first_response_hours=17,
                     resolution_hours=85)
    ReplyTemplate.objects.create(organization=org, name="Point sur le dossier",
                                 body="Bonjour {client}, votre dossier {reference} est pris en charge.")
    ContactFactory(organization=org, first_name="Karima", last_name="Haddad", email="karima@example.dz",
                   agency=agency)

    # An e-mail arrives through the company's webhook
    msg = EmailMessage()
    msg["From"], msg["To"] = "Karima Haddad <karima@example.dz>", "service.client@sahel.test"
    msg["Subject"], msg["Message-ID"] = "Réclamation : sinistre non indemnisé", make_msgid(domain="example.dz")
    msg.set_content("Bonjour, mon sinistre de septembre n'est toujours pas indemnisé.")
    response = client.post("/api/v1/inbound-email/", data=msg.as_bytes(), content_type="message/rfc822",
                           HTTP_AUTHORIZATION=f"Bearer {conf.inbound_token}")
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.team, ticket.assignee) == ("reclamation", team, agent)

    # The customer is acknowledged with the reference and the target date
    ack = smtp_server.wait_for("karima@example.dz")
    assert ticket.reference in ack["subject"] and "au plus tard le" in ack["body"]

    # The agent finds it in their queue and answers with a template, in one click
    sign_in(page, "karim.meziane@sahel.test", f.PASSWORD)
    page.goto("/tickets/?queue=mine")
    page.get_by_role("link", name=ticket.reference).click()
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    assert page.locator("[data-testid=sla-state]").get_attribute("data-state") == "ok"
    assert "Indemnisation" in page.locator("[data-testid=suggested-category]").inner_text()
    page.click("[data-testid=templates]")
    page.click("[data-testid^=template-]")
    assert page.input_value("[data-reply-body]") == \
        f"Bonjour Karima Haddad, votre dossier {ticket.reference} est pris en charge."
    smtp_server.messages.clear()
    page.click("[data-testid=send-reply]")
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    reply = smtp_server.wait_for("karima@example.dz")
    assert f"[{ticket.reference}]" in reply["subject"] and "est pris en charge" in reply["body"]

    # It is resolved; the customer gets the survey and rates it without signing in
    page.select_option("select[name=resolution_code]", "indemnise")
    page.select_option("select[name=root_cause]", "delai")
    smtp_server.messages.clear()
    page.click("[data-testid=resolve]")
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    assert page.locator("[data-testid=ticket-status]").inner_text().strip() == "Résolu"
    survey = smtp_server.wait_for("karima@example.dz")
    link = Mailbox.link(survey, "/survey/")
    customer = new_page()
    customer.goto(link)
    customer.click("[data-testid=score-5]")
    customer.fill("textarea[name=comment]", "Réponse rapide, merci")
    customer.click("[data-testid=submit-survey]")
    assert customer.locator("[data-testid=survey-thanks]").is_visible()
    customer.goto(link)
    assert customer.locator("[data-testid=survey-done]").is_visible()

    # The rating shows on the ticket
    page.reload()
    assert page.locator("[data-testid=csat]").inner_text().startswith("5/5")
    assert page.console_errors == [] and customer.console_errors == []
