"""Liveness and readiness probes."""

import pytest

from assura.core import views_health


@pytest.mark.django_db
def test_readyz_is_ready_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_answers_503_when_the_broker_is_unreachable(client, monkeypatch):
    # A real connection attempt, to a port where nothing listens.
    monkeypatch.setattr(views_health, "broker_url", lambda: "redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")


def test_healthz_needs_no_database(client):
    assert client.get("/healthz").json() == {"status": "ok"}
