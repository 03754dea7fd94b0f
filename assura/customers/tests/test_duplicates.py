"""Duplicate detection: the likely matches of one person (transliteration, exact identifiers,
name + birth date / wilaya, no false positive for namesakes), served by indexes in one
query; the company-wide scan; the duplicates page, "ignorer" and who may use them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assura.core.jobs import job_enqueue
from assura.core.models import Job, JobStatus
from assura.customers.duplicates import contact_matches, contact_matches_many, duplicate_dismiss, duplicate_pairs
from assura.customers.models import Contact, DuplicateCandidate, DuplicateStatus
from assura.customers.services import contact_create

BIRTH = datetime.date(1984, 3, 12)


def person(actor, **data) -> Contact:
    data.setdefault("first_name", "Karim")
    return contact_create(actor=actor, **data)


def found(matches) -> list[tuple[int, int, list[str]]]:
    return [(m.contact.pk, m.score, m.reasons) for m in matches]


# --- contact_matches --------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["Aïssani", "AISSANI", "Aisani", "aissani", "AÏSSANI-"])
def test_a_name_is_matched_whatever_its_transliteration(admin, org, typed):
    # Given "Aïssani Karim" born on 12/03/1984
    existing = person(admin, last_name="Aïssani", birth_date=BIRTH)

    # When the same person is typed with another spelling and the same birth date
    matches = contact_matches(organization_id=org.pk, last_name=typed, first_name="karim", birth_date=BIRTH)

    # Then the existing contact is proposed, for the name and the birth date
    assert found(matches) == [(existing.pk, 70, ["name", "birth_date"])]
    assert matches[0].reason_labels == ["même nom", "même date de naissance"]


def test_exact_nin_email_and_phone_match_in_any_typed_form(admin, org):
    by_nin = person(admin, last_name="Hamdi", nin="109840123456789012")
    by_email = person(admin, last_name="Saadi", email="n.saadi@example.dz")
    by_phone = person(admin, last_name="Khelifi", phone="0661 22 33 44")

    assert found(contact_matches(organization_id=org.pk, last_name="X", nin="1098 4012 3456 7890 12")) == [
        (by_nin.pk, 100, ["nin"])]
    assert found(contact_matches(organization_id=org.pk, last_name="X", email="  N.Saadi@Example.DZ ")) == [
        (by_email.pk, 60, ["email"])]
    assert found(contact_matches(organization_id=org.pk, last_name="X", phone="+213 661 22 33 44")) == [
        (by_phone.pk, 50, ["phone"])]


def test_several_reasons_add_up_and_the_best_comes_first(admin, org):
    weak = person(admin, last_name="Mansouri", phone="0770 11 22 33")
    strong = person(admin, last_name="Mansouri", nin="119900000000000001", email="mansouri@example.dz",
                    birth_date=BIRTH)

    matches = contact_matches(organization_id=org.pk, last_name="Mansouri", first_name="Karim",
                              nin="119900000000000001", email="mansouri@example.dz", phone="0770112233",
                              birth_date=BIRTH)

    assert found(matches) == [
        (strong.pk, 230, ["nin", "email", "name", "birth_date"]),
        (weak.pk, 50, ["phone"]),
    ]


def test_same_name_and_same_wilaya_match_when_no_birth_date_says_otherwise(admin, org):
    existing = person(admin, last_name="Belkacem", wilaya_id="16")

    matches = contact_matches(organization_id=org.pk, last_name="BELKACEM", first_name="Karim", wilaya_id="16")

    assert found(matches) == [(existing.pk, 45, ["name", "wilaya"])]


def test_namesakes_with_different_birth_dates_are_not_duplicates(admin, org):
    # Given a "Karim Benali" born in 1984 in Algiers
    person(admin, last_name="Benali", birth_date=BIRTH, wilaya_id="16")

    # When another "Karim Benali", born in 1990, also in Algiers, is typed
    matches = contact_matches(organization_id=org.pk, last_name="Benali", first_name="Karim",
                              birth_date=datetime.date(1990, 7, 1), wilaya_id="16")

    # Then nobody is proposed
    assert matches == []


def test_a_name_alone_or_with_another_wilaya_is_not_a_match(admin, org):
    person(admin, last_name="Benali", wilaya_id="31")

    assert contact_matches(organization_id=org.pk, last_name="Benali", first_name="Karim") == []
    assert contact_matches(organization_id=org.pk, last_name="Benali", first_name="Karim", wilaya_id="16") == []


def test_first_and_last_name_swapped_are_matched(admin, org):
    existing = person(admin, last_name="Ziani", first_name="Amel", birth_date=BIRTH)

    matches = contact_matches(organization_id=org.pk, last_name="Amel", first_name="Ziani", birth_date=BIRTH)

    assert found(matches) == [(existing.pk, 65, ["name_swapped", "birth_date"])]


def test_different_nins_outweigh_a_shared_phone(admin, org):
    # A household: the same landline, two people with their own NIN.
    person(admin, last_name="Haddad", first_name="Nadia", phone="021 23 45 67", nin="119900000000000002")

    matches = contact_matches(organization_id=org.pk, last_name="Haddad", first_name="Samir", phone="021234567",
                              nin="119900000000000003")

    assert matches == []


def test_another_company_record_the_record_itself_and_dismissed_pairs_are_left_out(admin, other_admin, org):
    me = person(admin, last_name="Toumi", email="toumi@example.dz")
    dismissed = person(admin, last_name="Toumi", first_name="Ali", email="toumi@example.dz")
    person(other_admin, last_name="Toumi", email="toumi@example.dz")
    duplicate_dismiss(actor=admin, contact_a=me, contact_b=dismissed)

    assert found(contact_matches(organization_id=org.pk, last_name="Toumi", email="toumi@example.dz")) == [
        (me.pk, 60, ["email"]), (dismissed.pk, 60, ["email"])]
    assert contact_matches(organization_id=org.pk, last_name="Toumi", email="toumi@example.dz", exclude_pk=me.pk) == []


def test_invalid_values_match_nothing_instead_of_failing(admin, org):
    person(admin, last_name="Amrani")

    assert contact_matches(organization_id=org.pk, last_name="", phone="12", nin="abc", email="") == []


@pytest.mark.parametrize("namesakes", [1, 12])
def test_contact_matches_is_one_query_whatever_the_number_of_candidates(admin, org, namesakes,
                                                                         django_assert_num_queries):
    for n in range(namesakes):
        person(admin, last_name="Saidi", birth_date=BIRTH, phone=f"05501100{n:02d}", email=f"s{n}@example.dz")

    with django_assert_num_queries(1):
        matches = contact_matches(organization_id=org.pk, last_name="Saidi", first_name="Karim", birth_date=BIRTH,
                                  wilaya_id="16", phone="0550110000", email="s0@example.dz", nin="119900000000000009")

    assert len(matches) == min(namesakes, 5)


def test_contact_matches_is_served_by_indexes_never_a_table_scan(admin, org):
    with CaptureQueriesContext(connection) as ctx:
        contact_matches(organization_id=org.pk, last_name="Saidi", first_name="Karim", birth_date=BIRTH,
                        wilaya_id="16", phone="0550110000", email="s0@example.dz", nin="119900000000000009",
                        exclude_pk=1)
    sql = ctx.captured_queries[0]["sql"]
    wanted = {"contact_org_nin", "contact_org_email", "contact_org_phone", "contact_org_namekey"}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On a tiny test table the planner rightly prefers a scan; forbid it to see
            # whether the indexes can serve the query at all (they must, at a million rows).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            # Which index wins depends on statistics (the bench measures it at scale); what
            # must hold on any data is that no plan needs to read the whole table.
            assert "Seq Scan" not in plan, plan
            return
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        plan = [row[3] for row in cursor.fetchall()]
    searches = [step for step in plan if step.startswith(("SEARCH customers_contact", "SCAN"))]
    assert not [step for step in plan if step.startswith("SCAN")], plan
    assert {s.split(" USING INDEX ")[1].split(" ")[0] for s in searches} == wanted


def test_many_people_at_once_get_the_same_answers_in_one_query_per_chunk(admin, org, django_assert_num_queries):
    # Given existing contacts matched in every way
    person(admin, last_name="Hamdi", nin="109840123456789012")
    person(admin, last_name="Saadi", email="n.saadi@example.dz")
    person(admin, last_name="Aïssani", birth_date=BIRTH)
    person(admin, last_name="Belkacem", wilaya_id="16")
    person(admin, last_name="Ziani", first_name="Amel", birth_date=BIRTH)
    person(admin, last_name="Benali", birth_date=BIRTH, wilaya_id="16")
    me = person(admin, last_name="Toumi", email="toumi@example.dz")
    twin = person(admin, last_name="Toumi", first_name="Ali", email="toumi@example.dz")
    duplicate_dismiss(actor=admin, contact_a=me, contact_b=twin)
    people = [
        {"last_name": "X", "nin": "1098 4012 3456 7890 12"},
        {"last_name": "X", "email": "N.Saadi@example.dz"},
        {"last_name": "AISANI", "first_name": "Karim", "birth_date": BIRTH},
        {"last_name": "Belkacém", "first_name": "Karim", "wilaya_id": 16},
        {"last_name": "Amel", "first_name": "Ziani", "birth_date": BIRTH},
        {"last_name": "Benali", "first_name": "Karim", "birth_date": datetime.date(1990, 1, 1), "wilaya_id": "16"},
        {"last_name": "Toumi", "email": "toumi@example.dz", "exclude_pk": me.pk},
        {"last_name": "Nouveau", "first_name": "Client"},
    ]
    expected = [found(contact_matches(organization_id=org.pk, **p)) for p in people]

    # When they are checked together, in chunks of 3
    with django_assert_num_queries(3 + 1):  # 3 chunks, + the dismissed pairs of the chunk with exclude_pk
        answers = contact_matches_many(organization_id=org.pk, people=people, chunk=3)

    # Then each gets what contact_matches says, in order
    assert [found(a) for a in answers] == expected
    assert [len(a) for a in answers] == [1, 1, 1, 1, 1, 0, 0, 0]


# --- The company-wide scan ----------------------------------------------------------------------------------

@pytest.fixture
def population(admin, other_admin):
    """Four pairs and a trio of one company, namesakes that are not pairs, and the other company's twin."""
    p = {
        "nin_a": person(admin, last_name="Hamdi", nin="109840123456789012"),
        "nin_b": person(admin, last_name="Hamadi", first_name="Rachid", nin="109840123456789012"),
        "mail_a": person(admin, last_name="Saadi", email="n.saadi@example.dz"),
        "mail_b": person(admin, last_name="Saâdi", first_name="Nora", email="n.saadi@example.dz"),
        "name_a": person(admin, last_name="Aïssani", birth_date=BIRTH),
        "name_b": person(admin, last_name="AISANI", birth_date=BIRTH),
        "wil_a": person(admin, last_name="Belkacem", wilaya_id="16"),
        "wil_b": person(admin, last_name="Belkacém", wilaya_id="16"),
        "tel_a": person(admin, last_name="Kaci", phone="0661 22 33 44"),
        "tel_b": person(admin, last_name="Kaci", first_name="Lynda", phone="0661223344"),
        "tel_c": person(admin, last_name="Kaci", first_name="Yanis", phone="+213661223344"),
        "same_name_1": person(admin, last_name="Benali", birth_date=BIRTH, wilaya_id="16"),
        "same_name_2": person(admin, last_name="Benali", birth_date=datetime.date(1990, 1, 1), wilaya_id="16"),
    }
    person(other_admin, last_name="Hamdi", nin="109840123456789012")
    return p


