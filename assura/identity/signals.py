"""Authentication events land in the audit log. Django's and allauth's auth signals are
the only hooks for them (failed sign-ins happen inside the authentication backends,
sign-up and 2FA inside allauth's flows), so this is the one place signals are used,
and they only record."""

from allauth.account.signals import password_changed, password_reset, user_signed_up
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from assura.core.audit import audit_record
from assura.core.models import AuditAction


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    audit_record(action=AuditAction.LOGIN, actor=user, request=request)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    email = (credentials.get("email") or credentials.get("username") or "")[:254]
    known = (
        get_user_model().objects.filter(email__iexact=email).select_related("organization").first() if email else None
    )
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        organization=getattr(known, "organization", None),
        actor_email=email,
        request=request,
        data={"known_account": known is not None},
    )


@receiver(user_signed_up)
def on_signup(sender, request, user, **kwargs):
    audit_record(action=AuditAction.SIGNUP, actor=user, request=request)


@receiver(password_reset)
@receiver(password_changed)
def on_password(sender, request, user, **kwargs):
    audit_record(action=AuditAction.PASSWORD_RESET, actor=user, request=request)


@receiver(authenticator_added)
@receiver(authenticator_removed)
def on_mfa(sender, request, user, authenticator, **kwargs):
    added = kwargs.get("signal") is authenticator_added
    audit_record(
        action=AuditAction.MFA_CHANGED, actor=user, request=request, data={"type": authenticator.type, "added": added}
    )
