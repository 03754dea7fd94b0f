"""Inbound e-mail through the real parser (RFC 822 bytes built with the email package), the
webhook endpoint and the IMAP poller (against the MailboxClient interface: no IMAP server here)."""

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.urls import reverse

from assura.core.models import Attachment
from assura.customers.tests.factories import ContactFactory
from assura.leads.models import Lead
from assura.service import inbound, services
from assura.service.models import InboundEmail, Ticket, TicketMessage
from assura.service.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()


def mail(*, sender="Karima Haddad <karima@example.dz>", to="service.client@alliance.test",
         subject="Retard de remboursement", body="Bonjour, mon sinistre n'est toujours pas réglé.", html=None,
         headers=None, attachments=()) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = make_msgid(domain="example.dz")
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    for name, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def receive(org, raw, **kw):
    return inbound.email_receive(organization_id=org.pk, raw=raw, source="webhook", **kw)


def test_new_mail_from_a_known_contact_creates_an_acknowledged_ticket(org, admin, desk, agency,
                                                                      django_capture_on_commit_callbacks, smtp):
    contact = ContactFactory(organization=org, email="karima@example.dz", agency=agency)
    with django_capture_on_commit_callbacks(execute=True):
        record = receive(org, mail(subject="Réclamation : retard d'indemnisation"))
    ticket = record.ticket
    assert record.status == "cree" and ticket.contact == contact and ticket.channel == "email"
    assert ticket.kind == "reclamation" and ticket.suggested_category == desk["category"]  # keyword fallback
    assert ticket.messages.filter(kind="entrant").count() == 1
    ack = smtp.wait(1)[0]
    assert ack["To"] == "karima@example.dz" and ticket.reference in str(ack["Subject"])
    assert ack["In-Reply-To"] == ticket.messages.get(kind="entrant").message_id


def test_unknown_sender_becomes_a_lead(org, admin, desk):
    record = receive(org, mail(sender="Nadir Ouali <nadir@exemple.dz>"))
    lead = Lead.objects.get(email="nadir@exemple.dz")
    assert record.ticket.lead == lead and lead.full_name == "Nadir Ouali"


def test_reply_threads_by_headers_and_by_reference(org, admin, desk):
    first = receive(org, mail()).ticket
    ours = first.messages.get(kind="accuse") if first.messages.filter(kind="accuse").exists() else None
    parent_id = ours.message_id if ours else first.messages.get().message_id
    second = receive(org, mail(subject="Re: votre demande", headers={"In-Reply-To": parent_id}))
    third = receive(org, mail(subject=f"Complément [{first.reference}]"))
    assert second.status == third.status == "rattache"
    assert second.ticket == third.ticket == first
    assert Ticket.objects.count() == 1 and first.messages.filter(kind="entrant").count() == 3


def test_a_customer_reply_reopens_a_resolved_ticket_and_resumes_a_waiting_one(org, admin, desk):
    ticket = receive(org, mail()).ticket
    services.ticket_transition(actor=admin, ticket=ticket, status="attente_client")
    receive(org, mail(subject=f"[{ticket.reference}] voici le document"))
    ticket.refresh_from_db()
    assert ticket.status == "ouvert" and ticket.sla_paused_at is None
    services.ticket_transition(actor=admin, ticket=ticket, status="resolu", resolution_code="repondu")
    receive(org, mail(subject=f"[{ticket.reference}] ce n'est pas réglé"))
    ticket.refresh_from_db()
    assert ticket.status == "reouvert"


def test_a_forged_reference_never_threads_across_companies(org, other_org, admin, other_admin, desk):
    foreign = TicketFactory(organization=other_org, reference="TK-000777")
    TicketMessage.objects.create(organization=other_org, ticket=foreign, kind="reponse", body="x",
                                 message_id="<secret@atlas.test>")
    record = receive(org, mail(subject="[TK-000777] suite", headers={"In-Reply-To": "<secret@atlas.test>"}))
    assert record.status == "cree" and record.ticket.organization_id == org.pk and record.ticket != foreign
    assert foreign.messages.count() == 1


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"}, {"Precedence": "bulk"}, {"X-Autoreply": "yes"},
    {"Precedence": "auto_reply"}, {"X-Assura-Ticket": "TK-000001"},
])
def test_auto_replies_and_loops_are_ignored(org, admin, desk, headers):
    record = receive(org, mail(headers=headers, subject="Absence du bureau"))
    assert record.status == "ignore" and record.ticket is None and not Ticket.objects.exists()


def test_our_own_address_and_mailer_daemon_are_ignored(org, admin, desk):
    assert receive(org, mail(sender="service.client@alliance.test")).status == "ignore"
    assert receive(org, mail(sender="MAILER-DAEMON@mx.example.dz")).status == "ignore"
    assert not Ticket.objects.exists()


def test_a_burst_from_one_sender_is_a_loop(org, admin, desk, monkeypatch):
    monkeypatch.setattr(inbound, "BURST_LIMIT", 3)
    outcomes = [receive(org, mail(subject=f"Message {i}")).status for i in range(5)]
    assert outcomes[:3] == ["cree"] * 3 and outcomes[3:] == ["ignore", "ignore"]


def test_the_same_message_twice_is_one_ticket(org, admin, desk):
    raw = mail()
    receive(org, raw)
    assert receive(org, raw).status == "ignore" and Ticket.objects.count() == 1


def test_html_is_sanitised(org, admin, desk):
    record = receive(org, mail(body="", html='<p>Bonjour<script>alert(1)</script> <a href="javascript:x()" '
                                                'onclick="steal()">lien</a></p>'))
    message = record.ticket.messages.get(kind="entrant")
    assert "<script" not in message.body_html and "onclick" not in message.body_html
    assert "javascript:" not in message.body_html


