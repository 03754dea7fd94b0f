"""Lists of a restricted scope (an Utilisateur sees their own and their agency's records):
the rows are found first, then sorted.

`visible_to` gives such a user `organization = … AND (owner = me OR agency = mine)`. Sorted by
name with a LIMIT, PostgreSQL walks the company's name index and filters every row — tens of
thousands of rows read for a page of 100 at a million contacts (190 ms measured). The rows the
user may see are few and both halves of the OR are indexed: reading their ids first (one
bitmap scan, no sort) and then sorting only those (`id = ANY(array)`, one parameter) costs a
few milliseconds. It is exact: when the scope holds more than `cap` rows the list is left as
it was. PostgreSQL only (SQLite plans these lists well and has no array type).

Used by the API lists that opt in (`narrow_restricted = True` on the viewset: contacts, accounts),
whose pages of 100 rows sorted by name are where the walk hurts (Utilisateur p50 280 → 200 ms
measured at a million contacts). Not by the HTML tables: their pages of 25 rows stop the walk
early and the extra round trips made them slower (measured), so they keep the plain query.
"""

from __future__ import annotations

from django.db import connection, models
from django.db.models import Lookup, QuerySet

from assura.core.permissions import user_can

NARROW_CAP = 10_000


@models.AutoField.register_lookup
@models.BigAutoField.register_lookup
class AnyLookup(Lookup):
    """`pk__any=[…]`: `pk = ANY(%s)` with the list as one array parameter on PostgreSQL (Django's
    `__in` writes one placeholder per value: 10,000 of them to build, send and plan)."""

    lookup_name = "any"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [int(v) for v in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]

    def get_prep_lookup(self):
        return list(self.rhs)


def narrowed(queryset, *, user, cap: int = NARROW_CAP):
    """`queryset` limited to its own rows' ids when the user's scope is restricted and holds at
    most `cap` rows (same rows, same order, found the fast way); else `queryset` unchanged."""
    if connection.vendor != "postgresql" or not isinstance(queryset, QuerySet) \
            or user_can(user, "records.read_all"):
        return queryset
    ids = list(queryset.order_by().values_list("pk", flat=True)[:cap + 1])
    if len(ids) > cap:
        return queryset
    return queryset.filter(pk__any=ids)
