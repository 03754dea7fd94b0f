"""The generic data table: declared columns, server-side sort, page size and pagination.

A module declares `class AgencyTable(Table): columns = [Column("number", _("N°"), link=True), ...]`;
`core/partials/_table.html` renders any table. Sorting is whitelisted by the columns.

Counting and deep pages at a million rows — the decision (ADR 0006):

* The count is exact up to `count_cap` (1,000) and "plus de 1 000" beyond. It is one
  `SELECT COUNT(*) FROM (SELECT … LIMIT 1001)` on the filtered, visible rows, without
  the ORDER BY: the database stops after 1,001 rows whatever the table size.
  PostgreSQL's planner estimate (`pg_class.reltuples`) was rejected: it counts the whole
  table — every company, every role's visibility, no filter — so it would be wrong for
  every user, and SQLite has no equivalent.
* Pagination stays OFFSET-based (any column can be sorted, pages can be linked to), and
  the same cap bounds it: the deepest reachable page starts at row 1,000 (40 pages of 25,
  10 of 100). Past that, the page says to narrow the filters — nobody reads the 40,000th
  row of an unfiltered list; they search, filter or export.
* A search (`?q=`) reads its first 1,001 matches from the search index, then sorts those
  (`bound_search`): sorting every match lets the database walk the sort's index row by row,
  seconds for a rare phone number. Without a chosen sort, search results come newest first
  (`search_ordering`).
* Page size is chosen by the user among `per_page_choices` (`?per_page=50`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.template import Context
from django.template.base import render_value_in_context
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

EMPTY_CELL = '<span class="text-body-secondary">—</span>'


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


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap + 1` rows and serves pages up to the cap."""

    def __init__(self, object_list, per_page, *, cap: int | None, **kwargs):
        self.cap = cap
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def _counted(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            # Ordering does not change a count and would force a sort of every matching row.
            rows = rows.order_by()
            return rows.count() if self.cap is None else rows[: self.cap + 1].count()
        return len(rows)

    @cached_property
    def is_capped(self) -> bool:
        return self.cap is not None and self._counted > self.cap

    @cached_property
    def count(self) -> int:
        return self.cap if self.is_capped else self._counted

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        # Beyond the cap the last reachable page is a full page, not cut at the cap.
        if not self.is_capped and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.object_list[bottom:top], number, self)

    @cached_property
    def num_pages(self) -> int:
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        return max(1, math.ceil(self.count / self.per_page))


class Table:
    columns: list[Column] = []
    default_ordering: str | None = None
    search_ordering: str | None = None  # the order of search results (`?q=`) when no sort is chosen
    per_page: int = 25
    per_page_choices: tuple[int, ...] = (25, 50, 100)
    count_cap: int | None = 1_000
    empty_message: Any = None

    def __init__(self, queryset, request, *, per_page: int | None = None):
        self.request = request
        self.ordering = self._ordering(request.GET.get("ordering"))
        queryset = self.order(queryset)
        if self.count_cap and isinstance(queryset, QuerySet) and (request.GET.get("q") or "").strip():
            queryset = self.bound_search(queryset)
        self.per_page = self._per_page(request.GET.get("per_page"), per_page or self.per_page)
        self.paginator = CappedPaginator(queryset, self.per_page, cap=self.count_cap)
        self.page = self.paginator.get_page(request.GET.get("page"))
        # Set by list views offering bulk actions (see assura.core.bulk).
        self.bulk_actions: list = []
        self.selected_ids: set[int] = set()

    def bound_search(self, queryset):
        """A search lists (and sorts) at most its first `count_cap + 1` matches, found by the search
        index in one query without ORDER BY. Sorting all of a search's matches lets the database
        choose to walk the sort's index checking every row: fine for a common name, seconds for a
        phone number that matches once among a million. Beyond the cap the page says to refine."""
        ids = list(queryset.order_by().values_list("pk", flat=True)[: self.count_cap + 1])
        return queryset.filter(pk__in=ids)

    def order(self, queryset):
        """The queryset sorted by the requested (whitelisted) column, ties broken by pk."""
        if not self.ordering:
            return queryset
        key = self.ordering.lstrip("-")
        desc = self.ordering.startswith("-")
        col = next(c for c in self.columns if c.name == key)
        path = col.order_by or col.name
        return queryset.order_by(f"-{path}" if desc else path, "-pk" if desc else "pk")

    def _ordering(self, value):
        allowed = {c.name for c in self.columns if c.sortable}
        if value and value.lstrip("-") in allowed:
            return value
        if self.search_ordering and (self.request.GET.get("q") or "").strip():
            return self.search_ordering
        return self.default_ordering

    def _per_page(self, value, default: int) -> int:
        try:
            wanted = int(value)
        except (TypeError, ValueError):
            return default
        return wanted if wanted in self.page_sizes else default

    @property
    def page_sizes(self) -> list[int]:
        return sorted({*self.per_page_choices, type(self).per_page})

    @property
    def total(self) -> int:
        """Matching rows, capped at `count_cap` (see `total_is_capped`)."""
        return self.paginator.count

    @property
    def total_is_capped(self) -> bool:
        return self.paginator.is_capped

    @property
    def at_depth_limit(self) -> bool:
        """The last reachable page of a list longer than the cap."""
        return self.total_is_capped and not self.page.has_next()

    @property
    def rows(self):
        for obj in self.page.object_list:
            yield obj, [(col, col.render(obj)) for col in self.columns]

    def body_html(self) -> SafeString:
        """The page's `<tr>` rows, written here rather than by two nested template loops (most of a
        list page's time): each value is rendered exactly as `{{ value }}` would (localised,
        escaped), links and empty cells as `core/partials/_table.html` used to write them."""
        context = Context(autoescape=True)
        select = bool(self.bulk_actions)
        selected_all = getattr(self, "selected_all", False)
        lines = []
        for obj, cells in self.rows:
            parts = ["<tr>"]
            if select:
                checked = mark_safe(" checked") if selected_all or obj.pk in self.selected_ids else ""
                parts.append(format_html(
                    '<td class="app-select-col"><input class="form-check-input" type="checkbox" name="ids" '
                    'value="{}" form="bulk-form" data-bulk-row aria-label="{}"{}></td>',
                    obj.pk, _("Sélectionner %(name)s") % {"name": obj}, checked))
            for col, value in cells:
                url = obj.get_absolute_url() if col.link and hasattr(obj, "get_absolute_url") else None
                if url:
                    shown = "—" if value is None else render_value_in_context(value, context)
                    inner = format_html('<a href="{}">{}</a>', url, shown)
                elif value is None or value == "":
                    inner = EMPTY_CELL
                else:
                    inner = render_value_in_context(value, context)
                parts.append(f'<td class="{escape(col.css)}">{inner}</td>')
            parts.append("</tr>")
            lines.append("".join(parts))
        return mark_safe("\n".join(lines))  # noqa: S308 - every value above is escaped or format_html

    def header(self):
        for col in self.columns:
            state = None
            if self.ordering and self.ordering.lstrip("-") == col.name:
                state = "desc" if self.ordering.startswith("-") else "asc"
            next_order = f"-{col.name}" if state == "asc" else col.name
            yield col, state, next_order

    @property
    def colspan(self) -> int:
        return len(self.columns) + (1 if self.bulk_actions else 0)

    def querystring(self, **changes) -> str:
        params = self.request.GET.copy()
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return params.urlencode()
