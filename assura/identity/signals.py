"""Sign-in events land in the audit log. Django's auth signals are the only hook for
them (failed sign-ins happen inside the authentication backends), so this is the one
place signals are used, and they only record."""

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
    known = get_user_model().objects.filter(email__iexact=email).select_related("organization").first() if email else None
    audit_record(
        action=AuditAction.LOGIN_FAILED, organization=getattr(known, "organization", None),
        actor_email=email, request=request, data={"known_account": known is not None},
    )
