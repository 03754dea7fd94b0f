"""Inbound e-mail: one parser for both doors (the per-company webhook and the IMAP poller).

`email_receive(organization_id=…, raw=…, source=…)` keeps every message (raw bytes in
InboundEmail) and decides:
  - unparseable (no readable sender, broken structure) → quarantine, visible to the administrator;
  - auto-reply or loop (Auto-Submitted, Precedence bulk/junk/list/auto_reply, X-Autoreply,
    X-Autorespond, our own address, mailer-daemon, a burst from one sender) → ignored;
  - a reply to a ticket of THIS company (In-Reply-To/References of our messages, or the
    [TK-000123] reference in the subject) → threaded into it; a reference of another
    company is never looked up (every query is filtered by the receiving company);
  - otherwise → a new ticket, linked to the known contact (by e-mail) or to a new lead.
HTML bodies are sanitised with nh3; attachments go through the core attachment checks
(type, size); a refused one is listed on the message and stays in the raw e-mail.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import logging
import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr
from typing import Protocol

import nh3
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assura.service.choices import (
    InboundStatus,
    MessageKind,
    TicketChannel,
    TicketKind,
    TicketStatus,
)

logger = logging.getLogger(__name__)

REFERENCE = re.compile(r"\[?\b(TK-\d{6})\b\]?")
MSGID = re.compile(r"<[^<>\s]+>")
AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
BURST_LIMIT = 20  # messages from one sender within an hour: beyond, a loop
MAX_RAW_BYTES = 30 * 1024 * 1024
COMPLAINT_WORDS = ("reclamation", "plainte", "mecontent", "inadmissible", "شكوى", "شكوي")


@dataclass
class Parsed:
    from_email: str
    from_name: str
    subject: str
    message_id: str
    in_reply_to: list[str]
    text: str
    html: str
    attachments: list[tuple[str, bytes]]
    headers: dict[str, str]


class Unparseable(Exception):
    pass


def html_to_text(html: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", html)
    text = nh3.clean(text, tags=set())
    text = re.sub(r"&nbsp;", " ", text)
    import html as html_lib

    text = html_lib.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()


def parse(raw: bytes) -> Parsed:
    """RFC 822 bytes → Parsed; Unparseable when no usable sender or structure."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        from_header = str(msg.get("From", "") or "")
    except Exception as exc:  # the email package raises many kinds on broken input
        raise Unparseable(str(exc)[:200]) from None
    name, address = parseaddr(from_header)
    address = address.strip().lower()
    if not address or "@" not in address or " " in address:
        raise Unparseable(_("Expéditeur illisible."))
    text, html = "", ""
    attachments: list[tuple[str, bytes]] = []
    try:
        plain = msg.get_body(preferencelist=("plain",))
        rich = msg.get_body(preferencelist=("html",))
        if plain is not None:
            text = plain.get_content()
        if rich is not None:
            html = rich.get_content()
        for part in msg.iter_attachments():
            filename = part.get_filename() or "piece-jointe"
            payload = part.get_payload(decode=True) or b""
            attachments.append((filename, payload))
    except Exception as exc:
        raise Unparseable(_("Structure du message illisible : %(error)s") % {"error": str(exc)[:150]}) from None
    if not text and not html and not attachments and not msg.is_multipart():
        try:
            text = msg.get_content() if msg.get_content_type().startswith("text/") else ""
        except Exception:
            text = ""
    in_reply_to = MSGID.findall(f"{msg.get('In-Reply-To', '')} {msg.get('References', '')}")
    headers = {k.lower(): str(v) for k, v in msg.items()
               if k.lower() in ("auto-submitted", "precedence", "x-autoreply", "x-autorespond", "x-assura-ticket",
                                "x-loop", "return-path")}
    return Parsed(
        from_email=address, from_name=(name or "").strip()[:150],
        subject=" ".join(str(msg.get("Subject", "")).split())[:200],
        message_id=(MSGID.findall(str(msg.get("Message-ID", "")) or "") or [""])[0][:250],
        in_reply_to=in_reply_to[-20:], text=(text or "").strip(), html=html or "", attachments=attachments,
        headers=headers,
    )


