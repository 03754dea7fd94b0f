"""Liveness and readiness probes."""

import pytest

from config.celery import app


@pytest.mark.django_db
def test_readyz_is_ready_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_answers_503_when_the_broker_is_unreachable(client, monkeypatch):
    for key in ("broker_url", "broker_write_url", "broker_read_url"):
        monkeypatch.setattr(app.conf, key, "redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")


def test_healthz_needs_no_database(client):
    assert client.get("/healthz").json() == {"status": "ok"}
