"""Writing the audit log. Every security-relevant service calls `audit_record`."""

from __future__ import annotations

from typing import Any

from assura.core.models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor=None,
    organization=None,
    target=None,
    request=None,
    actor_email: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    if organization is None and actor is not None:
        organization = getattr(actor, "organization", None)
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_email=(actor_email or getattr(actor, "email", "") or "")[:254],
        action=action,
        object_type=target._meta.model_name if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""),
        data=data or {},
    )