def pairs_of(candidates, p) -> set[tuple[str, str, int, tuple[str, ...]]]:
    names = {c.pk: k for k, c in p.items()}
    return {(names[c.contact_a_id], names[c.contact_b_id], c.score, tuple(c.reasons)) for c in candidates}


def test_the_scan_finds_every_pair_of_the_company_only(admin, org, population, django_capture_on_commit_callbacks):
    # When an administrator runs the scan
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="customers.duplicates_scan", user=admin)
    job.refresh_from_db()

    # Then the job succeeded and recorded these pairs, the trio as two pairs with its oldest member
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"pairs": 6, "created": 6, "updated": 0, "removed": 0, "skipped_groups": 0}
    assert pairs_of(DuplicateCandidate.objects.filter(organization=org), population) == {
        ("nin_a", "nin_b", 100, ("nin",)),
        ("mail_a", "mail_b", 60, ("email",)),
        ("name_a", "name_b", 70, ("name", "birth_date")),
        ("wil_a", "wil_b", 45, ("name", "wilaya")),
        ("tel_a", "tel_b", 50, ("phone",)),
        ("tel_a", "tel_c", 50, ("phone",)),
    }
    assert set(DuplicateCandidate.objects.values_list("status", flat=True)) == {DuplicateStatus.OPEN}


