"""Reads of the identity app, always scoped to what the user may see."""

from __future__ import annotations

from django.db.models import Count, Q

from assura.core.models import AuditEvent, Job, JobStatus
from assura.identity.choices import UserStatus
from assura.identity.models import Agency, ApiToken, User


def user_list(*, user):
    return (
        User.objects.visible_to(user)
        .select_related("agency", "invitation")
        .prefetch_related("permission_groups")
    )


def workspace_counts(*, user) -> dict[str, int]:
    """The figures of the administrator's home, in one query per table."""
    people = User.objects.visible_to(user).aggregate(
        active=Count("pk", filter=Q(status=UserStatus.ACTIVE)),
        invited=Count("pk", filter=Q(status=UserStatus.INVITED)),
        deactivated=Count("pk", filter=Q(status=UserStatus.DEACTIVATED)),
    )
    agencies = Agency.objects.visible_to(user).aggregate(
        total=Count("pk"), active=Count("pk", filter=Q(is_active=True))
    )
    jobs_running = Job.objects.visible_to(user).filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).count()
    return {
        "users_active": people["active"],
        "users_invited": people["invited"],
        "users_deactivated": people["deactivated"],
        "agencies": agencies["total"],
        "agencies_active": agencies["active"],
        "jobs_running": jobs_running,
    }


def user_recent_events(*, user, subject: User, limit: int = 20):
    return (
        AuditEvent.objects.visible_to(user)
        .filter(Q(object_type="user", object_id=str(subject.pk)) | Q(actor=subject))
        .select_related("actor")[:limit]
    )


def token_list(*, user):
    return ApiToken.objects.filter(user=user)


def recent_jobs(*, user, limit: int = 5):
    return Job.objects.visible_to(user).filter(created_by=user)[:limit]
