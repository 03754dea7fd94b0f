"""Fixtures of the service desk tests (the real SMTP server `smtp` is shared: assura/core/testing/smtp.py)."""

from __future__ import annotations

import pytest

from assura.service.tests.factories import CategoryFactory, SlaPolicyFactory, TeamFactory


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