def test_a_rescan_keeps_dismissed_pairs_dismissed_and_drops_pairs_gone(admin, org, population):
    from assura.customers.duplicates import duplicates_store

    duplicates_store(organization_id=org.pk, pairs=duplicate_pairs(organization_id=org.pk)[0])
    duplicate_dismiss(actor=admin, contact_a=population["tel_b"], contact_b=population["tel_a"])
    Contact.objects.filter(pk=population["mail_b"].pk).update(email="autre@example.dz")

    counts = duplicates_store(organization_id=org.pk, pairs=duplicate_pairs(organization_id=org.pk)[0])

    assert counts == {"created": 0, "updated": 0, "removed": 1}
    assert sorted(DuplicateCandidate.objects.values_list("status", flat=True)) == [
        "dismissed", "open", "open", "open", "open"]


def test_a_value_shared_by_a_crowd_is_reported_not_paired(admin, org, monkeypatch):
    monkeypatch.setattr("assura.customers.duplicates.MAX_GROUP", 3)
    for first in ["Ali", "Amel", "Rym", "Omar"]:
        person(admin, last_name=f"Client {first}", first_name=first, phone="021 23 45 00")

    pairs, skipped = duplicate_pairs(organization_id=org.pk)

    assert (pairs, skipped) == ({}, 1)


