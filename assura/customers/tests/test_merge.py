"""Merging two contacts: chosen values survive, lists are united, every related record is
moved (nothing lost), the duplicate is deleted and the merge is audited; administrators
only, and another company's contacts are a 404."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from assura.activities.models import Activity
from assura.activities.tests.factories import ActivityFactory
from assura.core.models import Attachment, AuditAction, AuditEvent, FieldChange, RecentView
from assura.customers.merge import contact_merge, merge_rows
from assura.customers.models import Consent, Contact, DuplicateCandidate, DuplicateStatus, Relationship
from assura.customers.services import contact_create
from assura.customers.tests.factories import AccountFactory, TagFactory
from assura.leads.models import Lead
from assura.leads.tests.factories import LeadFactory

BIRTH = datetime.date(1984, 3, 12)


@pytest.fixture
def pair(admin, org):
    """Survivor A (older, fewer details) and duplicate B (newer, with a NIN and a second number)."""
    tag_a, tag_b = TagFactory(organization=org, name="vip"), TagFactory(organization=org, name="auto")
    a = contact_create(actor=admin, last_name="Aïssani", first_name="Karim", phone="0550 12 34 56",
                       email="karim@example.dz", profession="Enseignant", tags=[tag_a], notes="Client fidèle.")
    b = contact_create(actor=admin, last_name="AISANI", first_name="Karim", phone="0661 22 33 44",
                       email="k.aissani@example.dz", nin="109840123456789012", birth_date=BIRTH,
                       profession="Professeur", wilaya_id="16", tags=[tag_a, tag_b], notes="Préfère le matin.")
    return a, b


@pytest.fixture
def related(admin, org, pair):
    """What points at the duplicate B: activities, relationships, consents, a lead, a file, history."""
    a, b = pair
    spouse = contact_create(actor=admin, last_name="Aïssani", first_name="Leila")
    account = AccountFactory(organization=org)
    ActivityFactory.create_batch(3, organization=org, contact=b)
    ActivityFactory(organization=org, contact=a)
    Relationship.objects.create(organization=org, contact=b, related_contact=spouse, kind="conjoint")
    Relationship.objects.create(organization=org, contact=b, account=account, kind="employe")
    Relationship.objects.create(organization=org, contact=a, account=account, kind="employe")  # A has it already
    Relationship.objects.create(organization=org, contact=b, related_contact=a, kind="famille")  # would self-link
    Relationship.objects.create(organization=org, contact=spouse, related_contact=b, kind="fratrie")
    now = timezone.now()
    Consent.objects.create(organization=org, contact=a, channel="sms", granted=False,
                           recorded_at=now - datetime.timedelta(days=30), source="agence")
    Consent.objects.create(organization=org, contact=b, channel="sms", granted=True, recorded_at=now, source="web")
    Consent.objects.create(organization=org, contact=b, channel="email", granted=True, recorded_at=now, source="web")
    LeadFactory(organization=org, converted_contact=b, converted_at=now)
    contact_type = ContentType.objects.get_for_model(Contact)
    Attachment.objects.create(organization=org, content_type=contact_type, object_id=b.pk, name="cni.pdf", size=9,
                              mime_type="application/pdf", file=ContentFile(b"%PDF-1.4\n", name="cni.pdf"))
    FieldChange.objects.create(organization=org, content_type=contact_type, object_id=b.pk, field="profession",
                               field_label="profession", old_value="", new_value="Professeur")
    RecentView.objects.create(organization=org, user=admin, content_type=contact_type, object_id=b.pk,
                              label=str(b), url=f"/contacts/{b.pk}/")
    DuplicateCandidate.objects.create(organization=org, contact_a=a, contact_b=b, score=70,
                                      reasons=["name", "birth_date"])
    return {"spouse": spouse, "account": account}


def counts(org) -> dict[str, int]:
    contact_type = ContentType.objects.get_for_model(Contact)
    return {
        "contacts": Contact.objects.filter(organization=org).count(),
        "activities": Activity.objects.filter(organization=org).count(),
        "leads": Lead.objects.filter(organization=org).count(),
        "attachments": Attachment.objects.filter(content_type=contact_type).count(),
    }


def test_merge_keeps_the_chosen_values_and_unites_the_lists(admin, pair):
    a, b = pair

    survivor = contact_merge(actor=admin, survivor=a, duplicate=b,
                             choices={"profession": "b", "nin": "b", "birth_date": "b", "wilaya": "b", "phone": "a",
                                      "email": "b", "last_name": "a"})

    survivor.refresh_from_db()
    assert survivor.pk == a.pk and survivor.code == a.code
    assert (survivor.last_name, survivor.profession, survivor.nin, survivor.birth_date, survivor.wilaya_id) == (
        "Aïssani", "Professeur", "109840123456789012", BIRTH, "16")
    assert (survivor.phone, survivor.email) == ("+213550123456", "k.aissani@example.dz")
    assert [p["number"] for p in survivor.phones] == ["+213550123456", "+213661223344"]
    assert survivor.emails == ["k.aissani@example.dz", "karim@example.dz"]
    assert sorted(t.name for t in survivor.tags.all()) == ["auto", "vip"]
    assert survivor.notes == "Client fidèle.\n\nPréfère le matin."
    assert not Contact.objects.filter(pk=b.pk).exists()
    assert "aissani" in survivor.search_text and "0661223344" in survivor.search_text


def test_merge_moves_every_related_record_and_nothing_is_lost(admin, org, pair, related):
    a, b = pair
    before = counts(org)

    contact_merge(actor=admin, survivor=a, duplicate=b, choices={})

    # Then one contact fewer, and every activity, lead and file is still there, now on A
    assert counts(org) == {**before, "contacts": before["contacts"] - 1}
    assert Activity.objects.filter(contact=a).count() == 4
    assert list(Lead.objects.values_list("converted_contact_id", flat=True)) == [a.pk]
    assert list(Attachment.objects.values_list("object_id", flat=True)) == [a.pk]
    # Relationships: moved, except the one A already had and the one that would link A to itself
    spouse, account = related["spouse"], related["account"]
    assert set(Relationship.objects.values_list("contact_id", "related_contact_id", "account_id", "kind")) == {
        (a.pk, spouse.pk, None, "conjoint"),
        (a.pk, None, account.pk, "employe"),
        (spouse.pk, a.pk, None, "fratrie"),
    }
    # Consents: one per channel, the most recent decision wins
    assert sorted(Consent.objects.values_list("contact_id", "channel", "granted", "source")) == [
        (a.pk, "email", True, "web"), (a.pk, "sms", True, "web")]
    # The pair is recorded as merged; B's page is no longer "recently viewed"
    candidate = DuplicateCandidate.objects.get()
    assert (candidate.status, candidate.contact_a_id, candidate.contact_b_id, candidate.resolved_by) == (
        DuplicateStatus.MERGED, a.pk, None, admin)
    assert not RecentView.objects.exists()


def test_merge_is_audited_and_in_the_survivor_history(admin, org, pair, related):
    a, b = pair
    b_code, b_pk = b.code, b.pk

    contact_merge(actor=admin, survivor=a, duplicate=b, choices={"profession": "b"})

    event = AuditEvent.objects.get(action=AuditAction.DELETION)
    assert (event.organization, event.actor, event.object_type, event.object_id) == (org, admin, "contact", str(b_pk))
    assert event.data["merge"] is True
    assert event.data["merged_into"] == {"id": a.pk, "code": a.code}
    assert event.data["fields_taken"] == ["profession"]
    assert event.data["duplicate_values"]["nin"] == "109840123456789012"
    assert event.data["moved"]["activities.activity.contact"] == {"moved": 3, "dropped": 0}
    assert event.data["moved"]["leads.lead.converted_contact"] == {"moved": 1, "dropped": 0}
    assert event.data["moved"]["customers.relationship"] == {"moved": 2, "dropped": 2}
    # B's history moved with it, then the merge's own changes on A
    history = list(FieldChange.objects.filter(object_id=a.pk).order_by("pk").values_list("field", "old_value",
                                                                                          "new_value"))
    assert history == [
        ("profession", "", "Professeur"),
        ("profession", "Enseignant", "Professeur"),
        ("merge", f"{b_code} – Karim AISANI", f"{a.code} – Karim Aïssani"),
    ]


def test_the_duplicate_s_other_pairs_become_the_survivor_s(admin, org, pair):
    a, b = pair
    c = contact_create(actor=admin, last_name="Autre", email="k.aissani@example.dz")
    d = contact_create(actor=admin, last_name="Encore", phone="0550123456")
    DuplicateCandidate.objects.create(organization=org, contact_a=b, contact_b=c, score=60, reasons=["email"])
    DuplicateCandidate.objects.create(organization=org, contact_a=a, contact_b=d, score=50, reasons=["phone"])
    DuplicateCandidate.objects.create(organization=org, contact_a=b, contact_b=d, score=50, reasons=["phone"])

    contact_merge(actor=admin, survivor=a, duplicate=b, choices={})

    assert sorted(DuplicateCandidate.objects.values_list("contact_a_id", "contact_b_id")) == [(a.pk, c.pk),
                                                                                              (a.pk, d.pk)]


def test_merge_rows_propose_the_non_empty_then_the_most_recent_value(pair):
    a, b = pair
    rows = {r.field: (r.value_a, r.value_b, r.default) for r in merge_rows(a, b)}

    assert rows["nin"] == ("", "109840123456789012", "b")
    assert rows["birth_date"] == ("", "12/03/1984", "b")
    assert rows["profession"] == ("Enseignant", "Professeur", "b")  # B was updated last
    assert rows["first_name"] == ("Karim", "Karim", "a")
    assert "gender" not in rows  # empty on both sides


@pytest.mark.parametrize("role", ["editor", "supervisor", "agent"])
def test_only_administrators_merge_and_nothing_changes_otherwise(client, request, org, role, pair, related):
    a, b = pair
    user = request.getfixturevalue(role)
    before = (counts(org), list(Contact.objects.order_by("pk").values()))

    with pytest.raises(PermissionDenied):
        contact_merge(actor=user, survivor=a, duplicate=b, choices={})
    client.force_login(user)
    assert client.get(reverse("duplicates:merge", args=[a.pk, b.pk])).status_code == 403
    assert client.post(reverse("duplicates:merge", args=[a.pk, b.pk]), {"choice_nin": "b"}).status_code == 403

    assert (counts(org), list(Contact.objects.order_by("pk").values())) == before
    assert Activity.objects.filter(contact=b).count() == 3


def test_merging_across_companies_is_a_404_and_changes_nothing(client, admin, other_admin, org, pair):
    a, b = pair
    foreign = contact_create(actor=other_admin, last_name="Aïssani", first_name="Karim")

    with pytest.raises(Http404):
        contact_merge(actor=other_admin, survivor=foreign, duplicate=b, choices={})
    client.force_login(other_admin)
    assert client.get(reverse("duplicates:merge", args=[a.pk, b.pk])).status_code == 404
    assert client.post(reverse("duplicates:merge", args=[foreign.pk, b.pk])).status_code == 404
    client.force_login(admin)
    assert client.post(reverse("duplicates:merge", args=[a.pk, foreign.pk])).status_code == 404

    assert Contact.objects.filter(pk__in=[a.pk, b.pk, foreign.pk]).count() == 3


def test_bad_choices_and_a_contact_merged_with_itself_are_refused(admin, pair):
    a, b = pair

    with pytest.raises(ValidationError) as exc:
        contact_merge(actor=admin, survivor=a, duplicate=b, choices={"nin": "c", "code": "b"})
    assert exc.value.message_dict == {"nin": ["Choisissez la valeur de l'une des deux fiches."],
                                      "__all__": ["Champ inconnu : code."]}
    with pytest.raises(ValidationError):
        contact_merge(actor=admin, survivor=a, duplicate=a, choices={})
    assert Contact.objects.filter(pk__in=[a.pk, b.pk]).count() == 2


def test_the_merge_screen_shows_both_records_side_by_side(client, admin, pair, related):
    a, b = pair
    client.force_login(admin)

    response = client.get(reverse("duplicates:merge", args=[a.pk, b.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="choice_profession" id="choice_profession_b" value="b" checked' in body
    assert 'name="choice_last_name"' in body and "Enseignant" in body and "Professeur" in body
    assert "3 activités" in body


def test_the_merge_screen_merges_with_the_chosen_values(client, admin, pair, related):
    a, b = pair
    client.force_login(admin)

    response = client.post(reverse("duplicates:merge", args=[a.pk, b.pk]),
                           {"choice_profession": "a", "choice_nin": "b", "choice_last_name": "b"})

    assert response.status_code == 302 and response["Location"] == reverse("duplicates:candidate_list")
    a.refresh_from_db()
    assert (a.profession, a.nin, a.last_name) == ("Enseignant", "109840123456789012", "AISANI")
    assert not Contact.objects.filter(pk=b.pk).exists()
    assert Activity.objects.filter(contact=a).count() == 4


def test_every_foreign_key_to_contact_is_found_so_later_modules_are_moved_too():
    from assura.customers.merge import contact_references, generic_reference_models

    found = {f"{fk.model._meta.label_lower}.{fk.name}" for fk in contact_references()}
    assert {"activities.activity.contact", "leads.lead.converted_contact"} <= found
    assert not found & {"customers.relationship.contact", "customers.consent.contact", "customers.contact_tags.contact"}
    assert {m._meta.label_lower for m in generic_reference_models()} >= {"core.attachment", "core.fieldchange"}


def test_a_row_the_survivor_already_has_under_a_unique_key_is_dropped_not_duplicated(admin, org, pair):
    from assura.customers.merge import _move

    a, b = pair
    contact_type = ContentType.objects.get_for_model(Contact)
    for contact in (a, b):
        RecentView.objects.create(organization=org, user=admin, content_type=contact_type, object_id=contact.pk,
                                  label=str(contact), url="/")
    rows = RecentView.objects.filter(content_type=contact_type, object_id=b.pk)

    moved, dropped = _move(rows, RecentView.objects.filter(content_type=contact_type, object_id=a.pk), "object_id",
                           a.pk, RecentView)

    assert (moved, dropped) == (0, 1)
    assert list(RecentView.objects.values_list("object_id", flat=True)) == [a.pk]