def test_html_only_mail_gets_a_text_body(org, admin, desk):
    raw = EmailMessage()
    raw["From"], raw["Subject"] = "karima@example.dz", "HTML"
    raw.set_content("<p>Bonjour<br>Je conteste l'offre</p>", subtype="html")
    record = receive(org, raw.as_bytes())
    assert "Je conteste l'offre" in record.ticket.description and "<p>" not in record.ticket.description


def test_attachments_are_kept_and_bad_ones_listed(org, admin, desk, settings):
    raw = mail(attachments=[("constat.png", PNG, "image", "png"),
                            ("virus.exe", b"MZ\x90\x00", "application", "octet-stream")])
    ticket = receive(org, raw).ticket
    files = Attachment.objects.filter(object_id=ticket.pk)
    assert list(files.values_list("name", flat=True)) == ["constat.png"]
    assert "virus.exe" in ticket.messages.get(kind="entrant").body


def test_huge_attachment_is_refused_but_the_mail_is_kept(org, admin, desk, settings, monkeypatch):
    from assura.core import attachments

    monkeypatch.setattr(attachments, "ATTACHMENT_MAX_BYTES", 50)
    record = receive(org, mail(attachments=[("constat.png", PNG + b"\x00" * 100, "image", "png")]))
    assert record.status == "cree" and not Attachment.objects.exists()
    assert "constat.png" in record.ticket.messages.get(kind="entrant").body
    assert len(bytes(InboundEmail.objects.get().raw)) == record.size  # the original, attachment included


@pytest.mark.parametrize("raw", [b"", b"\x00\xff garbage", b"Subject: no sender\r\n\r\nbody",
                                 b"From: <not an address>\r\n\r\nx"])
def test_unparseable_mail_goes_to_quarantine(org, admin, desk, raw, client):
    record = receive(org, raw)
    assert record.status == "quarantaine" and record.reason and bytes(record.raw) == raw
    assert not Ticket.objects.exists()
    client.force_login(admin)
    page = client.get(reverse("service:inbound_detail", args=[record.pk]))
    assert page.status_code == 200 and "quarantaine" in page.content.decode().lower()
    assert client.get(reverse("service:inbound_raw", args=[record.pk])).content == raw


# --- Webhook --------------------------------------------------------------------------------------

def test_webhook_creates_a_ticket_with_the_company_token(client, org, admin, desk):
    url = reverse("api:inbound-email-list")
    response = client.post(url, data=mail(), content_type="message/rfc822",
                           HTTP_AUTHORIZATION=f"Bearer {desk['conf'].inbound_token}")
    assert response.status_code == 201 and response.json()["status"] == "cree"
    assert Ticket.objects.get().organization == org


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer wrong-token-wrong-token-wrong", "Token x"])
def test_webhook_refuses_a_bad_token(client, org, admin, desk, header):
    response = client.post(reverse("api:inbound-email-list"), data=mail(), content_type="message/rfc822",
                           HTTP_AUTHORIZATION=header)
    assert response.status_code in (401, 403) and not InboundEmail.objects.exists()


def test_webhook_token_of_another_company_files_there(client, org, other_org, admin, other_admin, desk):
    other_conf = services.settings_for(other_org.pk)
    client.post(reverse("api:inbound-email-list"), data=mail(), content_type="message/rfc822",
                HTTP_AUTHORIZATION=f"Bearer {other_conf.inbound_token}")
    assert Ticket.objects.get().organization == other_org


# --- IMAP poller --------------------------------------------------------------------------------------

class FakeMailbox:
    """An in-memory MailboxClient (the interface ImapMailbox implements with imaplib)."""

    def __init__(self, messages):
        self.messages = dict(messages)
        self.seen, self.closed = [], False

    def unseen(self):
        return [(uid, raw) for uid, raw in self.messages.items() if uid not in self.seen]

    def mark_seen(self, uid):
        self.seen.append(uid)

    def close(self):
        self.closed = True


def test_poller_reads_every_unseen_message_once(org, admin, desk):
    conf = desk["conf"]
    conf.imap_host = "imap.alliance.test"
    conf.save()
    box = FakeMailbox({b"1": mail(subject="Attestation"), b"2": b"garbage", b"3": mail(headers={
        "Auto-Submitted": "auto-replied"})})
    assert inbound.mailboxes_poll(connect=lambda c: box) == 3
    assert box.seen == [b"1", b"2", b"3"] and box.closed
    assert sorted(InboundEmail.objects.values_list("status", flat=True)) == ["cree", "ignore", "quarantaine"]
    assert inbound.mailboxes_poll(connect=lambda c: box) == 0


def test_poller_survives_an_unreachable_server(org, admin, desk):
    conf = desk["conf"]
    conf.imap_host, conf.imap_port = "127.0.0.1", 9
    conf.save()
    assert inbound.mailboxes_poll() == 0  # the real imaplib adapter: connection refused, logged


def test_the_inbound_command_feeds_a_file(org, admin, desk, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "message.eml"
    path.write_bytes(mail(subject="Demande d'attestation"))
    call_command("service_inbound", org.name, str(path), verbosity=0)
    assert Ticket.objects.get().subject == "Demande d'attestation"


def test_webhook_bad_payloads_never_fail(client, org, admin, desk):
    url, auth = reverse("api:inbound-email-list"), f"Bearer {desk['conf'].inbound_token}"
    assert client.post(url, data={"raw": "x"}, content_type="application/json",
                       HTTP_AUTHORIZATION=auth).status_code == 415
    response = client.post(url, data=b"", content_type="message/rfc822", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 201 and response.json()["status"] == "quarantaine"
