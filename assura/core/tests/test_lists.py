"""Generic list pages: bulk actions (permissions, scoping, filters re-applied), saved views,
page size, the capped count and deep pages, query counts.

The lists here are test-only declarations on Agency (the routes below are mounted for
this module with `pytest.mark.urls`), the way a module declares its own list."""

from __future__ import annotations

import html
import re

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from assura.core import bulk
from assura.core.models import AuditAction, AuditEvent, SavedView
from assura.core.reference import WILAYA_CHOICES
from assura.core.testing import factories as f
from assura.core.tests.factories import SavedViewFactory
from assura.core.views import TenantListView
from assura.identity.filters import AgencyFilterSet
from assura.identity.models import Agency
from assura.identity.tables import AgencyTable


class BulkAgencyListView(TenantListView):
    model = Agency
    required_action = "agencies.view"
    table_class = AgencyTable
    filterset_class = AgencyFilterSet
    select_related = ("region",)
    bulk_actions = ["close", "set_wilaya", "delete", "not_registered"]


class CappedAgencyTable(AgencyTable):
    count_cap = 3
    per_page = 2
    per_page_choices = (2, 4)


class CappedAgencyListView(BulkAgencyListView):
    table_class = CappedAgencyTable
    bulk_actions = []


class PlainAgencyListView(TenantListView):
    model = Agency
    required_action = "agencies.view"
    table_class = AgencyTable
    saved_views = False


urlpatterns = [
    path("test/agencies/", BulkAgencyListView.as_view(), name="test_agency_list"),
    path("test/agencies/capped/", CappedAgencyListView.as_view(), name="test_agency_capped"),
    path("test/agencies/plain/", PlainAgencyListView.as_view(), name="test_agency_plain"),
    path("", include("config.urls")),
]

pytestmark = pytest.mark.urls(__name__)

LIST = "/test/agencies/"


# --- Test-only bulk actions on Agency (an app registers its own in AppConfig.ready) ----------------

class WilayaForm(bulk.BulkActionForm):
    wilaya = forms.ChoiceField(label="Wilaya", choices=[("", "—"), *WILAYA_CHOICES])


received: list[list[int]] = []


def close_agencies(user, queryset, cleaned_data):
    received.append(sorted(queryset.values_list("pk", flat=True)))
    return queryset.update(is_active=False)


def set_wilaya(user, queryset, cleaned_data):
    return queryset.update(wilaya=cleaned_data["wilaya"])


def close_then_fail(user, queryset, cleaned_data):
    queryset.update(is_active=False)
    raise ValidationError("Une agence au moins doit rester ouverte.")


@pytest.fixture(autouse=True)
def bulk_registry(monkeypatch):
    monkeypatch.setattr(bulk, "_ACTIONS", dict(bulk._ACTIONS))
    received.clear()
    bulk.register_bulk_action("close", "Fermer", "agencies.manage", None, close_agencies, model=Agency)
    bulk.register_bulk_action("set_wilaya", "Changer de wilaya", "agencies.manage", WilayaForm, set_wilaya,
                              model="identity.Agency")


@pytest.fixture
def agencies(org):
    """Three agencies of the admin's company in Alger (16), two in Oran (31)."""
    algiers = [f.AgencyFactory(organization=org, number=f"016-10{i}", name=f"Alger {i}", wilaya="16")
               for i in range(3)]
    oran = [f.AgencyFactory(organization=org, number=f"031-10{i}", name=f"Oran {i}", wilaya="31") for i in range(2)]
    return algiers, oran


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def text(response) -> str:
    return html.unescape(response.content.decode())


def open_ids(org) -> list[str]:
    return sorted(Agency.objects.filter(organization=org, is_active=True).values_list("number", flat=True))


# --- Bulk actions: what the page offers --------------------------------------------------------------

