"""API building blocks: tenant-scoped viewsets, the action permission, pagination, errors.

(Settings-level pieces only: viewsets live in core/viewsets.py, to avoid an import
cycle with DRF's settings.) A module's viewset declares `model`, `serializer_class`, `filterset_class` and
`required_actions`; it reads through `visible_to(user)` so another company's object
is a 404, and a role without the action gets 403 before anything changes.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, filters, pagination, permissions

from assura.core.permissions import user_can


class IsWorkspaceMember(permissions.BasePermission):
    """Authenticated, active, member of a company; and allowed the view's action."""

    message = _("Vous n'avez pas la permission d'effectuer cette action.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.organization_id):
            return False
        actions = getattr(view, "required_actions", {}) or {}
        action = actions.get(getattr(view, "action", None) or request.method.lower(), actions.get("*"))
        return action is None or user_can(user, action)


class StandardPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class QuerySearchFilter(filters.SearchFilter):
    """`?q=` search over the view's `search_fields`."""

    search_param = "q"


def validation_error_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc, context):
    """Errors follow ARCHITECTURE.md: 400 `{"field": ["message"]}`; services' Django
    ValidationErrors become the same shape instead of a 500."""
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError) and isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return response



__all__ = ["IsWorkspaceMember", "StandardPagination", "QuerySearchFilter", "exception_handler"]
