"""Pages of the customers app: lists (sort, filters, query counts), the 360 pages (header,
tabs, constant queries), forms with errors beside the field and the duplicates warning,
relationships, consents, bulk actions, deletion; text shown escaped."""

import html
import re
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assura.activities.tests.factories import ActivityFactory
from assura.core.models import FieldChange, RecentView
from assura.core.testing import factories as f
from assura.customers import services
from assura.customers.models import Account, Consent, Contact, Relationship
from assura.customers.tests.factories import (
    AccountFactory,
    ConsentFactory,
    ContactFactory,
    RelationshipFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script>"


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def field_error(response, name: str) -> str:
    """The error text rendered beside a field, or '' when there is none."""
    match = re.search(rf'<div class="invalid-feedback d-block" id="id_{name}_error" data-testid="error-{name}">'
                      r"(.*?)</div></div>", response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def visible(page: str, testid: str) -> str:
    """The text of the element marked `data-testid=testid`."""
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', page, re.S)
    return plain(match.group(2)) if match else ""


def plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def table_rows(response) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", r)).split()) for r in rows]


def first_cells(response) -> list[str]:
    return [row.split()[0] for row in table_rows(response)]


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


CONTACT_FORM = {
    "last_name": "Aïssani", "first_name": "Karim", "preferred_language": "fr", "civility": "M",
    "phone_mobile": "0550 12 34 56", "phone_home": "", "phone_work": "021 23 45 67", "phone_fax": "",
    "other_phones": "", "email": "Karim@Exemple.DZ", "emails": "k.aissani@travail.dz", "wilaya": "16",
    "tags": "VIP, Auto", "nin": "", "birth_date": "1985-04-12",
}


# --- Lists --------------------------------------------------------------------------------------------

def test_contact_list_shows_the_visible_contacts(admin_client, org, agency, admin):
    ContactFactory(organization=org, code="C00000001", last_name="Aïssani", first_name="Karim",
                   last_name_ar="عيساني", agency=agency, owner=admin, wilaya_id="16")

    response = admin_client.get("/contacts/")

    assert response.status_code == 200
    assert table_rows(response) == [
        f"C00000001 Karim Aïssani عيساني 0550 12 34 56 16 – Alger 016-001 – {agency.name} Amina Benali "
        + re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", table_rows(response)[0]).group(0)
    ]


@pytest.mark.parametrize(("ordering", "expected"), [
    ("code", ["C1", "C2", "C3"]),
    ("-code", ["C3", "C2", "C1"]),
    ("last_name", ["C2", "C3", "C1"]),
    ("phone", ["C3", "C1", "C2"]),
    ("wilaya", ["C1", "C3", "C2"]),
    ("-agency", ["C2", "C1", "C3"]),
    ("owner", ["C3", "C2", "C1"]),
    ("created_at", ["C1", "C2", "C3"]),
])
def test_every_contact_column_sorts(admin_client, org, ordering, expected):
    agencies = [f.AgencyFactory(organization=org, number=n) for n in ("016-012", "016-013", "016-011")]
    owners = [f.UserFactory(organization=org, last_name=n) for n in ("Zerrouki", "Mansouri", "Amrani")]
    for code, name, phone, wilaya, agency, owner in [
        ("C1", "Zitouni", "+213661000000", "06", agencies[0], owners[0]),
        ("C2", "Amrani", "+213771000000", "31", agencies[1], owners[1]),
        ("C3", "Brahimi", "+213550000000", "16", agencies[2], owners[2]),
    ]:
        ContactFactory(organization=org, code=code, last_name=name, phone=phone, wilaya_id=wilaya, agency=agency,
                       owner=owner)

    response = admin_client.get(f"/contacts/?ordering={ordering}")

    assert first_cells(response) == expected


def test_contact_list_search_and_filters(admin_client, admin, org):
    services.contact_create(actor=admin, last_name="AÏSSANI", phone="+213550123456", segment="premium")
    services.contact_create(actor=admin, last_name="Benali", segment="particulier")

    by_name = admin_client.get("/contacts/", {"q": "aissani"})
    by_phone = admin_client.get("/contacts/", {"q": "0550 12 34 56"})
    by_segment = admin_client.get("/contacts/", {"segment": "particulier"})

    assert [r.split()[1] for r in table_rows(by_name)] == ["AÏSSANI"]
    assert [r.split()[1] for r in table_rows(by_phone)] == ["AÏSSANI"]
    assert [r.split()[1] for r in table_rows(by_segment)] == ["Benali"]


def test_a_search_sorts_at_most_its_first_matches_found_by_the_index(admin_client, admin, monkeypatch):
    from assura.core.tables import Table

    monkeypatch.setattr(Table, "count_cap", 3)
    for name in ("Benali Zineb", "Benali Amine", "Benali Yacine", "Benali Karim", "Benali Sara"):
        last, first = name.split()
        services.contact_create(actor=admin, last_name=last, first_name=first)
    services.contact_create(actor=admin, last_name="Haddad", phone="+213550123456")

    with CaptureQueriesContext(connection) as ctx:
        common = admin_client.get("/contacts/", {"q": "benal", "ordering": "first_name"})
    queries = [q["sql"] for q in ctx.captured_queries]
    rare = admin_client.get("/contacts/", {"q": "0550 12 34 56", "ordering": "first_name"})

    # More matches than the cap: the first cap + 1 found are listed, sorted, and the page says "more than".
    firsts = [r.split()[2] for r in table_rows(common)]
    assert len(firsts) == 4 and firsts == sorted(firsts)
    assert "Plus de 3 éléments" in html.unescape(common.content.decode())
    # The matches are read by the search index alone: no ORDER BY for the database to walk.
    ids_query = next(sql for sql in queries if "array_to_tsvector" in sql or "LIKE" in sql)
    assert "ORDER BY" not in ids_query
    assert [r.split()[1] for r in table_rows(rare)] == ["Haddad"]


@pytest.mark.parametrize("rows", [5, 40])
def test_contact_list_query_count_does_not_grow_with_rows(admin_client, org, agency, admin, rows,
                                                          django_assert_max_num_queries):
    tag = TagFactory(organization=org)
    for _ in range(rows):
        ContactFactory(organization=org, agency=agency, owner=admin, wilaya_id="16").tags.add(tag)

    with django_assert_max_num_queries(13):
        response = admin_client.get("/contacts/?per_page=50&ordering=owner")

    assert len(table_rows(response)) == rows


@pytest.mark.parametrize("rows", [5, 40])
def test_account_list_query_count_does_not_grow_with_rows(admin_client, org, agency, admin, rows,
                                                          django_assert_max_num_queries):
    for _ in range(rows):
        AccountFactory(organization=org, agency=agency, owner=admin, wilaya_id="31")

    with django_assert_max_num_queries(13):
        response = admin_client.get("/accounts/?per_page=50&ordering=-agency")

    assert len(table_rows(response)) == rows


def test_lists_are_in_the_sidebar_of_every_role(client, users_by_role):
    for user in users_by_role.values():
        client.force_login(user)
        page = client.get("/home/").content.decode()
        assert 'href="/contacts/"' in page and 'href="/accounts/"' in page


# --- Bulk actions ----------------------------------------------------------------------------------

def test_bulk_assign_owner_and_add_tag(admin_client, admin, agent, org):
    chosen = [ContactFactory(organization=org, owner=admin) for _ in range(2)]
    untouched = ContactFactory(organization=org, owner=admin)

    assigned = admin_client.post("/contacts/", {"bulk_action": "assign_owner", "ids": [c.pk for c in chosen],
                                                "bulk-assign_owner-owner": agent.pk})
    tagged = admin_client.post("/contacts/", {"bulk_action": "add_tag", "ids": [chosen[0].pk],
                                              "bulk-add_tag-tag": "Flotte auto"})

    assert (assigned.status_code, tagged.status_code) == (302, 302)
    assert [c.owner_id for c in Contact.objects.order_by("pk")] == [agent.pk, agent.pk, admin.pk]
    assert list(chosen[0].tags.values_list("name", flat=True)) == ["Flotte auto"]
    assert untouched.tags.count() == 0


def test_bulk_export_of_the_ticked_rows_runs_as_a_job(admin_client, admin, org, django_capture_on_commit_callbacks):
    from assura.core.models import Job

    chosen = [ContactFactory(organization=org, last_name=name) for name in ("Zitouni", "Amrani")]
    ContactFactory(organization=org, last_name="Pas coché")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/contacts/?ordering=last_name", {
            "bulk_action": "export", "ids": [c.pk for c in chosen], "bulk-export-format": "csv"})

    job = Job.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert (job.params["kind"], job.params["format"], sorted(job.params["ids"])) == (
        "contacts", "csv", sorted(c.pk for c in chosen))
    assert job.status == "succeeded"
    content = job.result_file.read().decode("utf-8-sig")
    assert content.index("Amrani") < content.index("Zitouni") and "Pas coché" not in content


