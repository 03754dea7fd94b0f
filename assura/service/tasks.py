"""Scheduled work of the service desk (thin: calls services)."""

from celery import shared_task


@shared_task(name="assura.service.tasks.sla_scan")
def sla_scan() -> dict:
    from assura.service.services import sla_scan as scan

    return scan()


@shared_task(name="assura.service.tasks.poll_mailboxes")
def poll_mailboxes() -> int:
    from assura.service.inbound import mailboxes_poll

    return mailboxes_poll()


@shared_task(name="assura.service.tasks.process_inbound")
def process_inbound(organization_id: int, raw_b64: str, source: str = "webhook") -> int:
    import base64

    from assura.service.inbound import email_receive

    return email_receive(organization_id=organization_id, raw=base64.b64decode(raw_b64), source=source).pk
