"""Sign-in security: throttling of failed sign-ins, TOTP two-factor, deactivated sessions."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.test import Client

from assura.core.models import AuditEvent
from assura.core.testing.factories import PASSWORD
from assura.identity import services

pytestmark = pytest.mark.django_db


def totp_now(secret: str) -> str:
    """The code of the current 30-second step, taken early enough in the step that the
    server still checks it inside the same step (allauth accepts no clock drift)."""
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_failed_sign_ins_are_throttled_then_refused_even_with_the_right_password(agent):
    client = Client()
    for _ in range(5):
        response = sign_in(client, agent.email, "wrong-password")
        assert response.status_code == 200
    # allauth's login_failed limit (5 per 5 minutes per account) is reached: even the
    # right password is refused, with a message in French.
    response = sign_in(client, agent.email)
    assert response.status_code == 200
    assert "Trop de tentatives" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_email=agent.email).count() == 5


def test_totp_two_factor_activation_then_required_at_sign_in(agent, django_capture_on_commit_callbacks):
    client = Client()
    assert sign_in(client, agent.email).status_code == 302

    # Activation is a sensitive action: allauth asks for the password again first.
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/reauthenticate/")
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    # The page shows a secret; a wrong code is refused, a correct one turns TOTP on.
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert response.status_code == 200 and not Authenticator.objects.filter(user=agent).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/2fa/totp/activate/", {"code": totp_now(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists()
    events = AuditEvent.objects.filter(action="auth.mfa", actor=agent).order_by("id")
    assert [e.data for e in events] == [{"type": "totp", "added": True}, {"type": "recovery_codes", "added": True}]

    # Next sign-in: the password alone does not open a session.
    fresh = Client()
    response = sign_in(fresh, agent.email)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in fresh.session
    assert fresh.get("/home/").status_code == 302
    response = fresh.post("/accounts/2fa/authenticate/", {"code": totp_now(secret)})
    assert response.status_code == 302
    assert fresh.get("/home/").status_code == 200


def test_a_deactivated_users_open_session_stops_working(admin, agent):
    client = Client()
    sign_in(client, agent.email)
    assert client.get("/home/").status_code == 200

    services.user_deactivate(actor=admin, user=agent)

    response = client.get("/home/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = sign_in(other := Client(), agent.email)
    assert response["Location"] == "/accounts/inactive/"
    assert "_auth_user_id" not in other.session
