"""Merging two accounts through the same path as contacts: chosen values survive, lists are
united, every record pointing to the duplicate company — found from the relations, whatever
module added it — is moved, the survivor never becomes its own parent, the merge is audited;
administrators only, and another company's account is a 404."""

import html
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assura.core.models import Attachment, AuditAction, AuditEvent, FieldChange, RecentView
from assura.core.testing.factories import FACTORIES
from assura.customers.merge import ACCOUNTS, account_merge, merge_rows
from assura.customers.models import Account, Relationship
from assura.customers.services import account_create, account_update, tags_ensure
from assura.customers.tests.factories import ContactFactory


def label(fk) -> str:
    return f"{fk.model._meta.label_lower}.{fk.name}"


@pytest.fixture
def accounts(admin, org):
    """Survivor A (older) and duplicate B (newer, with the NIS, a website and a second number)."""
    a = account_create(actor=admin, name="SARL Transports Benali", legal_form="", nif="000016001234567",
                       trade_register="16/00-1234567B12", sector="transport", revenue=Decimal("150000000.00"),
                       headcount=40, phone="021 23 45 67", email="contact@benali.dz", notes="Client depuis 2015.",
                       tags=tags_ensure(actor=admin, names=["flotte"]))
    b = account_create(actor=admin, name="Transports Benali", legal_form="sarl", nif="000016001234567",
                       nis="000016001234599", sector="transport", revenue=Decimal("180000000.00"), headcount=45,
                       website="https://benali.dz", phone="021 99 88 77", email="direction@benali.dz",
                       notes="Siège à Rouiba.", tags=tags_ensure(actor=admin, names=["flotte", "pme"]))
    return a, b


@pytest.fixture
def related(admin, org, accounts):
    """One record of every model that points to an account — built from the registered
    factories of each module (portfolio, sales, service, leads, activities…) — on B, plus
    people, files and history."""
    a, b = accounts
    for fk in ACCOUNTS.references():
        record = FACTORIES[fk.model](org)  # a module pointing to accounts without a factory fails here
        fk.model._base_manager.filter(pk=record.pk).update(**{fk.name: b})
    employee, manager = ContactFactory(organization=org), ContactFactory(organization=org)
    Relationship.objects.create(organization=org, contact=employee, account=b, kind="employe")
    Relationship.objects.create(organization=org, contact=manager, account=b, kind="dirigeant")
    Relationship.objects.create(organization=org, contact=manager, account=a, kind="dirigeant")  # A has it already
    account_type = ContentType.objects.get_for_model(Account)
    Attachment.objects.create(organization=org, content_type=account_type, object_id=b.pk, name="rc.pdf", size=9,
                              mime_type="application/pdf", file=ContentFile(b"%PDF-1.4\n", name="rc.pdf"))
    RecentView.objects.create(organization=org, user=admin, content_type=account_type, object_id=b.pk,
                              label=str(b), url=f"/accounts/{b.pk}/")
    return {"employee": employee, "manager": manager}


def test_every_foreign_key_to_account_is_found_so_every_module_is_moved():
    found = {label(fk) for fk in ACCOUNTS.references()}

    assert {"activities.activity.account", "leads.lead.converted_account", "customers.account.parent",
            "portfolio.policy.account", "portfolio.quote.account", "portfolio.claim.account",
            "sales.opportunity.account", "service.ticket.account"} <= found
    # The people are moved by their own rule (a role kept once); the account's own tags are not references
    assert not found & {"customers.relationship.account", "customers.account_tags.account"}


def test_account_merge_moves_every_related_record_and_nothing_is_lost(admin, org, accounts, related):
    a, b = accounts
    b_pk = b.pk
    before = {}
    for fk in ACCOUNTS.references():
        rows = fk.model._base_manager
        before[label(fk)] = (rows.count(), rows.filter(**{fk.name: a}).count(), rows.filter(**{fk.name: b}).count())
    attachments = Attachment.objects.count()

    account_merge(actor=admin, survivor=a, duplicate=b, choices={})

    assert not Account.objects.filter(pk=b_pk).exists()
    for fk in ACCOUNTS.references():
        total, on_a, on_b = before[label(fk)]
        rows = fk.model._base_manager
        assert on_b >= 1, label(fk)
        assert rows.count() == total - (1 if fk.model is Account else 0), label(fk)  # only B itself is gone
        assert rows.filter(**{fk.name: a}).count() == on_a + on_b, label(fk)
        assert not rows.filter(**{f"{fk.name}_id": b_pk}).exists(), label(fk)
    # People: moved, except the role A already had
    assert set(Relationship.objects.values_list("contact_id", "account_id", "kind")) == {
        (related["employee"].pk, a.pk, "employe"), (related["manager"].pk, a.pk, "dirigeant")}
    assert Attachment.objects.count() == attachments
    assert list(Attachment.objects.values_list("object_id", flat=True)) == [a.pk]
    assert not RecentView.objects.exists()


