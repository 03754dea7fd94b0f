"""Outgoing e-mail of the service desk: replies, acknowledgements and surveys, by SMTP
(Django's configured backend) with the ticket reference in the subject and threading headers.

A message is saved first, then sent after the transaction commits; a failure is recorded on
the message (`send_error`) — the reply is never lost and the page never fails."""

from __future__ import annotations

import logging
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def mailbox_address(organization_id) -> str:
    from assura.service.services import settings_for

    return settings_for(organization_id).mailbox_address or settings.DEFAULT_FROM_EMAIL


def new_message_id(organization_id) -> str:
    address = mailbox_address(organization_id)
    domain = address.rsplit("@", 1)[-1].strip(">") if "@" in address else "assura.local"
    return make_msgid(domain=domain)


def subject_for(ticket, subject: str | None = None) -> str:
    text = subject or ticket.subject
    tag = f"[{ticket.reference}]"
    return text if tag in text else f"{tag} {text}"


def thread_ids(ticket) -> list[str]:
    from assura.service.models import TicketMessage

    return list(TicketMessage.objects.filter(ticket=ticket).exclude(message_id="").order_by("created_at", "id")
                .values_list("message_id", flat=True))


def deliver(message_pk: int) -> bool:
    """Send one saved TicketMessage. Returns True when the SMTP server accepted it."""
    from assura.service.models import TicketMessage

    msg = TicketMessage.objects.select_related("ticket").prefetch_related("attachments").get(pk=message_pk)
    if msg.sent_at is not None or not msg.to_email:
        return False
    ticket = msg.ticket
    headers = {"Message-ID": msg.message_id, "X-Assura-Ticket": ticket.reference}
    if msg.in_reply_to:
        headers["In-Reply-To"] = msg.in_reply_to
        references = [m for m in thread_ids(ticket) if m != msg.message_id]
        headers["References"] = " ".join(references[-10:])
    if msg.kind == "accuse" or msg.kind == "enquete":
        headers["Auto-Submitted"] = "auto-replied"
    email = EmailMessage(subject=msg.subject, body=msg.body, from_email=msg.from_email, to=[msg.to_email],
                         headers=headers, reply_to=[msg.from_email])
    try:
        for attachment in msg.attachments.all():
            with attachment.file.open("rb") as stored:
                email.attach(attachment.name, stored.read(), attachment.mime_type)
        email.send(fail_silently=False)
    except Exception as exc:  # network, refused recipient, a missing stored file…: recorded, never a 500
        logger.warning("Ticket %s: e-mail %s not sent: %s", ticket.reference, msg.pk, exc)
        TicketMessage.objects.filter(pk=msg.pk).update(send_error=str(exc)[:300])
        return False
    TicketMessage.objects.filter(pk=msg.pk).update(sent_at=timezone.now(), send_error="")
    return True


def deliver_on_commit(message_pk: int) -> None:
    transaction.on_commit(lambda: deliver(message_pk))


def send_plain(*, organization_id, to: str, subject: str, body: str, ticket_reference: str = "") -> bool:
    """A one-off automatic e-mail that is not part of the conversation (the survey)."""
    headers = {"Auto-Submitted": "auto-generated", "Message-ID": new_message_id(organization_id)}
    if ticket_reference:
        headers["X-Assura-Ticket"] = ticket_reference
    sender = mailbox_address(organization_id)
    try:
        EmailMessage(subject=subject, body=body, from_email=sender, to=[to], headers=headers,
                     reply_to=[sender]).send(fail_silently=False)
    except Exception as exc:
        logger.warning("E-mail to %s not sent: %s", to, exc)
        return False
    return True