def is_automatic(parsed: Parsed, *, own_addresses: set[str]) -> str:
    """The reason to ignore the message ('' when it is a person's)."""
    h = parsed.headers
    if h.get("auto-submitted", "no").strip().lower() not in ("", "no"):
        return "Auto-Submitted"
    if h.get("precedence", "").strip().lower() in AUTO_PRECEDENCE:
        return "Precedence"
    if "x-autoreply" in h or "x-autorespond" in h:
        return "X-Autoreply"
    local = parsed.from_email.split("@", 1)[0]
    if parsed.from_email in own_addresses or "x-assura-ticket" in h or "x-loop" in h:
        return _("Boucle : message de notre propre adresse")
    if local in ("mailer-daemon", "postmaster", "no-reply", "noreply"):
        return _("Adresse automatique")
    return ""


def _own_addresses(organization_id) -> set[str]:
    from django.conf import settings as dj

    from assura.service.services import settings_for

    conf = settings_for(organization_id)
    own = {parseaddr(dj.DEFAULT_FROM_EMAIL)[1].lower()}
    if conf.mailbox_address:
        own.add(conf.mailbox_address.lower())
    return own - {""}


def find_thread(organization_id, parsed: Parsed):
    """The ticket of THIS company the message answers: by our Message-IDs, else by the subject's reference."""
    from assura.service.models import Ticket, TicketMessage

    if parsed.in_reply_to:
        found = TicketMessage.objects.filter(organization_id=organization_id, message_id__in=parsed.in_reply_to) \
            .select_related("ticket").order_by("-created_at").first()
        if found is not None:
            return found.ticket
    match = REFERENCE.search(parsed.subject)
    if match:
        return Ticket.objects.filter(organization_id=organization_id, reference=match.group(1)).first()
    return None


def _system_actor(organization_id):
    """The company's first active administrator: the author of what the mailbox creates (a lead)."""
    from django.contrib.auth import get_user_model

    from assura.core.permissions import Role

    return get_user_model().objects.filter(organization_id=organization_id, role=Role.ADMIN, is_active=True) \
        .order_by("pk").first()


def _customer_for(organization_id, parsed: Parsed) -> dict:
    from assura.customers.models import Account, Contact

    contact = Contact.objects.filter(organization_id=organization_id, email__iexact=parsed.from_email) \
        .select_related("agency").order_by("pk").first()
    if contact is not None:
        return {"contact": contact}
    account = Account.objects.filter(organization_id=organization_id, email__iexact=parsed.from_email) \
        .order_by("pk").first()
    if account is not None:
        return {"account": account}
    return {}


def _lead_for(organization_id, parsed: Parsed):
    from assura.leads.models import Lead
    from assura.leads.services import lead_create

    existing = Lead.objects.filter(organization_id=organization_id, email__iexact=parsed.from_email).first()
    if existing is not None:
        return existing
    actor = _system_actor(organization_id)
    if actor is None:
        return None
    try:
        with transaction.atomic():
            return lead_create(actor=actor, full_name=parsed.from_name or parsed.from_email.split("@")[0],
                               email=parsed.from_email, source="site_web",
                               notes=_("Créée par un e-mail reçu au service client."))
    except ValidationError:
        return None


def _store_attachments(ticket, parsed: Parsed) -> list[str]:
    """Attach what passes the core checks; return a note for each refused file."""
    from assura.core.attachments import _storage_name, validate_attachment
    from assura.core.models import Attachment

    refused = []
    content_type = ContentType.objects.get_for_model(ticket)
    for filename, payload in parsed.attachments:
        name = " ".join(str(filename).replace("/", "_").replace("\\", "_").split())[:200] or "fichier"
        upload = ContentFile(payload, name=name)
        try:
            kind, mime = validate_attachment(upload)
        except ValidationError as exc:
            refused.append(f"{name} : {' '.join(exc.messages)}")
            continue
        attachment = Attachment(organization_id=ticket.organization_id, content_type=content_type,
                                object_id=ticket.pk, name=name, size=upload.size, mime_type=mime)
        upload.seek(0)
        attachment.file.save(_storage_name(name, kind), upload, save=False)
        attachment.save()
    return refused