def test_account_merge_keeps_the_chosen_values_and_unites_the_lists(admin, accounts):
    a, b = accounts

    survivor = account_merge(actor=admin, survivor=a, duplicate=b,
                             choices={"name": "a", "legal_form": "b", "nis": "b", "headcount": "b", "revenue": "a",
                                      "website": "b", "phone": "b", "email": "a"})

    survivor.refresh_from_db()
    assert survivor.pk == a.pk
    assert (survivor.name, survivor.legal_form, survivor.nif, survivor.nis, survivor.headcount, survivor.revenue,
            survivor.website) == ("SARL Transports Benali", "sarl", "000016001234567", "000016001234599", 45,
                                  Decimal("150000000.00"), "https://benali.dz")
    assert survivor.phone == "+21321998877"
    assert [p["number"] for p in survivor.phones] == ["+21321998877", "+21321234567"]
    assert survivor.emails == ["contact@benali.dz", "direction@benali.dz"]
    assert sorted(t.name for t in survivor.tags.all()) == ["flotte", "pme"]
    assert survivor.notes == "Client depuis 2015.\n\nSiège à Rouiba."
    assert "021998877" in survivor.search_text and "021234567" in survivor.search_text


def test_account_merge_is_audited_and_in_the_survivor_history(admin, org, accounts, related):
    a, b = accounts
    b_pk = b.pk

    account_merge(actor=admin, survivor=a, duplicate=b, choices={"headcount": "b"})

    event = AuditEvent.objects.get(action=AuditAction.DELETION)
    assert (event.organization, event.actor, event.object_type, event.object_id) == (org, admin, "account", str(b_pk))
    assert event.data["merge"] is True
    assert (event.data["name"], event.data["merged_into"]) == (
        "Transports Benali", {"id": a.pk, "name": "SARL Transports Benali", "nif": "000016001234567"})
    assert event.data["fields_taken"] == ["headcount"]
    assert event.data["duplicate_values"]["nis"] == "000016001234599"
    assert event.data["moved"]["portfolio.policy.account"] == {"moved": 1, "dropped": 0}
    assert event.data["moved"]["sales.opportunity.account"] == {"moved": 1, "dropped": 0}
    assert event.data["moved"]["customers.relationship.account"] == {"moved": 1, "dropped": 1}
    history = list(FieldChange.objects.filter(content_type=ContentType.objects.get_for_model(Account),
                                              object_id=a.pk).order_by("pk").values_list("field", "old_value",
                                                                                         "new_value"))
    assert ("headcount", "40", "45") in history
    assert history[-1] == ("merge", "Transports Benali (NIF 000016001234567)",
                           "SARL Transports Benali (NIF 000016001234567)")


def test_the_survivor_never_becomes_its_own_parent(admin, org, accounts):
    a, b = accounts
    group = account_create(actor=admin, name="Groupe Benali")
    subsidiary = account_create(actor=admin, name="Benali Logistique", parent=b)
    account_update(actor=admin, account=a, parent=b)  # A was filed as B's subsidiary
    account_update(actor=admin, account=b, parent=group)

    account_merge(actor=admin, survivor=a, duplicate=b, choices={})

    a.refresh_from_db()
    subsidiary.refresh_from_db()
    assert a.parent is None
    assert subsidiary.parent == a


def test_the_duplicate_s_parent_can_be_kept(admin, accounts):
    a, b = accounts
    group = account_create(actor=admin, name="Groupe Benali")
    account_update(actor=admin, account=a, parent=b)
    account_update(actor=admin, account=b, parent=group)

    account_merge(actor=admin, survivor=a, duplicate=b, choices={"parent": "b"})

    a.refresh_from_db()
    assert a.parent == group