def test_bulk_export_is_refused_without_the_export_permission(client, agent, org, agency):
    from assura.core.models import Job

    contact = ContactFactory(organization=org, owner=agent, agency=agency)
    client.force_login(agent)

    response = client.post("/contacts/", {"bulk_action": "export", "ids": [contact.pk], "bulk-export-format": "csv"})

    assert response.status_code == 403
    assert not Job.objects.exists()


def test_bulk_delete_is_refused_to_a_user(client, agent, org, agency):
    contact = ContactFactory(organization=org, owner=agent, agency=agency)
    client.force_login(agent)

    response = client.post("/contacts/", {"bulk_action": "delete", "ids": [contact.pk]})

    assert response.status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


# --- 360 page ---------------------------------------------------------------------------------------

def test_contact_page_header_shows_identity_channels_and_consents(admin_client, admin, org, agency):
    contact = services.contact_create(
        actor=admin, civility="MME", last_name="Benali", first_name="Sara", last_name_ar="بن علي",
        first_name_ar="سارة", segment="premium", phones=[{"type": "mobile", "number": "0550 12 34 56"},
                                                        {"type": "work", "number": "021 23 45 67"}],
        email="sara@exemple.dz", tags=services.tags_ensure(actor=admin, names=["VIP"]),
    )
    ConsentFactory(organization=org, contact=contact, channel="sms", granted=True)
    ConsentFactory(organization=org, contact=contact, channel="email", granted=False)

    response = admin_client.get(contact.get_absolute_url())

    page = text(response)
    assert response.status_code == 200
    assert visible(page, "record-name") == "Mme Sara Benali"
    assert visible(page, "record-name-ar") == "سارة بن علي"
    assert contact.code == "C00000001" and 'data-testid="contact-code">C00000001<' in page
    assert "Patrimonial" in page and "VIP" in page
    assert "Téléphones 0550 12 34 56 (Mobile) 021 23 45 67 (Travail) E-mails sara@exemple.dz" in plain(page)
    assert re.findall(r'data-channel="(\w+)" data-granted="(\w+)"', page) == [("email", "false"),
                                                                                ("sms", "true")]
    built_in = ("assure", "relations", "activites", "documents")  # other modules register more tabs
    assert [t for t in re.findall(r'data-testid="tab-(\w+)"', page) if t in built_in] == list(built_in)
    assert "016-001" in page and "Amina Benali" in page


