"""The generic data table: declared columns, server-side sort and pagination.

A module declares `class AgencyTable(Table): columns = [Column("number", _("N°"), link=True), ...]`;
`core/partials/_table.html` renders any table. Sorting is whitelisted by the columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.template.loader import render_to_string


@dataclass
class Column:
    name: str
    label: Any
    sortable: bool = True
    order_by: str | None = None  # the ORM path used to sort, defaults to `name`
    link: bool = False  # render as a link to obj.get_absolute_url()
    template: str | None = None  # a partial receiving `obj` and `value`
    css: str = ""

    def value(self, obj):
        value = obj
        for part in self.name.split("__"):
            if value is None:
                return None
            display = getattr(value, f"get_{part}_display", None)
            value = display() if callable(display) else getattr(value, part, None)
            if callable(value) and not hasattr(value, "all"):
                value = value()
        return value

    def render(self, obj):
        value = self.value(obj)
        if self.template:
            return render_to_string(self.template, {"obj": obj, "value": value})
        return value


class Table:
    columns: list[Column] = []
    default_ordering: str | None = None
    per_page: int = 25
    empty_message: Any = None

    def __init__(self, queryset, request, *, per_page: int | None = None):
        self.request = request
        self.ordering = self._ordering(request.GET.get("ordering"))
        if self.ordering:
            key = self.ordering.lstrip("-")
            desc = self.ordering.startswith("-")
            col = next(c for c in self.columns if c.name == key)
            path = col.order_by or col.name
            queryset = queryset.order_by(f"-{path}" if desc else path, "-pk" if desc else "pk")
        self.paginator = Paginator(queryset, per_page or self.per_page)
        self.page = self.paginator.get_page(request.GET.get("page"))

    def _ordering(self, value):
        allowed = {c.name for c in self.columns if c.sortable}
        if value and value.lstrip("-") in allowed:
            return value
        return self.default_ordering

    @property
    def rows(self):
        for obj in self.page.object_list:
            yield obj, [(col, col.render(obj)) for col in self.columns]

    def header(self):
        for col in self.columns:
            state = None
            if self.ordering and self.ordering.lstrip("-") == col.name:
                state = "desc" if self.ordering.startswith("-") else "asc"
            next_order = f"-{col.name}" if state == "asc" else col.name
            yield col, state, next_order

    def querystring(self, **changes) -> str:
        params = self.request.GET.copy()
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return params.urlencode()