def test_a_parent_that_would_make_a_loop_is_refused_and_nothing_changes(admin, accounts):
    a, b = accounts
    subsidiary = account_create(actor=admin, name="Benali Logistique", parent=b)
    account_update(actor=admin, account=a, parent=subsidiary)  # A under B's subsidiary: A → S → B

    with pytest.raises(ValidationError) as exc:
        account_merge(actor=admin, survivor=a, duplicate=b, choices={})

    assert list(exc.value.message_dict) == ["parent"]
    assert Account.objects.filter(pk=b.pk).exists()
    subsidiary.refresh_from_db()
    assert subsidiary.parent_id == b.pk


def test_account_merge_rows_propose_the_non_empty_then_the_most_recent_value(accounts):
    a, b = accounts
    rows = {r.field: (r.label, r.value_a, r.value_b, r.default) for r in merge_rows(a, b)}

    assert rows["nis"] == ("NIS", "", "000016001234599", "b")
    assert rows["headcount"] == ("effectif", "40", "45", "b")  # B was updated last
    assert rows["nif"][1:] == ("000016001234567", "000016001234567", "a")
    assert "parent" not in rows and "trade_register" in rows


def test_an_account_merged_with_itself_is_refused(admin, accounts):
    a, _b = accounts

    with pytest.raises(ValidationError) as exc:
        account_merge(actor=admin, survivor=a, duplicate=a, choices={})

    assert exc.value.messages == ["Un compte ne peut pas être fusionné avec lui-même."]
    assert Account.objects.filter(pk=a.pk).exists()


def test_merging_with_another_company_s_account_is_a_404(admin, other_admin, accounts):
    a, b = accounts
    foreign = account_create(actor=other_admin, name="Transports Benali")

    with pytest.raises(Http404):
        account_merge(actor=admin, survivor=a, duplicate=foreign, choices={})
    with pytest.raises(Http404):
        account_merge(actor=other_admin, survivor=foreign, duplicate=b, choices={})

    assert Account.objects.filter(pk__in=[a.pk, b.pk, foreign.pk]).count() == 3


@pytest.mark.parametrize("role", ["editor", "supervisor", "agent"])
def test_only_roles_that_delete_customers_merge_accounts(request, org, role, accounts, related):
    a, b = accounts
    user = request.getfixturevalue(role)
    before = list(Account.objects.order_by("pk").values())

    with pytest.raises(PermissionDenied):
        account_merge(actor=user, survivor=a, duplicate=b, choices={})

    assert list(Account.objects.order_by("pk").values()) == before
    assert all(fk.model._base_manager.filter(**{fk.name: b}).exists() for fk in ACCOUNTS.references())


# --- The screens ---------------------------------------------------------------------------------------

