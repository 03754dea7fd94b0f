"""The global search box and page (providers registered by apps; here test-only providers
on Agency and User), and the recently viewed records."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.db.models import Q
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from assura.core import globalsearch
from assura.core.globalsearch import Result
from assura.core.models import RecentView
from assura.core.records import recent_view_record
from assura.core.testing import factories as f
from assura.core.tests.factories import RecentViewFactory
from assura.core.views import TenantDetailView
from assura.identity.models import Agency, User


class TrackedAgencyView(TenantDetailView):
    model = Agency
    required_action = "agencies.view"
    template_name = "core/detail.html"
    record_recent_view = True


# Mounted for the tests marked `pytest.mark.urls(__name__)` below.
urlpatterns = [
    path("test/agencies/<int:pk>/", TrackedAgencyView.as_view(), name="test_agency_tracked"),
    path("", include("config.urls")),
]


# --- Test-only providers (apps register theirs in AppConfig.ready) ----------------------------------

def search_agencies(user, query, limit):
    """The example provider: reads through visible_to(user), one query."""
    agencies = Agency.objects.visible_to(user).filter(Q(name__icontains=query) | Q(number__icontains=query))
    return [Result(a.name, a.number, a.get_absolute_url()) for a in agencies.order_by("number")[:limit]]


def search_users(user, query, limit):
    people = User.objects.visible_to(user).filter(Q(last_name__icontains=query) | Q(email__icontains=query))
    return [Result(p.get_full_name(), p.email, p.get_absolute_url()) for p in people.order_by("email")[:limit]]


@pytest.fixture(autouse=True)
def providers(monkeypatch):
    monkeypatch.setattr(globalsearch, "_PROVIDERS", {})
    globalsearch.register_search_provider("agencies", "Agences", "building", search_agencies, order=20,
                                          list_url_name="identity:agency_list")
    globalsearch.register_search_provider("users", "Utilisateurs", "people", search_users, action="users.manage",
                                          order=10)


@pytest.fixture
def network(org, other_org):
    """Agencies named Oran in both companies, and one person named Oranais in each."""
    mine = [f.AgencyFactory(organization=org, number=f"031-00{i}", name=f"Oran {i}", wilaya="31") for i in (1, 2)]
    f.AgencyFactory(organization=org, number="016-777", name="Alger Centre", wilaya="16")
    theirs = f.AgencyFactory(organization=other_org, number="031-009", name="Oran Atlas", wilaya="31")
    me = f.UserFactory(organization=org, last_name="Oranais", email="oranais@alliance.test")
    them = f.UserFactory(organization=other_org, last_name="Oranais", email="oranais@atlas.test")
    return mine, theirs, me, them


def text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def results(response) -> list[str]:
    return [html.unescape(t).strip() for t in re.findall(
        r'data-testid="search-result">(?:\s*<span[^>]*>)?([^<]+)<', response.content.decode())]


def test_results_page_groups_by_type_and_never_shows_another_company(client, admin, network):
    client.force_login(admin)

    response = client.get("/search/?q=oran")

    body = response.content.decode()
    assert response.status_code == 200
    groups = re.findall(r'data-testid="search-group-(\w+)"', body)
    assert groups == ["users", "agencies"]  # by provider order
    assert results(response) == ["Amina Oranais", "Oran 1", "Oran 2"]
    assert "Atlas" not in body and "oranais@atlas.test" not in body
    assert "3 résultats pour « oran »" in text(response)


def test_a_provider_needing_a_permission_is_skipped_for_others(client, agent, network):
    client.force_login(agent)

    response = client.get("/search/?q=oran")

    assert re.findall(r'data-testid="search-group-(\w+)"', response.content.decode()) == ["agencies"]
    assert results(response) == ["Oran 1", "Oran 2"]


def test_search_all_never_returns_another_companys_records(other_admin, network):
    _mine, theirs, _me, them = network

    groups = globalsearch.search_all(user=other_admin, query="oran", limit=5)

    assert [(g.provider.key, [r.title for r in g.results]) for g in groups] == [
        ("users", ["Amina Oranais"]), ("agencies", ["Oran Atlas"])]
    assert groups[0].results[0].subtitle == them.email
    assert groups[1].results[0].url == theirs.get_absolute_url()


def test_a_full_group_links_to_its_list_filtered_by_the_query(admin, network):
    groups = globalsearch.search_all(user=admin, query="oran", limit=2)

    agencies = next(g for g in groups if g.provider.key == "agencies")
    assert agencies.more_url == "/agencies/?q=oran"
    assert next(g for g in groups if g.provider.key == "users").more_url is None  # no list declared


def test_live_results_are_an_accessible_listbox(client, admin, network):
    client.force_login(admin)

    response = client.get("/search/live/?q=oran", headers={"HX-Request": "true"})

    body = response.content.decode()
    assert "<html" not in body
    assert len(re.findall(r'role="option" id="gs-[\w-]+"', body)) == 4  # three results + "all results"
    assert 'role="group" aria-labelledby="gs-group-agencies"' in body
    assert 'href="/search/?q=oran"' in body
    assert results(response) == ["Amina Oranais", "Oran 1", "Oran 2"]


def test_live_results_with_nothing_found_say_so(client, admin, network):
    client.force_login(admin)

    response = client.get("/search/live/?q=tamanrasset")

    assert "Aucun résultat pour « tamanrasset »." in text(response)


@pytest.mark.parametrize("query", ["o", " o  "])
def test_a_query_too_short_asks_for_more(client, admin, network, query):
    client.force_login(admin)

    live = client.get("/search/live/", {"q": query})
    page = client.get("/search/", {"q": query})

    assert "Tapez au moins 2 caractères." in text(live)
    assert "Tapez au moins 2 caractères." in text(page)
    assert results(live) == [] and results(page) == []


def test_markup_in_the_query_is_shown_literally(client, admin, network):
    client.force_login(admin)

    response = client.get("/search/", {"q": "<script>alert(1)</script>"})

    assert "<script>alert(1)</script>" not in response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.content.decode()


def test_search_query_count_is_one_per_provider_whatever_the_results(client, admin, org, network):
    client.force_login(admin)
    client.get("/search/live/?q=oran")
    with CaptureQueriesContext(connection) as few:
        client.get("/search/live/?q=oran")
    for i in range(20):
        f.AgencyFactory(organization=org, number=f"031-1{i:02d}", name=f"Oran annexe {i}", wilaya="31")

    with CaptureQueriesContext(connection) as many:
        response = client.get("/search/live/?q=oran")

    assert len(results(response)) == 6  # 1 person + 5 agencies (the limit), none of the other company
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 8, [q["sql"] for q in many.captured_queries]


def test_search_needs_a_signed_in_member(client, network):
    response = client.get("/search/?q=oran")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_header_has_the_search_combobox(client, admin):
    client.force_login(admin)

    body = client.get("/home/").content.decode()

    box = re.search(r'<input id="global-search"[^>]*>', body, re.S).group(0)
    for attribute in ('role="combobox"', 'aria-expanded="false"', 'aria-controls="global-search-results"',
                      'hx-get="/search/live/"', 'name="q"'):
        assert attribute in box
    assert 'id="global-search-results" class="dropdown-menu w-100 shadow-sm" role="listbox"' in body


# --- Recently viewed ----------------------------------------------------------------------------------

def test_empty_box_shows_my_recently_viewed_records_newest_first(client, admin, editor, org, network):
    mine, _theirs, _me, _them = network
    recent_view_record(user=admin, obj=mine[0])
    recent_view_record(user=admin, obj=mine[1])
    recent_view_record(user=editor, obj=mine[0], label="Vue par l'éditeur")
    client.force_login(admin)

    response = client.get("/search/live/?q=")

    body = response.content.decode()
    assert 'data-testid="search-recent"' in body
    labels = re.findall(r'id="gs-recent-\d+" href="[^"]+"[^>]*>\s*<span[^>]*>([^<]+)</span>', body)
    assert [html.unescape(label) for label in labels] == [str(mine[1]), str(mine[0])]
    assert "Vue par l&#x27;éditeur" not in body and "Vue par l'éditeur" not in body


def test_recently_viewed_tag_lists_only_mine(admin, editor, org):
    RecentViewFactory(organization=org, user=admin, label="Contact Aïssani", url="/contacts/1/")
    RecentViewFactory(organization=org, user=editor, label="Contact de l'éditeur", url="/contacts/2/")
    request = RequestFactory().get("/home/")
    request.user = admin

    rendered = Template("{% load recent_tags %}{% recently_viewed limit=5 %}").render(Context({"request": request}))

    assert 'href="/contacts/1/">Contact Aïssani</a>' in rendered
    assert "éditeur" not in rendered


def test_recently_viewed_tag_without_records_says_what_will_appear(admin):
    request = RequestFactory().get("/home/")
    request.user = admin

    rendered = Template("{% load recent_tags %}{% recently_viewed %}").render(Context({"request": request}))

    assert "Les fiches que vous ouvrez apparaîtront ici." in rendered


@pytest.mark.urls(__name__)
def test_a_detail_view_may_record_the_visit(client, admin, org, network):
    mine, _theirs, _me, _them = network
    client.force_login(admin)

    client.get(f"/test/agencies/{mine[0].pk}/")
    client.get(f"/test/agencies/{mine[1].pk}/")
    client.get(f"/test/agencies/{mine[0].pk}/")

    assert list(RecentView.objects.filter(user=admin).order_by("-viewed_at").values_list("label", "url")) == [
        (str(mine[0]), mine[0].get_absolute_url()), (str(mine[1]), mine[1].get_absolute_url())]


@pytest.mark.urls(__name__)
def test_a_detail_view_of_another_company_records_nothing(client, admin, network):
    _mine, theirs, _me, _them = network
    client.force_login(admin)

    response = client.get(f"/test/agencies/{theirs.pk}/")

    assert response.status_code == 404
    assert not RecentView.objects.exists()