def test_list_offers_the_registered_actions_the_user_may_run(client, admin, agencies):
    client.force_login(admin)

    body = client.get(LIST).content.decode()

    options = re.findall(r'<option value="([a-z_]+)"', body.split('id="bulk-action"')[1].split("</select>")[0])
    assert options == ["close", "set_wilaya", "delete"]  # declared order; the unregistered key is left out
    assert body.count('name="ids"') == 6  # five agencies + the fixture's
    assert 'data-bulk-select-all' in body
    assert 'name="bulk-set_wilaya-wilaya"' in body


def test_a_role_without_any_action_gets_no_checkboxes(client, agent, agencies):
    client.force_login(agent)

    body = client.get(LIST).content.decode()

    assert 'name="ids"' not in body
    assert 'id="bulk-form"' not in body


def test_an_editor_does_not_see_delete(client, editor, agencies, monkeypatch):
    bulk.register_bulk_action("close", "Fermer", None, None, close_agencies, model=Agency)
    client.force_login(editor)

    body = client.get(LIST).content.decode()

    assert '<option value="close"' in body
    assert '<option value="delete"' not in body


# --- Bulk actions: running them ---------------------------------------------------------------------

def test_admin_closes_the_ticked_agencies(client, admin, org, agencies):
    algiers, oran = agencies
    client.force_login(admin)

    response = client.post(LIST, {"bulk_action": "close", "ids": [algiers[0].pk, oran[1].pk]})

    assert response.status_code == 302
    assert response["Location"] == LIST
    assert flash(response) == ["2 enregistrements modifiés."]
    assert open_ids(org) == ["016-001", "016-101", "016-102", "031-100"]


def test_a_role_without_the_action_gets_403_and_nothing_changes(client, agent, org, agencies):
    algiers, _oran = agencies
    client.force_login(agent)

    response = client.post(LIST, {"bulk_action": "close", "ids": [a.pk for a in algiers]})

    assert response.status_code == 403
    assert received == []
    assert len(open_ids(org)) == 6


def test_ids_of_another_company_are_ignored(client, admin, org, other_admin, agencies):
    algiers, _oran = agencies
    foreign = f.AgencyFactory(organization=other_admin.organization, number="031-900")
    client.force_login(admin)

    response = client.post(LIST, {"bulk_action": "close", "ids": [algiers[0].pk, foreign.pk]})

    assert flash(response) == ["1 enregistrement modifié."]
    assert received == [[algiers[0].pk]]
    foreign.refresh_from_db()
    assert foreign.is_active is True


def test_only_ids_of_another_company_change_nothing(client, admin, org, other_admin, agencies):
    foreign = f.AgencyFactory(organization=other_admin.organization, number="031-900")
    client.force_login(admin)

    response = client.post(LIST, {"bulk_action": "close", "ids": [foreign.pk]})

    assert flash(response) == ["Sélectionnez au moins un enregistrement."]
    assert received == []
    foreign.refresh_from_db()
    assert foreign.is_active is True


def test_the_list_filters_are_applied_again_to_the_ticked_ids(client, admin, org, agencies):
    algiers, oran = agencies
    client.force_login(admin)

    response = client.post(f"{LIST}?wilaya=16", {"bulk_action": "close", "ids": [algiers[0].pk, oran[0].pk]})

    assert response["Location"] == f"{LIST}?wilaya=16"
    assert received == [[algiers[0].pk]]
    assert open_ids(org) == ["016-001", "016-101", "016-102", "031-100", "031-101"]


def test_all_matching_the_filters_reaches_rows_beyond_the_page(client, admin, org, agencies):
    algiers, _oran = agencies
    extra = [f.AgencyFactory(organization=org, number=f"016-2{i:02d}", wilaya="16") for i in range(30)]
    client.force_login(admin)

    response = client.post(f"{LIST}?wilaya=16&page=2", {"bulk_action": "close", "select_all_matching": "1"})

    matching = {a.pk for a in [*algiers, *extra]} | {admin.agency.pk}  # the fixture's agency is in 16 too
    assert flash(response) == [f"{len(matching)} enregistrements modifiés."]
    assert set(received[0]) == matching
    assert open_ids(org) == ["031-100", "031-101"]