def test_contact_page_is_recorded_as_recently_viewed(admin_client, admin, org):
    contact = ContactFactory(organization=org, last_name="Aïssani")

    admin_client.get(contact.get_absolute_url())

    assert list(RecentView.objects.values_list("user", "object_id", "url")) == [
        (admin.pk, contact.pk, f"/contacts/{contact.pk}/")]


@pytest.mark.parametrize("tab", ["assure", "relations", "activites"])
def test_contact_page_queries_do_not_grow_with_activities(admin_client, admin, org, agency, tab):
    """At most 15 SQL queries on a first visit, the same with 3 or 50 activities (and as many
    relationships). SAVEPOINT/RELEASE around "récemment consultés" are transaction control, not reads."""
    counts = []
    for activities in (3, 50):
        contact = ContactFactory(organization=org, owner=admin, agency=agency, wilaya_id="16")
        for _ in range(activities):
            ActivityFactory(organization=org, contact=contact, assignee=admin, agency=agency)
            RelationshipFactory(organization=org, contact=contact)
        ConsentFactory(organization=org, contact=contact)
        contact.tags.add(TagFactory(organization=org))
        services.contact_update(actor=admin, contact=contact, profession=f"Métier {activities}")

        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(f"{contact.get_absolute_url()}?tab={tab}")

        assert response.status_code == 200
        counts.append(len([q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]))
    assert counts[0] == counts[1] <= 15


