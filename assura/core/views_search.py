"""Pages of the global search (header box and full results) and of saved list views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic

from assura.core import globalsearch
from assura.core.models import SavedView
from assura.core.saved_views import list_url, saved_view_delete, saved_view_save
from assura.core.views import TenantObjectMixin, WorkspaceMixin

LIVE_LIMIT = 5
PAGE_LIMIT = 20


class SearchResultsView(WorkspaceMixin, generic.TemplateView):
    """Full results page, grouped by type: `/search/?q=…`."""

    template_name = "core/search/results.html"
    page_title = _("Recherche")
    limit = PAGE_LIMIT

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = globalsearch.clean_query(self.request.GET.get("q"))
        ctx["query"] = query
        ctx["too_short"] = 0 < len(query) < globalsearch.MIN_QUERY_LENGTH
        ctx["min_length"] = globalsearch.MIN_QUERY_LENGTH
        ctx["groups"] = globalsearch.search_all(user=self.request.user, query=query, limit=self.limit)
        ctx["total"] = sum(len(g.results) for g in ctx["groups"])
        return ctx


class SearchLiveView(SearchResultsView):
    """The header box's dropdown (HTMX): results as the user types, recently viewed records
    when the box is empty."""

    template_name = "core/search/_live.html"
    limit = LIVE_LIMIT

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if not ctx["query"]:
            ctx["recent"] = globalsearch.recent_views(user=self.request.user)
        return ctx


class SavedViewSaveView(WorkspaceMixin, generic.View):
    """Save the current filters and sort of a list under a name (POST), then show that list."""

    http_method_names = ["post"]

    def post(self, request):
        data = request.POST
        try:
            view = saved_view_save(user=request.user, list_key=data.get("list_key", ""), name=data.get("name", ""),
                                   query=data.get("query", ""))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            try:
                back = list_url(data.get("list_key", ""))
            except ValidationError:
                back = reverse("home")
            return HttpResponseRedirect(back)
        messages.success(request, _("Vue « %(name)s » enregistrée.") % {"name": view.name})
        return HttpResponseRedirect(_view_url(view))


class SavedViewDeleteView(TenantObjectMixin, generic.View):
    """Delete one of the user's saved views (another user's is a 404)."""

    model = SavedView
    http_method_names = ["post"]

    def post(self, request, pk):
        view = self.get_object()
        saved_view_delete(user=request.user, saved_view=view)
        messages.success(request, _("Vue « %(name)s » supprimée.") % {"name": view.name})
        try:
            return HttpResponseRedirect(list_url(view.list_key))
        except ValidationError:
            return HttpResponseRedirect(reverse("home"))


def _view_url(view: SavedView) -> str:
    url = list_url(view.list_key)
    return f"{url}?{view.query}" if view.query else url