def test_invalid_filters_never_widen_a_bulk_action_to_the_whole_list(client, admin, org, other_admin, agencies):
    foreign_region = f.RegionFactory(organization=other_admin.organization)
    client.force_login(admin)

    response = client.post(f"{LIST}?region={foreign_region.pk}", {"bulk_action": "close",
                                                                    "select_all_matching": "1"})

    assert flash(response) == ["Les filtres de la liste sont invalides : corrigez-les avant l'action."]
    assert received == []
    assert len(open_ids(org)) == 6


def test_an_action_form_with_errors_is_shown_again_and_nothing_changes(client, admin, org, agencies):
    algiers, _oran = agencies
    client.force_login(admin)

    response = client.post(LIST, {"bulk_action": "set_wilaya", "ids": [algiers[0].pk], "bulk-set_wilaya-wilaya": ""})

    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="bulk-error-wilaya"' in body
    assert re.search(rf'value="{algiers[0].pk}" form="bulk-form" data-bulk-row [^>]*checked', body)
    assert '<option value="set_wilaya" selected' in body
    assert "Corrigez les champs de l'action « Changer de wilaya »." in text(response)
    assert Agency.objects.get(pk=algiers[0].pk).wilaya == "16"


def test_an_action_with_a_form_uses_its_cleaned_data(client, admin, org, agencies):
    algiers, _oran = agencies
    client.force_login(admin)

    client.post(LIST, {"bulk_action": "set_wilaya", "ids": [algiers[0].pk, algiers[1].pk],
                       "bulk-set_wilaya-wilaya": "31"})

    assert sorted(Agency.objects.filter(organization=org, wilaya="31").values_list("number", flat=True)) == [
        "016-100", "016-101", "031-100", "031-101"]


def test_a_validation_error_undoes_everything_the_handler_did(client, admin, org, agencies):
    algiers, _oran = agencies
    bulk.register_bulk_action("close", "Fermer", "agencies.manage", None, close_then_fail, model=Agency)
    client.force_login(admin)

    response = client.post(LIST, {"bulk_action": "close", "ids": [a.pk for a in algiers]})

    assert flash(response) == ["Une agence au moins doit rester ouverte."]
    assert len(open_ids(org)) == 6


def test_a_selection_larger_than_the_action_allows_is_refused(client, admin, org, agencies):
    bulk.register_bulk_action("close", "Fermer", "agencies.manage", None, close_agencies, model=Agency,
                              max_records=4)
    client.force_login(admin)

    response = client.post(LIST, {"bulk_action": "close", "select_all_matching": "1"})

    assert flash(response) == ["Plus de 4 enregistrements sélectionnés : affinez les filtres."]
    assert received == []


@pytest.mark.parametrize("action", ["", "not_registered", "export_everything"])
def test_an_unknown_or_undeclared_action_changes_nothing(client, admin, org, agencies, action):
    algiers, _oran = agencies
    client.force_login(admin)

    response = client.post(LIST, {"bulk_action": action, "ids": [algiers[0].pk]})

    assert response.status_code == 302
    assert flash(response) == ["Choisissez une action groupée."]
    assert len(open_ids(org)) == 6


def test_a_list_without_bulk_actions_refuses_posts(client, admin, agencies):
    algiers, _oran = agencies
    client.force_login(admin)

    response = client.post("/test/agencies/plain/", {"bulk_action": "delete", "ids": [algiers[0].pk]})

    assert response.status_code == 405
    assert Agency.objects.filter(pk=algiers[0].pk).exists()


def test_generic_delete_removes_the_records_with_one_audit_entry_each(client, admin, org, agencies):
    _algiers, oran = agencies
    client.force_login(admin)

    response = client.post(LIST, {"bulk_action": "delete", "ids": [a.pk for a in oran]})

    assert flash(response) == ["2 enregistrements supprimés."]
    assert not Agency.objects.filter(pk__in=[a.pk for a in oran]).exists()
    events = AuditEvent.objects.filter(organization=org, action=AuditAction.DELETION).order_by("object_id")
    assert [(e.object_type, e.object_id, e.object_repr, e.actor_id) for e in events] == [
        ("agency", str(a.pk), str(a), admin.pk) for a in oran
    ]


