"""Merging two accounts through the same path as contacts: chosen values survive, lists are
united, every record pointing to the duplicate company — found from the relations, whatever
module added it — is moved, the survivor never becomes its own parent, the merge is audited;
administrators only, and another company's account is a 404."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import Http404

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