@pytest.mark.parametrize("tab", ["compte", "contacts", "filiales", "activites"])
def test_account_page_queries_do_not_grow_with_related_records(admin_client, admin, org, agency, tab):
    ContentType.objects.get_for_model(Account)  # cached for the process's life, as on a running server
    counts = []
    for related in (3, 50):
        account = AccountFactory(organization=org, owner=admin, agency=agency, wilaya_id="16")
        for _ in range(related):
            ActivityFactory(organization=org, account=account, assignee=admin, agency=agency)
            RelationshipFactory(organization=org, account=account)
            AccountFactory(organization=org, parent=account, wilaya_id="31")

        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(f"{account.get_absolute_url()}?tab={tab}")

        assert response.status_code == 200
        counts.append(len([q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]))
    assert counts[0] == counts[1] <= 15


def test_activities_tab_shows_the_timeline_with_field_changes(admin_client, admin, org):
    contact = ContactFactory(organization=org, last_name="Aïssani")
    ActivityFactory(organization=org, contact=contact, subject="Appel de bienvenue", assignee=admin)
    services.contact_update(actor=admin, contact=contact, profession="Enseignant")

    page = text(admin_client.get(f"{contact.get_absolute_url()}?tab=activites"))

    assert "Appel de bienvenue" in page
    assert "Enseignant" in page


def test_text_is_shown_escaped(admin_client, admin, org):
    contact = ContactFactory(organization=org, last_name=XSS, first_name=XSS, last_name_ar=XSS, notes=XSS)
    account = AccountFactory(organization=org, name=XSS)
    RelationshipFactory(organization=org, contact=contact, account=account)

    pages = [admin_client.get(url).content.decode() for url in (
        "/contacts/", contact.get_absolute_url(), f"{contact.get_absolute_url()}?tab=relations", "/accounts/",
        account.get_absolute_url(), f"{account.get_absolute_url()}?tab=contacts", "/customers/lookup/?q=script",
    )]

    for page in pages:
        assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[1]


# --- Create and edit forms ------------------------------------------------------------------------------

def test_contact_create_saves_typed_phones_emails_and_tags(admin_client, admin):
    response = admin_client.post("/contacts/new/", {**CONTACT_FORM, "owner": admin.pk, "agency": admin.agency_id})

    contact = Contact.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/contacts/{contact.pk}/"
    assert (contact.code, contact.owner, contact.agency) == ("C00000001", admin, admin.agency)
    assert contact.phones == [{"type": "mobile", "number": "+213550123456"},
                              {"type": "work", "number": "+21321234567"}]
    assert (contact.phone, contact.email) == ("+213550123456", "karim@exemple.dz")
    assert contact.emails == ["karim@exemple.dz", "k.aissani@travail.dz"]
    assert sorted(contact.tags.values_list("name", flat=True)) == ["Auto", "VIP"]
    assert (contact.birth_date, contact.wilaya_id) == (date(1985, 4, 12), "16")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"nin": "12345"}, "nin", "Le NIN doit compter exactement 18 chiffres."),
    ({"phone_mobile": "0123"}, "phone_mobile",
     "Numéro de téléphone invalide. Exemples acceptés : 0550 12 34 56 ou +213 550 12 34 56."),
    ({"birth_date": "2999-01-01"}, "birth_date", "La date de naissance ne peut pas être dans le futur."),
    ({"last_name": ""}, "last_name", "Ce champ est obligatoire."),
    ({"last_name": "x" * 101}, "last_name",
     "Assurez-vous que cette valeur comporte au plus 100 caractères (actuellement 101)."),
    ({"wilaya": "99"}, "wilaya", "Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles."),
    ({"emails": "pas-une-adresse"}, "emails", "pas-une-adresse : Saisissez une adresse e-mail valide."),
], ids=["nin", "phone", "future-birth-date", "missing-name", "too-long", "unknown-wilaya", "bad-email"])
def test_contact_form_shows_errors_beside_the_field(admin_client, changes, field, message):
    response = admin_client.post("/contacts/new/", {**CONTACT_FORM, **changes})

    assert response.status_code == 200
    assert field_error(response, field) == message
    assert 'data-testid="form-errors"' in response.content.decode()
    assert Contact.objects.count() == 0