@pytest.mark.parametrize("role", ["editor", "supervisor", "agent"])
def test_generic_delete_needs_records_delete(client, request, org, agencies, role):
    user = request.getfixturevalue(role)
    _algiers, oran = agencies
    bulk.register_bulk_action("close", "Fermer", None, None, close_agencies, model=Agency)  # so the page has a form
    client.force_login(user)

    response = client.post(LIST, {"bulk_action": "delete", "ids": [a.pk for a in oran]})

    assert response.status_code == 403
    assert Agency.objects.filter(pk__in=[a.pk for a in oran]).count() == 2
    assert not AuditEvent.objects.filter(action=AuditAction.DELETION).exists()


def test_a_model_registration_wins_over_the_generic_one(agencies):
    def own_delete(user, queryset, cleaned_data):
        return 0

    bulk.register_bulk_action("delete", "Supprimer", "records.delete", None, own_delete, model=Agency)

    assert bulk.bulk_action_get(Agency, "delete").handler is own_delete
    assert bulk.bulk_action_get("identity.Region", "delete").handler is bulk._generic_delete


def test_registration_checks_the_permission_and_the_form():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        bulk.register_bulk_action("x", "X", "agencies.fly", None, close_agencies)
    with pytest.raises(ImproperlyConfigured):
        bulk.register_bulk_action("x", "X", None, forms.Form, close_agencies)


# --- Saved views -------------------------------------------------------------------------------------

def test_save_the_current_filters_under_a_name(client, admin, org):
    client.force_login(admin)

    response = client.post("/views/save/", {"list_key": "test_agency_list", "name": "  Agences   d'Oran ",
                                            "query": "wilaya=31&page=3&ordering=-name&q="})

    view = SavedView.objects.get()
    assert (view.user, view.organization, view.list_key, view.name, view.query) == (
        admin, org, "test_agency_list", "Agences d'Oran", "ordering=-name&wilaya=31")
    assert response["Location"] == f"{LIST}?ordering=-name&wilaya=31"
    assert flash(response) == ["Vue « Agences d'Oran » enregistrée."]


def test_saving_again_under_the_same_name_replaces_the_view(client, admin):
    client.force_login(admin)
    client.post("/views/save/", {"list_key": "test_agency_list", "name": "Oran", "query": "wilaya=31"})

    client.post("/views/save/", {"list_key": "test_agency_list", "name": "Oran", "query": "wilaya=31&is_active=true"})

    assert list(SavedView.objects.values_list("name", "query")) == [("Oran", "is_active=true&wilaya=31")]


@pytest.mark.parametrize(("data", "message"), [
    ({"list_key": "test_agency_list", "name": "   ", "query": "wilaya=31"}, "Donnez un nom à cette vue."),
    ({"list_key": "no_such:list", "name": "Oran", "query": "wilaya=31"}, "Cette liste n'existe pas."),
    ({"list_key": "test_agency_list", "name": "x" * 81, "query": ""},
     "Assurez-vous que cette valeur comporte au plus 80 caractères (actuellement 81)."),
    ({"list_key": "test_agency_list", "name": "Long", "query": "q=" + "a" * 1200},
     "Trop de filtres pour une vue enregistrée."),
])
def test_a_bad_saved_view_is_refused_with_a_message(client, admin, data, message):
    client.force_login(admin)

    response = client.post("/views/save/", data)

    assert response.status_code == 302
    assert flash(response) == [message]
    assert not SavedView.objects.exists()