def page(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_the_account_page_offers_the_merge_to_administrators_only(client, admin, editor, accounts):
    a, _b = accounts
    pick_url = reverse("duplicates:account_merge_pick", args=[a.pk])

    client.force_login(admin)
    assert f'href="{pick_url}"' in client.get(a.get_absolute_url()).content.decode()
    assert "Fusionner avec un autre compte…" in page(client.get(a.get_absolute_url()))
    client.force_login(editor)
    assert pick_url not in client.get(a.get_absolute_url()).content.decode()


def test_the_other_account_is_found_by_nif_rc_or_name_among_visible_ones(client, admin, other_admin, accounts):
    a, b = accounts
    foreign = account_create(actor=other_admin, name="Transports Benali", nif="000016001234567")
    client.force_login(admin)
    url = reverse("duplicates:account_merge_pick", args=[a.pk])

    for query in ("000016001234567", "benali", "Transports"):
        body = client.get(url, {"q": query}).content.decode()
        assert f'data-testid="candidate-{b.pk}"' in body, query
        assert reverse("duplicates:account_merge", args=[a.pk, b.pk]) in body
        assert f'data-testid="candidate-{a.pk}"' not in body  # not itself
        assert f'data-testid="candidate-{foreign.pk}"' not in body  # nor another company's
    assert f'data-testid="candidate-{b.pk}"' not in client.get(url, {"q": "sonatrach"}).content.decode()
    assert client.get(reverse("duplicates:account_merge_pick", args=[foreign.pk])).status_code == 404


def test_the_account_merge_screen_shows_both_side_by_side_in_bounded_queries(client, admin, accounts, related,
                                                                            django_assert_max_num_queries):
    a, b = accounts
    client.force_login(admin)
    url = reverse("duplicates:account_merge", args=[a.pk, b.pk])

    with django_assert_max_num_queries(40):  # two counts per related model, whatever the rows
        response = client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="choice_headcount" id="choice_headcount_b" value="b" checked' in body
    assert 'name="choice_name"' in body and 'name="choice_nif"' not in body  # the same NIF on both
    text = page(response)
    assert "Transports Benali" in text and "SARL Transports Benali" in text
    for counted in ("2 relations", "1 polices", "1 opportunités", "1 tickets", "1 filiales"):
        assert counted in text, counted
    assert "flotte, pme" in text  # the tags united


def test_more_related_records_do_not_make_more_queries(client, admin, org, accounts, related,
                                                       django_assert_num_queries):
    a, b = accounts
    client.force_login(admin)
    url = reverse("duplicates:account_merge", args=[a.pk, b.pk])
    client.get(url)

    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for fk in ACCOUNTS.references():
        record = FACTORIES[fk.model](org)
        fk.model._base_manager.filter(pk=record.pk).update(**{fk.name: b})

    with django_assert_num_queries(len(first)):
        client.get(url)


def test_the_account_merge_screen_merges_and_lands_on_the_survivor(client, admin, accounts, related):
    a, b = accounts
    client.force_login(admin)

    response = client.post(reverse("duplicates:account_merge", args=[a.pk, b.pk]),
                           {"choice_name": "b", "choice_headcount": "a", "choice_nis": "b"}, follow=True)

    assert response.redirect_chain == [(a.get_absolute_url(), 302)]
    assert "Comptes fusionnés : Transports Benali est conservé." in page(response)
    a.refresh_from_db()
    assert (a.name, a.headcount, a.nis) == ("Transports Benali", 40, "000016001234599")
    assert not Account.objects.filter(pk=b.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETION, object_id=str(b.pk)).exists()


def test_the_screen_can_keep_b_instead(client, admin, accounts):
    a, b = accounts
    client.force_login(admin)
    swap = reverse("duplicates:account_merge", args=[b.pk, a.pk])

    assert f'href="{swap}"' in client.get(reverse("duplicates:account_merge", args=[a.pk, b.pk])).content.decode()
    response = client.post(swap)

    assert response["Location"] == b.get_absolute_url()
    assert list(Account.objects.values_list("pk", flat=True)) == [b.pk]


def test_the_screen_refuses_an_account_with_itself(client, admin, accounts):
    a, _b = accounts
    client.force_login(admin)

    response = client.post(reverse("duplicates:account_merge", args=[a.pk, a.pk]), follow=True)

    assert "Un compte ne peut pas être fusionné avec lui-même." in page(response)
    assert Account.objects.filter(pk=a.pk).exists()


@pytest.mark.parametrize("role", ["editor", "supervisor", "agent"])
def test_the_screens_answer_403_to_roles_that_may_not_merge(client, request, role, accounts, related):
    a, b = accounts
    client.force_login(request.getfixturevalue(role))
    before = list(Account.objects.order_by("pk").values())

    assert client.get(reverse("duplicates:account_merge_pick", args=[a.pk])).status_code == 403
    assert client.get(reverse("duplicates:account_merge", args=[a.pk, b.pk])).status_code == 403
    assert client.post(reverse("duplicates:account_merge", args=[a.pk, b.pk]), {"choice_nis": "b"}).status_code == 403

    assert list(Account.objects.order_by("pk").values()) == before


def test_the_screens_answer_404_for_another_company_s_account(client, admin, other_admin, accounts):
    a, b = accounts
    foreign = account_create(actor=other_admin, name="Transports Benali")

    client.force_login(other_admin)
    assert client.get(reverse("duplicates:account_merge", args=[a.pk, b.pk])).status_code == 404
    assert client.post(reverse("duplicates:account_merge", args=[foreign.pk, b.pk])).status_code == 404
    client.force_login(admin)
    assert client.post(reverse("duplicates:account_merge", args=[a.pk, foreign.pk])).status_code == 404

    assert Account.objects.filter(pk__in=[a.pk, b.pk, foreign.pk]).count() == 3