def test_contact_create_warns_of_duplicates_then_creates_when_confirmed(admin_client, admin, org, agency):
    existing = services.contact_create(actor=admin, last_name="AISSANI", first_name="Karim", phone="0550123456")

    warned = admin_client.post("/contacts/new/", CONTACT_FORM)

    page = text(warned)
    assert warned.status_code == 200
    assert Contact.objects.count() == 1
    assert 'data-testid="duplicates-warning"' in page
    assert f'<a href="/contacts/{existing.pk}/"' in page
    assert "Karim AISSANI (C00000001) — même téléphone" in plain(page)
    assert re.search(r'name="confirm_duplicate" value="1"', page)
    assert "Créer quand même" in page

    created = admin_client.post("/contacts/new/", {**CONTACT_FORM, "confirm_duplicate": "1"})

    assert created.status_code == 302
    assert Contact.objects.count() == 2


def test_duplicates_warning_comes_after_the_field_errors(admin_client, admin):
    services.contact_create(actor=admin, last_name="Aïssani", first_name="Karim", phone="0550123456")

    response = admin_client.post("/contacts/new/", {**CONTACT_FORM, "nin": "123"})

    assert field_error(response, "nin") == "Le NIN doit compter exactement 18 chiffres."
    assert "duplicates-warning" not in response.content.decode()


def test_contact_edit_form_is_prefilled_and_records_history(admin_client, admin):
    contact = services.contact_create(
        actor=admin, last_name="Aïssani", first_name="Karim", email="karim@exemple.dz",
        emails=["autre@exemple.dz"], phones=[{"type": "mobile", "number": "0550123456"},
                                            {"type": "mobile", "number": "0661223344"}],
        tags=services.tags_ensure(actor=admin, names=["VIP"]),
    )

    form = admin_client.get(f"/contacts/{contact.pk}/edit/").context["form"]
    data = {k: ("" if v is None else v) for k, v in {**form.initial, "wilaya": "", "agency": admin.agency_id,
                                                     "owner": admin.pk}.items()}
    data.update(other_phones="\n".join(form.initial["other_phones"]), emails="\n".join(form.initial["emails"]),
                tags=", ".join(form.initial["tags"]), profession="Enseignant")
    response = admin_client.post(f"/contacts/{contact.pk}/edit/", data)

    contact.refresh_from_db()
    assert (form.initial["phone_mobile"], form.initial["other_phones"]) == ("+213550123456", ["+213661223344"])
    assert (form.initial["emails"], form.initial["tags"]) == (["autre@exemple.dz"], ["VIP"])
    assert response.status_code == 302
    assert contact.phones == [{"type": "mobile", "number": "+213550123456"},
                              {"type": "mobile", "number": "+213661223344"}]
    assert contact.emails == ["karim@exemple.dz", "autre@exemple.dz"]
    assert list(FieldChange.objects.filter(content_type=ContentType.objects.get_for_model(Contact))
                .values_list("field", "old_value", "new_value")) == [("profession", "", "Enseignant")]


def test_account_create_with_parent_and_error_on_unknown_parent(admin_client, org):
    group = AccountFactory(organization=org, name="Groupe Cevital", nif="000016009999999")
    base = {"name": "Cevital Agro", "phone_work": "021 23 45 67", "website": "cevital.dz"}

    unknown = admin_client.post("/accounts/new/", {**base, "parent_ref": "Groupe Inconnu"})
    created = admin_client.post("/accounts/new/", {**base, "parent_ref": "000016009999999"})

    assert field_error(unknown, "parent_ref") == "Aucun compte ne porte cette raison sociale ou ce NIF."
    account = Account.objects.get(name="Cevital Agro")
    assert created.status_code == 302
    assert (account.parent, account.phone, account.website) == (group, "+21321234567", "https://cevital.dz")


