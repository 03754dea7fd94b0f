"""API building blocks: tenant-scoped viewsets, the action permission, pagination, errors.

(Settings-level pieces only: viewsets live in core/viewsets.py, to avoid an import
cycle with DRF's settings.) A module's viewset declares `model`, `serializer_class`, `filterset_class` and
`required_actions`; it reads through `visible_to(user)` so another company's object
is a 404, and a role without the action gets 403 before anything changes.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.core.paginator import Page as DjangoPage
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, filters, pagination, permissions
from rest_framework.response import Response

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


class _ApiPage(DjangoPage):
    def __init__(self, object_list, number, paginator, *, has_more: bool):
        super().__init__(object_list, number, paginator)
        self.has_more = has_more

    def has_next(self):
        return self.has_more

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


class CappedApiPaginator(DjangoPaginator):
    """Pages of the API without counting a million rows (ADR 0006): a page reads one row more
    than it shows to know whether another follows; the total is exact up to `cap` (and known
    without a count query on the last page), else reported as capped. Any page stays reachable."""

    cap = 10_000

    def __init__(self, object_list, per_page, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_capped = False
        self._total = None

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(_("Ce numéro de page n'est pas un entier.")) from None
        if number < 1:
            raise EmptyPage(_("Ce numéro de page est inférieur à 1."))
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom:bottom + self.per_page + 1])
        has_more = len(rows) > self.per_page
        rows = rows[:self.per_page]
        if not rows and number > 1:
            raise EmptyPage(_("Cette page ne contient aucun résultat."))
        if not has_more:
            self._total = bottom + len(rows)
        elif bottom + len(rows) + 1 > self.cap:
            self._total, self.count_capped = self.cap, True
        return _ApiPage(rows, number, self, has_more=has_more)

    @property
    def count(self):
        if self._total is None:
            rows = self.object_list
            # Ordering does not change a count and would make the database sort every matching row.
            counted = rows.order_by()[:self.cap + 1].count() if isinstance(rows, QuerySet) else len(rows)
            self._total, self.count_capped = min(counted, self.cap), counted > self.cap
        return self._total


class StandardPagination(pagination.PageNumberPagination):
    """`count`, `next`, `previous`, `results` (ARCHITECTURE.md), plus `count_capped`: true when
    more than 10,000 rows match, `count` then being 10,000. `next` is exact at any depth."""

    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = CappedApiPaginator

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response({
            "count": paginator.count,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
            "count_capped": paginator.count_capped,
        })

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_capped"] = {
            "type": "boolean", "example": False,
            "description": "Plus de 10 000 résultats : `count` vaut alors 10 000 (affinez les filtres ou "
                           "suivez `next`).",
        }
        response["required"] = [*response.get("required", []), "count_capped"]
        return response


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