# --- Pages -------------------------------------------------------------------------------------------------

@pytest.fixture
def candidate(admin, org):
    a = person(admin, last_name="Meziane", email="meziane@example.dz")
    b = person(admin, last_name="Mezianne", email="meziane@example.dz")
    return DuplicateCandidate.objects.create(organization=org, contact_a=a, contact_b=b, score=60, reasons=["email"])


def test_the_duplicates_page_lists_the_open_pairs_with_their_reasons(client, admin, candidate,
                                                                     django_assert_max_num_queries):
    client.force_login(admin)

    with django_assert_max_num_queries(20):
        response = client.get(reverse("duplicates:candidate_list"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Karim Meziane" in body and "Karim Mezianne" in body and "même e-mail" in body
    assert reverse("duplicates:merge", args=[candidate.contact_a_id, candidate.contact_b_id]) in body
    assert reverse("duplicates:dismiss", args=[candidate.contact_a_id, candidate.contact_b_id]) in body


def test_the_list_query_count_does_not_grow_with_the_pairs(client, admin, org, candidate,
                                                           django_assert_max_num_queries):
    client.force_login(admin)
    client.get(reverse("duplicates:candidate_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("duplicates:candidate_list"))
    for n in range(10):
        a = person(admin, last_name=f"Paire{n}", email=f"p{n}@example.dz")
        b = person(admin, last_name=f"Paire{n}bis", email=f"p{n}@example.dz")
        DuplicateCandidate.objects.create(organization=org, contact_a=a, contact_b=b, score=60, reasons=["email"])

    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("duplicates:candidate_list"))


def test_dismissing_a_pair_hides_it(client, admin, candidate):
    client.force_login(admin)

    response = client.post(reverse("duplicates:dismiss", args=[candidate.contact_a_id, candidate.contact_b_id]),
                           HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and response.content == b""
    candidate.refresh_from_db()
    assert (candidate.status, candidate.resolved_by) == (DuplicateStatus.DISMISSED, admin)
    assert "Karim Meziane" not in client.get(reverse("duplicates:candidate_list")).content.decode()
    assert "Karim Meziane" in client.get(reverse("duplicates:candidate_list") + "?status=dismissed").content.decode()


def test_the_scan_button_starts_the_job(client, admin, org, django_capture_on_commit_callbacks):
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("duplicates:scan"))

    job = Job.objects.get(kind="customers.duplicates_scan")
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert (job.organization, job.created_by, job.status) == (org, admin, JobStatus.SUCCEEDED)


@pytest.mark.parametrize("role", ["editor", "supervisor", "agent"])
def test_only_administrators_handle_duplicates(client, request, role, candidate):
    user = request.getfixturevalue(role)
    client.force_login(user)
    a, b = candidate.contact_a_id, candidate.contact_b_id

    assert client.get(reverse("duplicates:candidate_list")).status_code == 403
    assert client.post(reverse("duplicates:scan")).status_code == 403
    assert client.post(reverse("duplicates:dismiss", args=[a, b])).status_code == 403
    assert not Job.objects.exists()
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.OPEN


def test_another_company_cannot_see_or_dismiss_a_pair(client, other_admin, candidate):
    client.force_login(other_admin)
    a, b = candidate.contact_a_id, candidate.contact_b_id

    assert client.post(reverse("duplicates:dismiss", args=[a, b])).status_code == 404
    assert client.get(reverse("duplicates:merge", args=[a, b])).status_code == 404
    assert "Meziane" not in client.get(reverse("duplicates:candidate_list")).content.decode()
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.OPEN