# --- Relationships and consents ----------------------------------------------------------------------------

def test_add_and_remove_a_relationship_from_the_contact_page(admin_client, org):
    karim = ContactFactory(organization=org, last_name="Aïssani")
    sara = ContactFactory(organization=org, last_name="Benali")

    lookup = admin_client.get("/customers/lookup/", {"q": "benali", "kinds": "contact,account"})
    added = admin_client.post(f"/contacts/{karim.pk}/relationships/",
                              {"kind": "conjoint", "target": f"contact:{sara.pk}", "note": "Mariés"})
    relations_of_sara = text(admin_client.get(f"{sara.get_absolute_url()}?tab=relations"))

    assert f'value="contact:{sara.pk}"' in lookup.content.decode()
    assert added.status_code == 302 and added["Location"] == f"/contacts/{karim.pk}/?tab=relations"
    relationship = Relationship.objects.get()
    assert (relationship.contact, relationship.related_contact, relationship.note) == (karim, sara, "Mariés")
    assert "Conjoint(e)" in relations_of_sara and "Karim Aïssani" in relations_of_sara

    removed = admin_client.post(f"/relationships/{relationship.pk}/delete/",
                                {"next": f"/contacts/{sara.pk}/?tab=relations"})

    assert removed["Location"] == f"/contacts/{sara.pk}/?tab=relations"
    assert Relationship.objects.count() == 0


def test_relationship_errors_are_shown_on_the_relations_tab(admin_client, org):
    karim = ContactFactory(organization=org)

    no_target = admin_client.post(f"/contacts/{karim.pk}/relationships/", {"kind": "conjoint", "target": ""})
    to_self = admin_client.post(f"/contacts/{karim.pk}/relationships/",
                                {"kind": "conjoint", "target": f"contact:{karim.pk}"})

    assert no_target.status_code == 200 and to_self.status_code == 200
    assert field_error(no_target, "target") == "Choisissez la personne ou le compte dans la liste."
    assert field_error(to_self, "target") == "Un contact ne peut pas être lié à lui-même."
    assert 'aria-selected="true" hx-get="?tab=relations"' in to_self.content.decode()
    assert Relationship.objects.count() == 0


def test_account_page_lists_its_contacts_with_roles_and_subsidiaries(admin_client, admin, org):
    account = AccountFactory(organization=org, name="Cosider")
    AccountFactory(organization=org, name="Cosider Travaux", parent=account)
    karim = ContactFactory(organization=org, last_name="Aïssani")

    added = admin_client.post(f"/accounts/{account.pk}/contacts/", {"kind": "dirigeant",
                                                                    "target": f"contact:{karim.pk}"})
    people = text(admin_client.get(f"{account.get_absolute_url()}?tab=contacts"))
    subsidiaries = text(admin_client.get(f"{account.get_absolute_url()}?tab=filiales"))

    assert added["Location"] == f"/accounts/{account.pk}/?tab=contacts"
    assert "Dirigeant(e)" in people and "Karim Aïssani" in people
    assert "Cosider Travaux" in subsidiaries


def test_consent_is_recorded_from_the_contact_page(admin_client, org):
    contact = ContactFactory(organization=org)

    response = admin_client.post(f"/contacts/{contact.pk}/consents/",
                                 {"channel": "whatsapp", "granted": "yes", "source": "Formulaire agence"})

    assert response["Location"] == f"/contacts/{contact.pk}/?tab=assure"
    assert list(Consent.objects.values_list("channel", "granted", "source")) == [
        ("whatsapp", True, "Formulaire agence")]


# --- Deletion -----------------------------------------------------------------------------------------------

def test_administrator_deletes_a_contact_after_confirmation(admin_client, org):
    contact = ContactFactory(organization=org)

    page = admin_client.get(contact.get_absolute_url()).content.decode()
    response = admin_client.post(f"/contacts/{contact.pk}/delete/")

    assert 'data-confirm="Supprimer définitivement ce contact, ses relations et son historique ?"' in page
    assert response["Location"] == "/contacts/"
    assert not Contact.objects.filter(pk=contact.pk).exists()