def test_the_list_shows_only_my_saved_views_and_marks_the_active_one(client, admin, editor, org):
    mine = SavedViewFactory(organization=org, user=admin, list_key="test_agency_list", name="Oran",
                            query="wilaya=31")
    SavedViewFactory(organization=org, user=admin, list_key="identity:user_list", name="Autre liste")
    SavedViewFactory(organization=org, user=editor, list_key="test_agency_list", name="Celle de l'éditeur")
    client.force_login(admin)

    plain = client.get(LIST)
    filtered = client.get(f"{LIST}?wilaya=31&page=1")

    names = re.findall(r'data-testid="saved-view">\s*<a [^>]*>([^<]+)</a>', plain.content.decode())
    assert names == ["Oran"]
    assert f'href="{LIST}?wilaya=31"' in plain.content.decode()
    assert "Vue : Oran" in text(filtered)
    assert f'action="/views/{mine.pk}/delete/"' in filtered.content.decode()
    assert 'name="query" value="wilaya=31"' in filtered.content.decode()


def test_delete_my_saved_view(client, admin, org):
    view = SavedViewFactory(organization=org, user=admin, list_key="test_agency_list", name="Oran")
    client.force_login(admin)

    response = client.post(f"/views/{view.pk}/delete/")

    assert response["Location"] == LIST
    assert flash(response) == ["Vue « Oran » supprimée."]
    assert not SavedView.objects.exists()


def test_another_users_saved_view_is_404_and_stays(client, admin, editor, org):
    theirs = SavedViewFactory(organization=org, user=editor, list_key="test_agency_list", name="Oran")
    client.force_login(admin)

    response = client.post(f"/views/{theirs.pk}/delete/")

    assert response.status_code == 404
    assert SavedView.objects.filter(pk=theirs.pk).exists()


def test_saved_views_need_a_signed_in_member(client, org):
    response = client.post("/views/save/", {"list_key": "test_agency_list", "name": "Oran", "query": ""})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not SavedView.objects.exists()


def test_a_list_may_leave_saved_views_out(client, admin):
    client.force_login(admin)

    assert 'data-testid="saved-views"' not in client.get("/test/agencies/plain/").content.decode()


# --- Page size, capped count, deep pages ------------------------------------------------------------

def rows(response) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S).group(1)
    return re.findall(r'<a href="/agencies/\d+/">([^<]+)</a>', body)


def test_page_size_is_chosen_among_the_offered_sizes(client, admin, org):
    for i in range(60):
        f.AgencyFactory(organization=org, number=f"016-{200 + i}", wilaya="16")
    client.force_login(admin)

    assert len(rows(client.get(LIST))) == 25
    assert len(rows(client.get(f"{LIST}?per_page=50"))) == 50
    assert len(rows(client.get(f"{LIST}?per_page=100"))) == 61
    assert len(rows(client.get(f"{LIST}?per_page=7"))) == 25
    assert len(rows(client.get(f"{LIST}?per_page=abc"))) == 25
    body = text(client.get(f"{LIST}?per_page=50&wilaya=16"))
    assert "Page 1 / 2" in body
    assert "?per_page=100&wilaya=16" in body


def test_count_is_exact_up_to_the_cap(client, admin, org):
    f.AgencyFactory(organization=org, number="016-900")
    client.force_login(admin)

    body = text(client.get("/test/agencies/capped/"))

    assert "2 éléments" in body
    assert "Page 1 / 1" not in body  # one page: no pager


def test_count_beyond_the_cap_says_more_than_and_caps_deep_pages(client, admin, org):
    for i in range(6):
        f.AgencyFactory(organization=org, number=f"016-{900 + i}")
    client.force_login(admin)

    first = client.get("/test/agencies/capped/")
    deep = client.get("/test/agencies/capped/?page=99")

    assert "Plus de 3 éléments" in text(first)
    assert "Page 1 / 2+" in text(first)
    assert 'data-testid="depth-limit"' not in first.content.decode()
    assert rows(deep) == ["016-901", "016-902"]  # rows 3-4 (016-001 sorts first): the last reachable page
    assert "Page 2 / 2+" in text(deep)
    assert "Affinez les filtres pour voir les résultats suivants." in text(deep)


