"""Saved views: a list's filters, sort and page size saved under a name by one user.

`list_key` is the list's URL name ("customers:contact_list"); the query is the list's
query string without the page number. A saved view belongs to its user only: the
selectors read through `SavedView.objects.visible_to(user)`, which another user (of the
same company or not) never sees — their saved view is a 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from assura.core.models import SavedView

# Never part of a saved view: the position in the list and the bulk selection.
TRANSIENT_PARAMS = ("page", "ids", "select_all_matching", "bulk_action", "csrfmiddlewaretoken")
QUERY_MAX_LENGTH = SavedView._meta.get_field("query").max_length


def saved_view_query(params: QueryDict | str) -> str:
    """The canonical query string of a list state (sorted keys, empty values and transient parameters dropped)."""
    if isinstance(params, str):
        params = QueryDict(params.lstrip("?"))
    kept = QueryDict(mutable=True)
    for key in sorted(params):
        if key in TRANSIENT_PARAMS:
            continue
        values = [v for v in params.getlist(key) if v != ""]
        if values:
            kept.setlist(key, values)
    return kept.urlencode()


def list_url(list_key: str) -> str:
    """The list page's path, or a ValidationError when the key names no list."""
    try:
        return reverse(list_key)
    except NoReverseMatch as exc:
        raise ValidationError({"list_key": [_("Cette liste n'existe pas.")]}) from exc


@transaction.atomic
def saved_view_save(*, user, list_key: str, name: str, query: str) -> SavedView:
    """Save the list state under `name`; saving again under the same name replaces it."""
    list_url(list_key)
    name = " ".join((name or "").split())
    query = saved_view_query(query or "")
    errors = {}
    if not name:
        errors["name"] = [_("Donnez un nom à cette vue.")]
    if len(query) > QUERY_MAX_LENGTH:
        errors["query"] = [_("Trop de filtres pour une vue enregistrée.")]
    if errors:
        raise ValidationError(errors)
    view = SavedView.objects.filter(user=user, list_key=list_key, name=name).first()
    if view is None:
        view = SavedView(organization_id=user.organization_id, user=user, list_key=list_key, name=name)
    view.query = query
    # An empty query is a valid view (the list as it opens); its length is checked above.
    view.full_clean(exclude=["query"])
    view.save()
    return view


@transaction.atomic
def saved_view_delete(*, user, saved_view: SavedView) -> None:
    if saved_view.user_id != user.pk:
        raise ValidationError(_("Cette vue ne vous appartient pas."))
    saved_view.delete()


def saved_views_for(*, user, list_key: str) -> list[SavedView]:
    return list(SavedView.objects.visible_to(user).filter(list_key=list_key).order_by("name"))
