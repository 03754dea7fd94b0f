"""Writes of the customers app: validation (NIN, phones, dates), client codes, history,
relationships, consents, tags and bulk actions."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from assura.core.models import AuditAction, AuditEvent, FieldChange
from assura.customers import services
from assura.customers.models import Account, Consent, Contact, Relationship, Tag
from assura.customers.tests.factories import AccountFactory, ContactFactory, RelationshipFactory, TagFactory

pytestmark = pytest.mark.django_db


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


def changes_of(obj) -> list[tuple[str, str, str]]:
    return list(FieldChange.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
                .order_by("field").values_list("field", "old_value", "new_value"))


# --- Contacts ------------------------------------------------------------------------------------

def test_contact_create_generates_a_code_per_company(admin, other_admin):
    first = services.contact_create(actor=admin, last_name="Aïssani", first_name="Karim")
    second = services.contact_create(actor=admin, last_name="Benali", first_name="Sara")
    elsewhere = services.contact_create(actor=other_admin, last_name="Haddad")

    assert (first.code, second.code, elsewhere.code) == ("C00000001", "C00000002", "C00000001")
    assert (first.owner, first.agency, first.registered_on) == (admin, admin.agency, timezone.localdate())


def test_contact_create_refuses_a_code_already_given(admin):
    services.contact_create(actor=admin, last_name="Aïssani", code="C00000042")

    with pytest.raises(ValidationError) as exc:
        services.contact_create(actor=admin, last_name="Benali", code="C00000042")

    assert errors_of(exc) == {"code": ["Ce code client est déjà attribué."]}
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(("typed", "stored"), [
    ("0550 12 34 56", "+213550123456"),
    ("+213 550 12 34 56", "+213550123456"),
    ("0550.12.34.56", "+213550123456"),
    ("021 23 45 67", "+21321234567"),
])
def test_phones_are_stored_in_international_form(admin, typed, stored):
    contact = services.contact_create(actor=admin, last_name="Aïssani", phones=[{"type": "mobile", "number": typed}])

    assert contact.phone == stored
    assert contact.phones == [{"type": "mobile", "number": stored}]


def test_invalid_phone_nin_and_future_birth_date_are_refused_together(admin):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as exc:
        services.contact_create(actor=admin, last_name="Aïssani", phone="12345", nin="123", birth_date=tomorrow)

    assert errors_of(exc) == {
        "phone": ["Numéro de téléphone invalide. Exemples acceptés : 0550 12 34 56 ou +213 550 12 34 56."],
        "nin": ["Le NIN doit compter exactement 18 chiffres."],
        "birth_date": ["La date de naissance ne peut pas être dans le futur."],
    }
    assert Contact.objects.count() == 0


def test_nin_typed_with_spaces_is_stored_as_digits(admin):
    contact = services.contact_create(actor=admin, last_name="Aïssani", nin="1234 5678 9012 3456 78")

    assert contact.nin == "123456789012345678"


def test_text_is_stored_literally(admin):
    contact = services.contact_create(actor=admin, last_name="<script>alert(1)</script>", first_name="'; DROP TABLE")

    contact.refresh_from_db()
    assert (contact.last_name, contact.first_name) == ("<script>alert(1)</script>", "'; DROP TABLE")


def test_contact_update_records_field_history(admin, agent):
    contact = services.contact_create(actor=admin, last_name="Aissani", first_name="Karim", phone="0550123456")

    services.contact_update(actor=agent, contact=contact, last_name="Aïssani", phone="0661 22 33 44")

    assert changes_of(contact) == [("last_name", "Aissani", "Aïssani"), ("phone", "+213550123456", "+213661223344")]
    assert set(FieldChange.objects.values_list("actor", flat=True)) == {agent.pk}


def test_contact_update_of_another_company_is_404(admin, other_admin):
    contact = ContactFactory(organization=other_admin.organization, last_name="Haddad")

    with pytest.raises(Http404):
        services.contact_update(actor=admin, contact=contact, last_name="Pirate")

    contact.refresh_from_db()
    assert contact.last_name == "Haddad"


def test_contact_delete_is_for_administrators_and_audited(admin, agent, org):
    contact = ContactFactory(organization=org, last_name="Aïssani")

    with pytest.raises(PermissionDenied):
        services.contact_delete(actor=agent, contact=contact)
    assert Contact.objects.filter(pk=contact.pk).exists()

    services.contact_delete(actor=admin, contact=contact)

    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert list(AuditEvent.objects.values_list("action", "object_type", "data")) == [
        (AuditAction.DELETION, "contact", {"code": contact.code})]


@pytest.mark.parametrize("bulk", [False, True], ids=["one", "bulk"])
def test_deleting_a_customer_deletes_its_files(admin, org, bulk, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assura.core.attachments import attachment_add
    from assura.core.bulk import records_delete
    from assura.core.models import Attachment

    contact, other = ContactFactory(organization=org), ContactFactory(organization=org)
    doomed = attachment_add(actor=admin, record=contact, file=SimpleUploadedFile("cni.csv", b"nom;prenom\na;b\n"))
    kept = attachment_add(actor=admin, record=other, file=SimpleUploadedFile("permis.csv", b"nom;prenom\nc;d\n"))
    assert default_storage.exists(doomed.file.name)

    with django_capture_on_commit_callbacks(execute=True):
        if bulk:
            records_delete(actor=admin, records=Contact.objects.filter(pk=contact.pk))
        else:
            services.contact_delete(actor=admin, contact=contact)

    assert list(Attachment.objects.all()) == [kept]
    assert not default_storage.exists(doomed.file.name)
    assert default_storage.exists(kept.file.name)


# --- Accounts ------------------------------------------------------------------------------------

def test_account_create_and_update_with_history(admin):
    account = services.account_create(actor=admin, name="  SARL   Transports  Atlas ", nif="000016001234567",
                                      phone="021 23 45 67")

    services.account_update(actor=admin, account=account, name="SARL Transports Atlas Sud")

    assert (account.name, account.phone) == ("SARL Transports Atlas Sud", "+21321234567")
    assert changes_of(account) == [("name", "SARL Transports Atlas", "SARL Transports Atlas Sud")]


def test_account_refuses_a_negative_revenue_and_being_its_own_parent(admin, org):
    account = AccountFactory(organization=org)

    with pytest.raises(ValidationError) as exc:
        services.account_update(actor=admin, account=account, revenue=-5, parent=account)

    assert errors_of(exc) == {"revenue": ["Le chiffre d'affaires ne peut pas être négatif."],
                              "parent": ["Un compte ne peut pas être sa propre société mère."]}


def test_account_delete_is_for_administrators(admin, agent, org):
    account = AccountFactory(organization=org)

    with pytest.raises(PermissionDenied):
        services.account_delete(actor=agent, account=account)
    assert Account.objects.filter(pk=account.pk).exists()

    services.account_delete(actor=admin, account=account)
    assert not Account.objects.filter(pk=account.pk).exists()
    assert AuditEvent.objects.get().object_type == "account"


# --- Relationships ---------------------------------------------------------------------------------

def test_relationship_between_two_people_and_with_a_company(admin, org):
    karim, sara = ContactFactory(organization=org), ContactFactory(organization=org)
    company = AccountFactory(organization=org)

    spouse = services.relationship_create(actor=admin, contact=karim, related_contact=sara, kind="conjoint",
                                          note="  mariés   en 2015 ")
    job = services.relationship_create(actor=admin, contact=karim, account=company, kind="dirigeant")

    assert (spouse.organization_id, spouse.note, spouse.account) == (org.pk, "mariés en 2015", None)
    assert (job.related_contact, job.account, job.kind) == (None, company, "dirigeant")


@pytest.mark.parametrize(("kwargs", "errors"), [
    ({"kind": "conjoint"}, {"target": ["Choisissez soit une personne, soit un compte."]}),
    ({"kind": "conjoint", "to_self": True}, {"target": ["Un contact ne peut pas être lié à lui-même."]}),
    ({"kind": "employe", "to_person": True}, {"kind": ["Ce lien ne s'applique pas entre deux personnes."]}),
    ({"kind": "enfant", "to_account": True},
     {"kind": ["Ce lien ne s'applique pas entre une personne et un compte."]}),
    ({"kind": "enfant", "to_person": True, "inverse_exists": True}, {"target": ["Cette relation existe déjà."]}),
], ids=["no-target", "self", "company-kind-between-people", "family-kind-with-company", "already-linked"])
def test_relationship_refusals(admin, org, kwargs, errors):
    karim, sara = ContactFactory(organization=org), ContactFactory(organization=org)
    company = AccountFactory(organization=org)
    if kwargs.pop("inverse_exists", False):  # Sara is Karim's parent: Karim is already Sara's child
        RelationshipFactory(organization=org, contact=sara, related_contact=karim, account=None, kind="parent")
    before = Relationship.objects.count()
    target = {}
    if kwargs.pop("to_self", False):
        target["related_contact"] = karim
    if kwargs.pop("to_person", False):
        target["related_contact"] = sara
    if kwargs.pop("to_account", False):
        target["account"] = company

    with pytest.raises(ValidationError) as exc:
        services.relationship_create(actor=admin, contact=karim, **target, **kwargs)

    assert errors_of(exc) == errors
    assert Relationship.objects.count() == before


def test_relationship_to_another_companys_contact_is_404(admin, org, other_org):
    karim = ContactFactory(organization=org)
    stranger = ContactFactory(organization=other_org)

    with pytest.raises(Http404):
        services.relationship_create(actor=admin, contact=karim, related_contact=stranger, kind="conjoint")
    assert Relationship.objects.count() == 0


# --- Consents ------------------------------------------------------------------------------------

def test_consent_given_then_withdrawn_is_kept_in_history(admin, org):
    contact = ContactFactory(organization=org)

    services.consent_set(actor=admin, contact=contact, channel="sms", granted=True, source="Formulaire agence")
    services.consent_set(actor=admin, contact=contact, channel="sms", granted=False, source="Appel")

    consent = Consent.objects.get()
    assert (consent.channel, consent.granted, consent.source) == ("sms", False, "Appel")
    assert list(FieldChange.objects.order_by("pk").values_list("field", "field_label", "old_value", "new_value")) == [
        ("consent.sms", "Consentement SMS", "", "Accordé"),
        ("consent.sms", "Consentement SMS", "Accordé", "Refusé"),
    ]


def test_consent_on_an_unknown_channel_is_refused(admin, org):
    contact = ContactFactory(organization=org)

    with pytest.raises(ValidationError) as exc:
        services.consent_set(actor=admin, contact=contact, channel="pigeon", granted=True)

    assert errors_of(exc) == {"channel": ["Canal inconnu."]}
    assert Consent.objects.count() == 0


# --- Tags and bulk actions -------------------------------------------------------------------------

def test_tags_ensure_reuses_names_whatever_the_case(admin, org, other_org):
    vip = TagFactory(organization=org, name="VIP")
    TagFactory(organization=other_org, name="Flotte")

    tags = services.tags_ensure(actor=admin, names=["vip", " Flotte ", "", "flotte"])

    assert tags[0] == vip
    assert [(t.name, t.organization_id) for t in tags] == [("VIP", org.pk), ("Flotte", org.pk)]
    assert Tag.objects.filter(organization=org).count() == 2


def test_contact_create_with_tags(admin):
    tags = services.tags_ensure(actor=admin, names=["VIP", "Auto"])

    contact = services.contact_create(actor=admin, last_name="Aïssani", tags=tags)

    assert sorted(contact.tags.values_list("name", flat=True)) == ["Auto", "VIP"]


def test_bulk_assign_owner_changes_only_what_differs_and_keeps_history(admin, agent, org):
    mine = ContactFactory(organization=org, owner=agent)
    others = [ContactFactory(organization=org, owner=admin) for _ in range(2)]

    count = services.customers_assign_owner(actor=admin, records=Contact.objects.filter(organization=org),
                                            owner=agent)

    assert count == 2
    assert set(Contact.objects.values_list("owner", flat=True)) == {agent.pk}
    assert sorted(FieldChange.objects.values_list("object_id", flat=True)) == sorted(c.pk for c in others)
    assert changes_of(mine) == []


def test_bulk_add_tag_is_idempotent(admin, org):
    contacts = [ContactFactory(organization=org) for _ in range(3)]
    contacts[0].tags.add(TagFactory(organization=org, name="VIP"))
    records = Contact.objects.filter(organization=org)

    assert services.customers_add_tag(actor=admin, records=records, name="vip") == 2
    assert services.customers_add_tag(actor=admin, records=records, name="VIP") == 0
    assert [list(c.tags.values_list("name", flat=True)) for c in contacts] == [["VIP"], ["VIP"], ["VIP"]]
