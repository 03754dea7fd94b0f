"""Satisfaction survey (CSAT): after resolution an e-mail with a signed link that needs no
login. The link names the ticket and its company, signed with the project's secret
(django.core.signing, salted); a tampered or expired link is refused and an answered one
cannot be answered again."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

SALT = "assura.service.csat"
MAX_AGE = 60 * 60 * 24 * 30  # 30 days


def survey_token(ticket) -> str:
    return signing.dumps({"t": ticket.pk, "o": ticket.organization_id}, salt=SALT, compress=True)


def survey_url(ticket) -> str:
    return f"{settings.SITE_URL}{reverse('service:survey', args=[survey_token(ticket)])}"


def ticket_from_token(token: str):
    """The ticket a valid link names, or None (tampered, expired, unknown)."""
    from assura.service.models import Ticket

    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except (signing.BadSignature, signing.SignatureExpired, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    return Ticket.objects.filter(pk=data.get("t"), organization_id=data.get("o")).first()


def survey_queue(*, ticket) -> bool:
    """E-mail the survey after the resolution commits (once per ticket)."""
    from assura.service.mail import send_plain
    from assura.service.models import Ticket
    from assura.service.services import settings_for

    if not ticket.customer_email or ticket.csat_sent_at or ticket.csat_at \
            or not settings_for(ticket.organization_id).send_survey:
        return False
    Ticket.objects.filter(pk=ticket.pk).update(csat_sent_at=timezone.now())
    url = survey_url(ticket)
    body = "\n".join([
        _("Bonjour %(name)s,") % {"name": ticket.customer_name},
        "",
        _("Votre demande %(ref)s « %(subject)s » a été traitée.") % {"ref": ticket.reference,
                                                                      "subject": ticket.subject},
        _("Êtes-vous satisfait(e) de notre réponse ? Donnez-nous votre avis en un clic (1 à 5) :"),
        url, "", _("Le service client"),
    ])
    subject = f"[{ticket.reference}] " + _("Votre avis sur notre réponse")
    transaction.on_commit(lambda: send_plain(organization_id=ticket.organization_id, to=ticket.customer_email,
                                             subject=subject, body=body, ticket_reference=ticket.reference))
    return True


@transaction.atomic
def survey_answer(*, token: str, score, comment: str = ""):
    """Record the customer's rating (1–5) once. ValidationError for a bad link, a second
    answer or a bad score — nothing changes then."""
    from assura.service.models import Ticket

    ticket = ticket_from_token(token)
    if ticket is None:
        raise ValidationError({"token": [_("Ce lien d'enquête n'est pas valide ou a expiré.")]})
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationError({"score": [_("Choisissez une note de 1 à 5.")]})
    comment = (comment or "").strip()[:2000]
    done = Ticket.objects.filter(pk=ticket.pk, csat_at__isnull=True).update(
        csat_score=score, csat_comment=comment, csat_at=timezone.now())
    if not done:
        raise ValidationError({"token": [_("Vous avez déjà répondu à cette enquête. Merci !")]})
    ticket.refresh_from_db()
    return ticket
