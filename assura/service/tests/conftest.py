"""Fixtures of the service desk tests: a real SMTP server (aiosmtpd) on loopback, demo settings."""

from __future__ import annotations

import socket
import time
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from assura.service.tests.factories import CategoryFactory, SlaPolicyFactory, TeamFactory


class SmtpInbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"

    def wait(self, count: int = 1, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"expected {count} e-mails, got {len(self.messages)}"
        return self.messages


@pytest.fixture
def smtp(settings):
    inbox = SmtpInbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    yield inbox
    controller.stop()


@pytest.fixture
def desk(org, admin, agent, supervisor):
    """A company with a complaint category, a team led by the admin with the agent in it, and policies."""
    from assura.service.services import settings_for

    conf = settings_for(org.pk)
    conf.mailbox_address = "service.client@alliance.test"
    conf.save()
    complaint = CategoryFactory(organization=org, name="Indemnisation", keywords="indemnisation, remboursement")
    delay = CategoryFactory(organization=org, name="Retard d'indemnisation", parent=complaint)
    team = TeamFactory(organization=org, name="Indemnisations", kind="indemnisations", lead=admin)
    team.members.set([agent])
    general = SlaPolicyFactory(organization=org, name="Standard", first_response_hours=8, resolution_hours=40)
    strict = SlaPolicyFactory(organization=org, name="Réclamation", kind="reclamation", first_response_hours=4,
                              resolution_hours=85)
    return {"conf": conf, "category": complaint, "subcategory": delay, "team": team, "general": general,
            "complaint_policy": strict}