def _message_fields(parsed: Parsed, refused: list[str]) -> dict:
    body = parsed.text or html_to_text(parsed.html) or _("(message sans texte)")
    if refused:
        body += "\n\n" + _("Pièces jointes non conservées (gardées dans l'e-mail d'origine) :") + "\n- " \
            + "\n- ".join(refused)
    return {
        "kind": MessageKind.INBOUND, "from_email": parsed.from_email, "subject": parsed.subject,
        "body": body[:50000], "body_html": nh3.clean(parsed.html)[:200000] if parsed.html else "",
        "message_id": parsed.message_id, "in_reply_to": (parsed.in_reply_to or [""])[-1],
    }


def _kind_for(parsed: Parsed) -> str:
    from assura.core.search import normalize

    words = normalize(f"{parsed.subject} {parsed.text[:2000]}")
    return TicketKind.COMPLAINT if any(w in words for w in COMPLAINT_WORDS) else TicketKind.REQUEST


def _thread_into(ticket, parsed: Parsed):
    from assura.service.models import Ticket, TicketMessage
    from assura.service.services import _set_status

    list(Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list("pk"))
    ticket.refresh_from_db()
    refused = _store_attachments(ticket, parsed)
    TicketMessage.objects.create(organization_id=ticket.organization_id, ticket=ticket,
                                 **_message_fields(parsed, refused))
    now = timezone.now()
    if ticket.status == TicketStatus.WAITING_CUSTOMER:
        _set_status(ticket, TicketStatus.OPEN, None, now)
    elif ticket.status == TicketStatus.RESOLVED:
        _set_status(ticket, TicketStatus.REOPENED, None, now)
    ticket.save()
    if ticket.assignee_id:
        from assura.core.records import notify

        notify(user=ticket.assignee, kind="ticket.message",
               title=_("Nouveau message du client : %(ref)s") % {"ref": ticket.reference},
               body=parsed.subject, url=ticket.get_absolute_url())
    return ticket


def email_receive(*, organization_id, raw: bytes, source: str):
    """Process one received e-mail for one company. Never raises for bad mail: the outcome is
    the returned InboundEmail (created, threaded, ignored or quarantined)."""
    from assura.service.models import InboundEmail
    from assura.service.services import ticket_open

    record = InboundEmail(organization_id=organization_id, source=source, raw=raw[:MAX_RAW_BYTES], size=len(raw))
    if len(raw) > MAX_RAW_BYTES:
        record.status, record.reason = InboundStatus.QUARANTINED, _("Message trop volumineux.")
        record.save()
        return record
    try:
        parsed = parse(raw)
    except Unparseable as exc:
        record.status, record.reason = InboundStatus.QUARANTINED, str(exc)[:300] or _("Message illisible.")
        record.save()
        return record
    record.from_email, record.subject, record.message_id = parsed.from_email[:254], parsed.subject[:250], \
        parsed.message_id
    reason = is_automatic(parsed, own_addresses=_own_addresses(organization_id))
    if not reason:
        since = timezone.now() - dt.timedelta(hours=1)
        if InboundEmail.objects.filter(organization_id=organization_id, from_email=parsed.from_email,
                                       received_at__gte=since).count() >= BURST_LIMIT:
            reason = _("Boucle : trop de messages de cet expéditeur en une heure")
    if not reason and parsed.message_id and InboundEmail.objects.filter(
            organization_id=organization_id, message_id=parsed.message_id,
            status__in=[InboundStatus.CREATED, InboundStatus.THREADED]).exists():
        reason = _("Déjà reçu (même Message-ID)")
    if reason:
        record.status, record.reason = InboundStatus.IGNORED, str(reason)[:300]
        record.save()
        return record
    try:
        with transaction.atomic():
            ticket = find_thread(organization_id, parsed)
            if ticket is not None and ticket.status != TicketStatus.CLOSED:
                record.ticket = _thread_into(ticket, parsed)
                record.status = InboundStatus.THREADED
            else:
                customer = _customer_for(organization_id, parsed)
                lead = None if customer else _lead_for(organization_id, parsed)
                description = parsed.text or html_to_text(parsed.html)
                if ticket is not None:
                    description = _("Suite du ticket clos %(ref)s.") % {"ref": ticket.reference} + "\n\n" + description
                data = {"kind": _kind_for(parsed), "channel": TicketChannel.EMAIL,
                        "subject": REFERENCE.sub("", parsed.subject).strip(" :-") or _("(sans objet)"),
                        "description": description[:20000], "customer_email": parsed.from_email,
                        "customer_name": parsed.from_name, **customer}
                created = ticket_open(organization_id=organization_id, data=data, lead=lead,
                                      message=_message_fields(parsed, []), acknowledge=False)
                refused = _store_attachments(created, parsed)
                if refused:
                    msg = created.messages.get()
                    msg.body += "\n\n" + _("Pièces jointes non conservées (gardées dans l'e-mail d'origine) :") \
                        + "\n- " + "\n- ".join(refused)
                    msg.save(update_fields=["body"])
                from assura.service.services import acknowledgement_queue

                acknowledgement_queue(ticket=created)
                record.ticket = created
                record.status = InboundStatus.CREATED
            record.save()
    except ValidationError as exc:
        record.ticket = None
        record.status, record.reason = InboundStatus.QUARANTINED, " ".join(exc.messages)[:300]
        record.save()
    except Exception as exc:  # nothing lost: the raw message waits in quarantine
        logger.exception("Inbound e-mail for organization %s failed", organization_id)
        record.ticket = None
        record.status, record.reason = InboundStatus.QUARANTINED, f"{type(exc).__name__}: {exc}"[:300]
        record.save()
    return record


