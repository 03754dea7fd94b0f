"""Tenant-scoped DRF viewsets: querysets come from `visible_to(user)` (404 across
companies) and `required_actions` maps DRF actions to the permission matrix (403)."""

from rest_framework import viewsets

from assura.core.scoping import narrowed
from assura.core.serializing import speed_up


class TenantViewSetMixin:
    model = None
    required_actions: dict[str, str] = {}
    select_related: tuple[str, ...] = ()
    narrow_restricted = False  # lists of a restricted scope: ids first, then sort (core/scoping.py)

    def get_queryset(self):
        qs = self.model.objects.visible_to(self.request.user)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return qs.order_by(*(self.model._meta.ordering or ["pk"]))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.narrow_restricted and getattr(self, "action", None) == "list":
            queryset = narrowed(queryset, user=self.request.user)
        return queryset

    def get_serializer(self, *args, **kwargs):
        """Lists are written through the fast path of core/serializing.py (DRF's exact output)."""
        return speed_up(super().get_serializer(*args, **kwargs))


class TenantReadOnlyViewSet(TenantViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class TenantModelViewSet(TenantViewSetMixin, viewsets.ModelViewSet):
    """Writes go through services: subclasses implement `perform_create/update/destroy`
    calling the module's service, never `serializer.save()` with business rules."""