def test_the_count_query_is_limited_and_unordered(client, admin, org):
    for i in range(6):
        f.AgencyFactory(organization=org, number=f"016-{900 + i}")
    client.force_login(admin)

    with CaptureQueriesContext(connection) as ctx:
        client.get("/test/agencies/capped/?ordering=name")

    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper() and "identity_agency" in q["sql"]]
    assert len(counts) == 1
    assert "LIMIT 4" in counts[0]
    assert "ORDER BY" not in counts[0].upper()


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_rows_or_saved_views(client, admin, org):
    region = f.RegionFactory(organization=org)
    for i in range(4):
        f.AgencyFactory(organization=org, region=region, number=f"016-{300 + i}")
    client.force_login(admin)
    client.get(LIST)
    few = count_queries(client, LIST)
    for i in range(40):
        f.AgencyFactory(organization=org, region=f.RegionFactory(organization=org), number=f"031-{300 + i}")
    for i in range(5):
        SavedViewFactory(organization=org, user=admin, list_key="test_agency_list", name=f"Vue {i}")
    client.get(LIST)  # new agencies: the filter choices are read once more, then cached again

    many = count_queries(client, f"{LIST}?per_page=100")

    assert many == few
    assert many <= 15, many


def test_sort_page_and_size_links_keep_the_filters(client, admin, org):
    for i in range(30):
        f.AgencyFactory(organization=org, number=f"016-{200 + i}", wilaya="16")
    client.force_login(admin)

    body = html.unescape(client.get(f"{LIST}?wilaya=16&ordering=-name").content.decode())

    assert 'href="?wilaya=16&ordering=number"' in body  # sort by another column, back to page 1
    assert 'href="?wilaya=16&ordering=-name&page=2"' in body
    assert 'href="?wilaya=16&ordering=-name&per_page=50"' in body
    assert '<input type="hidden" name="ordering" value="-name" data-list-state>' in body  # kept by the filter form
    assert '"??' not in body


def test_a_saved_view_may_be_the_list_as_it_opens(client, admin):
    client.force_login(admin)

    response = client.post("/views/save/", {"list_key": "test_agency_list", "name": "Tout", "query": "page=4"})

    assert list(SavedView.objects.values_list("name", "query")) == [("Tout", "")]
    assert response["Location"] == LIST


def test_owner_filter_choices_follow_what_the_user_may_see(rf, org, agency, admin, supervisor, agent, other_admin):
    from assura.core.filters import owner_choices
    from assura.core.testing import factories as f

    colleague = f.UserFactory(organization=org, agency=agency, email="collegue@alliance.test")
    elsewhere = f.UserFactory(organization=org, agency=f.AgencyFactory(organization=org, number="031-002"),
                              email="oran@alliance.test", is_active=False)

    def choices(user):
        request = rf.get("/contacts/")
        request.user = user
        return set(owner_choices(request))

    everyone = {admin, supervisor, agent, colleague, elsewhere}
    assert everyone <= choices(supervisor) and other_admin not in choices(supervisor)
    # An Utilisateur picks among the people of their agency (and themselves), not the whole company.
    assert choices(agent) == {u for u in everyone if u.agency_id == agency.pk}
    assert elsewhere not in choices(agent) and agent in choices(agent)


def test_filter_choices_read_from_the_database_are_cached_until_the_model_changes(
        client, admin, org, agency, django_assert_max_num_queries):
    from assura.core.testing import factories as f

    client.force_login(admin)
    first = client.get("/contacts/").content.decode()
    with django_assert_max_num_queries(8) as captured:
        again = client.get("/contacts/").content.decode()
    import re

    def without_tokens(html: str) -> str:
        return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", html)

    assert without_tokens(again) == without_tokens(first)  # without reading people, agencies… again
    assert not any("identity_agency" in q["sql"] and "ORDER BY" in q["sql"] for q in captured.captured_queries)

    newcomer = f.UserFactory(organization=org, agency=agency, first_name="Nouvelle", last_name="Recrue")
    f.AgencyFactory(organization=org, number="031-777", name="Oran Est")

    page = client.get("/contacts/").content.decode()
    assert f'<option value="{newcomer.pk}">Nouvelle Recrue</option>' in page
    assert "031-777 – Oran Est</option>" in page