# --- IMAP polling --------------------------------------------------------------------------------------

class MailboxClient(Protocol):
    """What the poller needs from a mailbox; ImapMailbox is the real one (imaplib)."""

    def unseen(self) -> list[tuple[bytes, bytes]]: ...  # [(uid, raw message)]
    def mark_seen(self, uid: bytes) -> None: ...
    def close(self) -> None: ...


class ImapMailbox:
    def __init__(self, *, host: str, port: int, user: str, password: str, folder: str = "INBOX", timeout: int = 30):
        self.conn = imaplib.IMAP4_SSL(host, port, timeout=timeout) if port == 993 else \
            imaplib.IMAP4(host, port, timeout=timeout)
        self.conn.login(user, password)
        self.conn.select(folder)

    def unseen(self, limit: int = 200) -> list[tuple[bytes, bytes]]:
        status, data = self.conn.uid("search", None, "UNSEEN")
        if status != "OK":
            return []
        found = []
        for uid in (data[0] or b"").split()[:limit]:
            status, parts = self.conn.uid("fetch", uid, "(BODY.PEEK[])")
            if status == "OK" and parts and isinstance(parts[0], tuple):
                found.append((uid, parts[0][1]))
        return found

    def mark_seen(self, uid: bytes) -> None:
        self.conn.uid("store", uid, "+FLAGS", "(\\Seen)")

    def close(self) -> None:
        try:
            self.conn.close()
            self.conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def mailbox_poll(*, conf, client: MailboxClient) -> int:
    """Read every unseen message of one company's mailbox; each is marked seen once stored."""
    count = 0
    try:
        for uid, raw in client.unseen():
            email_receive(organization_id=conf.organization_id, raw=raw, source="imap")
            client.mark_seen(uid)
            count += 1
    finally:
        client.close()
    return count


def mailboxes_poll(*, connect=None) -> int:
    """Poll every company that configured a mailbox (the beat task)."""
    from assura.service.models import ServiceSettings

    connect = connect or (lambda c: ImapMailbox(host=c.imap_host, port=c.imap_port, user=c.imap_user,
                                                password=c.imap_password, folder=c.imap_folder))
    total = 0
    for conf in ServiceSettings.objects.exclude(imap_host=""):
        try:
            total += mailbox_poll(conf=conf, client=connect(conf))
        except (OSError, imaplib.IMAP4.error) as exc:
            logger.warning("IMAP mailbox of organization %s: %s", conf.organization_id, exc)
    return total

