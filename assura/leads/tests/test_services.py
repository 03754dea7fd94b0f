"""Services of the leads app: creation and normalisation, temperature rule, pipeline,
assignment rules, conversion (all or nothing, only once)."""

from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from assura.activities.models import Activity
from assura.activities.tests.factories import ActivityFactory
from assura.core.models import FieldChange, Notification, Wilaya
from assura.core.permissions import Role
from assura.core.testing import factories as f
from assura.customers.models import Account, Contact, Relationship
from assura.customers.tests.factories import AccountFactory, ContactFactory
from assura.leads import services
from assura.leads.models import AssignmentRule, Lead
from assura.leads.tests.factories import AssignmentRuleFactory, LeadFactory


def lead_data(**overrides):
    return {"full_name": "Yacine Belkacem", "source": "site_web", **overrides}


def lead_state(lead) -> dict:
    return Lead.objects.filter(pk=lead.pk).values().get()


# --- Create and update ---------------------------------------------------------------------------

def test_create_normalises_phone_email_and_keeps_the_search_column(admin):
    lead = services.lead_create(actor=admin, **lead_data(
        full_name="  Yacine   BELKACEM ", company="SARL Atlas Négoce", phone="0661 23 45 67",
        email=" Yacine.Belkacem@Atlas.DZ ",
    ))

    lead.refresh_from_db()
    assert lead.full_name == "Yacine BELKACEM"
    assert lead.phone == "+213661234567"
    assert lead.email == "yacine.belkacem@atlas.dz"
    assert lead.search_text == "yacine belkacem sarl atlas negoce yacine belkacem atlas dz 213661234567 0661234567"
    assert lead.status == "nouveau"
    assert lead.temperature == "froid"


def test_create_with_bad_input_gives_field_errors_in_french_and_saves_nothing(admin):
    with pytest.raises(ValidationError) as exc:
        services.lead_create(actor=admin, full_name="", source="inconnue", phone="12", email="pas-une-adresse")

    assert exc.value.message_dict == {
        "phone": ["Numéro de téléphone invalide. Exemples acceptés : 0550 12 34 56 ou +213 550 12 34 56."],
        "full_name": ["Ce champ ne peut pas être vide."],
        "email": ["Saisissez une adresse e-mail valide."],
        "source": ["La valeur «\xa0'inconnue'\xa0» n’est pas un choix valide."],
    }
    assert Lead.objects.count() == 0


def test_update_records_field_history(admin):
    lead = services.lead_create(actor=admin, **lead_data(company="Atlas"))

    services.lead_update(actor=admin, lead=lead, company="Atlas Négoce", interest="eleve")

    changes = FieldChange.objects.filter(object_id=lead.pk, content_type=ContentType.objects.get_for_model(Lead))
    assert sorted((c.field, c.old_value, c.new_value, c.actor_id) for c in changes) == [
        ("company", "Atlas", "Atlas Négoce", admin.pk),
        ("interest", "", "Élevé", admin.pk),
    ]


def test_a_converted_lead_cannot_be_edited(admin):
    lead = services.lead_create(actor=admin, **lead_data())
    services.lead_convert(actor=admin, lead=lead)

    with pytest.raises(ValidationError) as exc:
        services.lead_update(actor=admin, lead=lead, company="Autre")

    assert exc.value.messages == ["Cette piste a été convertie : modifiez plutôt le contact créé."]


@pytest.mark.parametrize("role", [Role.EDITOR, Role.SUPERVISOR])
def test_roles_without_leads_edit_cannot_write(users_by_role, role):
    with pytest.raises(PermissionDenied):
        services.lead_create(actor=users_by_role[role], **lead_data())
    assert Lead.objects.count() == 0


def test_another_company_agency_is_refused(admin, other_admin):
    with pytest.raises(Http404):
        services.lead_create(actor=admin, **lead_data(agency=other_admin.agency))
    assert Lead.objects.count() == 0


# --- Temperature -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("qualification", "score", "temperature"),
    [
        ({}, 0, "froid"),
        ({"interest": "eleve"}, 2, "froid"),
        ({"budget": "moyen", "interest": "moyen", "decision_timeframe": "3_mois"}, 3, "tiede"),
        ({"budget": "moyen", "interest": "eleve", "decision_timeframe": "1_mois", "relevance": "faible"}, 5, "tiede"),
        ({"budget": "eleve", "interest": "eleve", "decision_timeframe": "immediat"}, 6, "chaud"),
        ({"budget": "eleve", "interest": "eleve", "decision_timeframe": "immediat", "relevance": "eleve"}, 8, "chaud"),
        ({"budget": "faible", "interest": "faible", "decision_timeframe": "plus_tard", "relevance": "faible"}, 0,
         "froid"),
    ],
)
def test_temperature_follows_the_qualification_score(admin, qualification, score, temperature):
    assert services.qualification_score(**qualification) == score

    lead = services.lead_create(actor=admin, **lead_data(**qualification))

    assert lead.temperature == temperature


def test_a_temperature_set_by_hand_survives_edits_until_cleared(admin):
    lead = services.lead_create(actor=admin, **lead_data(temperature="chaud"))
    assert lead.temperature == "chaud"

    services.lead_update(actor=admin, lead=lead, budget="moyen")
    assert lead.temperature == "chaud"

    services.lead_update(actor=admin, lead=lead, temperature="")
    assert lead.temperature == "froid"

    services.lead_update(actor=admin, lead=lead, interest="eleve", decision_timeframe="immediat")
    assert lead.temperature == "tiede"  # automatic again: 1 + 2 + 2 = 5


# --- Pipeline ---------------------------------------------------------------------------------------

def test_the_pipeline_moves_forward_and_records_each_step(admin):
    lead = services.lead_create(actor=admin, **lead_data())

    services.lead_transition(actor=admin, lead=lead, status="contacte")
    services.lead_transition(actor=admin, lead=lead, status="qualifie")

    lead.refresh_from_db()
    assert lead.status == "qualifie"
    changes = FieldChange.objects.filter(object_id=lead.pk, field="status").order_by("pk")
    assert [(c.old_value, c.new_value) for c in changes] == [("Nouveau", "Contacté"), ("Contacté", "Qualifié")]


@pytest.mark.parametrize(
    ("start", "target", "message"),
    [
        ("nouveau", "qualifie", "Une piste « Nouveau » ne peut pas passer à « Qualifié »."),
        ("perdu", "qualifie", "Une piste « Perdu » ne peut pas passer à « Qualifié »."),
        ("qualifie", "nouveau", "Une piste « Qualifié » ne peut pas passer à « Nouveau »."),
        ("contacte", "converti", "Une piste ne devient « convertie » que par sa conversion."),
        ("contacte", "gagne", "Statut inconnu."),
    ],
)
def test_forbidden_transitions_are_refused(admin, start, target, message):
    lead = LeadFactory(organization=admin.organization, status=start, lost_reason="prix" if start == "perdu" else "")
    before = lead_state(lead)

    with pytest.raises(ValidationError) as exc:
        services.lead_transition(actor=admin, lead=lead, status=target)

    assert exc.value.message_dict == {"status": [message]}
    assert lead_state(lead) == before


def test_losing_a_lead_requires_a_reason(admin):
    lead = services.lead_create(actor=admin, **lead_data())

    with pytest.raises(ValidationError) as exc:
        services.lead_lose(actor=admin, lead=lead, lost_reason="")

    assert exc.value.message_dict == {"lost_reason": ["Indiquez la raison de la perte."]}
    lead.refresh_from_db()
    assert (lead.status, lead.lost_reason) == ("nouveau", "")


def test_a_lost_lead_can_be_reopened_to_contacted(admin):
    lead = services.lead_create(actor=admin, **lead_data())
    services.lead_lose(actor=admin, lead=lead, lost_reason="concurrent")
    lead.refresh_from_db()
    assert (lead.status, lead.lost_reason) == ("perdu", "concurrent")

    services.lead_reopen(actor=admin, lead=lead)

    lead.refresh_from_db()
    assert (lead.status, lead.lost_reason) == ("contacte", "")


# --- Assignment ---------------------------------------------------------------------------------------

@pytest.fixture
def team(org, agency):
    return [f.UserFactory(organization=org, agency=agency, role=Role.USER, email=f"commercial{i}@alliance.test")
            for i in range(3)]


def test_round_robin_gives_six_leads_two_each_in_turn(admin, team):
    rule = AssignmentRuleFactory(organization=admin.organization, mode="round_robin")
    rule.users.set(team)

    owners = [services.lead_create(actor=admin, **lead_data(full_name=f"Prospect {i}")).owner for i in range(6)]

    assert owners == [team[0], team[1], team[2], team[0], team[1], team[2]]
    assert Counter(o.pk for o in owners) == {team[0].pk: 2, team[1].pk: 2, team[2].pk: 2}
    rule.refresh_from_db()
    assert rule.position == 6


def test_the_assignee_is_notified(admin, team):
    rule = AssignmentRuleFactory(organization=admin.organization, mode="round_robin")
    rule.users.set([team[1]])

    lead = services.lead_create(actor=admin, **lead_data(company="Atlas"))

    notification = Notification.objects.get()
    assert (notification.user, notification.kind, notification.title, notification.url) == (
        team[1], "lead.assigned", "Nouvelle piste attribuée : Yacine Belkacem", f"/leads/{lead.pk}/",
    )


def test_an_agency_rule_takes_the_leads_of_its_agency_only(org, admin, agency, team):
    oran = f.AgencyFactory(organization=org, number="031-002", wilaya="31")
    oran_agent = f.UserFactory(organization=org, agency=oran, role=Role.USER)
    AssignmentRuleFactory(organization=org, mode="agence", agency=oran, priority=10)  # no users: its members
    fallback = AssignmentRuleFactory(organization=org, mode="round_robin", priority=50)
    fallback.users.set([team[0]])

    from_oran = services.lead_create(actor=admin, **lead_data(agency=oran))
    from_alger = services.lead_create(actor=admin, **lead_data(agency=agency))

    assert (from_oran.owner, from_oran.agency) == (oran_agent, oran)
    assert (from_alger.owner, from_alger.agency) == (team[0], agency)


def test_a_wilaya_rule_takes_the_leads_of_its_wilaya_and_gives_its_agency(org, admin, team):
    oran = f.AgencyFactory(organization=org, number="031-003", wilaya="31")
    rule = AssignmentRuleFactory(organization=org, mode="wilaya", wilaya=Wilaya.objects.get(code="31"), agency=oran)
    rule.users.set([team[2]])

    from_oran = services.lead_create(actor=admin, **lead_data(wilaya=Wilaya.objects.get(code="31")))
    from_setif = services.lead_create(actor=admin, **lead_data(wilaya=Wilaya.objects.get(code="19")))

    assert (from_oran.owner, from_oran.agency) == (team[2], oran)
    assert (from_setif.owner, from_setif.agency) == (admin, admin.agency)  # no rule: the creator


def test_rules_are_tried_by_priority_and_inactive_or_empty_ones_are_skipped(org, admin, team):
    inactive = AssignmentRuleFactory(organization=org, mode="round_robin", priority=1, is_active=False)
    inactive.users.set([team[0]])
    AssignmentRuleFactory(organization=org, mode="round_robin", priority=2)  # nobody to give leads to
    second = AssignmentRuleFactory(organization=org, mode="round_robin", priority=3)
    second.users.set([team[1]])
    third = AssignmentRuleFactory(organization=org, mode="round_robin", priority=4)
    third.users.set([team[2]])

    lead = services.lead_create(actor=admin, **lead_data())

    assert lead.owner == team[1]


def test_an_explicit_owner_bypasses_the_rules(admin, agent, team):
    rule = AssignmentRuleFactory(organization=admin.organization, mode="round_robin")
    rule.users.set(team)

    lead = services.lead_create(actor=admin, **lead_data(owner=agent))

    assert lead.owner == agent
    rule.refresh_from_db()
    assert rule.position == 0


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"mode": "round_robin"}, {"users": ["Choisissez au moins un utilisateur qui recevra les pistes."]}),
        ({"mode": "agence"}, {
            "agency": ["Choisissez l'agence dont les pistes sont attribuées par cette règle."],
            "users": ["Choisissez au moins un utilisateur qui recevra les pistes."],
        }),
        ({"mode": "wilaya", "users": "team"}, {
            "wilaya": ["Choisissez la wilaya dont les pistes sont attribuées par cette règle."],
        }),
    ],
)
def test_assignment_rule_validation(admin, team, data, errors):
    if data.get("users") == "team":
        data = {**data, "users": team}
    with pytest.raises(ValidationError) as exc:
        services.assignment_rule_save(actor=admin, **data)

    assert exc.value.message_dict == errors
    assert AssignmentRule.objects.count() == 0


def test_assignment_rules_are_for_administrators(agent, team):
    with pytest.raises(PermissionDenied):
        services.assignment_rule_save(actor=agent, mode="round_robin", users=team)
    assert AssignmentRule.objects.count() == 0


# --- Conversion ------------------------------------------------------------------------------------

@pytest.fixture
def lead(admin, agent):
    return services.lead_create(actor=admin, **lead_data(
        full_name="Yacine Belkacem", job_title="Gérant", company="SARL Atlas Négoce", phone="0661 23 45 67",
        email="yacine@atlas.dz", wilaya=Wilaya.objects.get(code="16"), owner=agent, notes="Flotte de 12 véhicules",
    ))


def test_conversion_creates_contact_account_relationship_and_moves_the_activities(admin, agent, lead):
    call = ActivityFactory(organization=admin.organization, lead=lead, subject="Premier appel")
    note = ActivityFactory(organization=admin.organization, lead=lead, kind="note", subject="Besoin flotte")

    result = services.lead_convert(actor=admin, lead=lead, create_account=True)

    contact, account = result.contact, result.account
    assert (result.contact_created, result.account_created) == (True, True)
    assert (contact.first_name, contact.last_name, contact.phone, contact.email, contact.profession) == (
        "Yacine", "Belkacem", "+213661234567", "yacine@atlas.dz", "Gérant",
    )
    assert (contact.owner, contact.agency, contact.wilaya_id, contact.notes) == (
        agent, agent.agency, "16", "Flotte de 12 véhicules",
    )
    assert contact.code.startswith("C")
    assert (account.name, account.owner, account.wilaya_id) == ("SARL Atlas Négoce", agent, "16")
    assert list(Relationship.objects.values_list("contact_id", "account_id", "kind")) == [
        (contact.pk, account.pk, "dirigeant"),
    ]
    assert set(Activity.objects.filter(contact=contact).values_list("pk", "lead_id", "account_id")) == {
        (call.pk, lead.pk, account.pk), (note.pk, lead.pk, account.pk),
    }
    lead.refresh_from_db()
    assert (lead.status, lead.converted_contact, lead.converted_account, lead.converted_by) == (
        "converti", contact, account, admin,
    )
    assert lead.converted_at is not None


def test_conversion_proposes_and_links_an_existing_contact_matched_by_phone(admin, lead):
    from assura.leads.selectors import conversion_proposals

    existing = ContactFactory(organization=admin.organization, last_name="Belkacem", first_name="Y.",
                              phone="+213661234567", email="")
    ContactFactory(organization=admin.organization, last_name="Autre", phone="+213770000000")
    activity = ActivityFactory(organization=admin.organization, lead=lead)

    proposals = conversion_proposals(user=admin, lead=lead)
    assert [(m.contact, m.reasons) for m in proposals.contacts] == [(existing, ["phone"])]

    result = services.lead_convert(actor=admin, lead=lead, contact=existing)

    assert (result.contact, result.contact_created, result.account) == (existing, False, None)
    assert Contact.objects.count() == 2
    activity.refresh_from_db()
    assert (activity.contact, activity.lead) == (existing, lead)


def test_conversion_proposes_accounts_with_the_same_name(admin, lead):
    from assura.leads.selectors import conversion_proposals

    atlas = AccountFactory(organization=admin.organization, name="SARL ATLAS NEGOCE")
    AccountFactory(organization=admin.organization, name="Sahel Transports")

    assert conversion_proposals(user=admin, lead=lead).accounts == [atlas]

    result = services.lead_convert(actor=admin, lead=lead, account=atlas)

    assert (result.account, result.account_created) == (atlas, False)
    assert Account.objects.count() == 2
    assert Relationship.objects.get().account == atlas


def test_a_second_conversion_is_refused_and_changes_nothing(admin, lead):
    services.lead_convert(actor=admin, lead=lead, create_account=True)
    state = lead_state(lead)
    counts = (Contact.objects.count(), Account.objects.count(), Relationship.objects.count())

    with pytest.raises(ValidationError) as exc:
        services.lead_convert(actor=admin, lead=lead, create_account=True)

    assert exc.value.messages == ["Cette piste a déjà été convertie."]
    assert lead_state(lead) == state
    assert (Contact.objects.count(), Account.objects.count(), Relationship.objects.count()) == counts == (1, 1, 1)


def test_a_failed_conversion_leaves_nothing_behind(admin):
    lead = services.lead_create(actor=admin, **lead_data(company=""))

    with pytest.raises(ValidationError) as exc:
        services.lead_convert(actor=admin, lead=lead, create_account=True)

    assert exc.value.message_dict == {"create_account": [
        "La piste n'indique pas de société : choisissez un compte existant ou ne créez pas de compte."
    ]}
    assert Contact.objects.count() == 0
    lead.refresh_from_db()
    assert (lead.status, lead.converted_at) == ("nouveau", None)


def test_a_lost_lead_must_be_reopened_before_conversion(admin, lead):
    services.lead_lose(actor=admin, lead=lead, lost_reason="prix")

    with pytest.raises(ValidationError) as exc:
        services.lead_convert(actor=admin, lead=lead)

    assert exc.value.messages == ["Cette piste est perdue : rouvrez-la avant de la convertir."]
    assert Contact.objects.count() == 0


def test_a_contact_the_user_may_not_see_cannot_be_linked(org, agent, lead):
    elsewhere = f.AgencyFactory(organization=org, number="031-009")
    hidden = ContactFactory(organization=org, agency=elsewhere, phone="+213661234567")

    with pytest.raises(ValidationError) as exc:
        services.lead_convert(actor=agent, lead=lead, contact=hidden)

    assert exc.value.message_dict == {"contact": ["Ce contact n'existe pas ou ne vous est pas accessible."]}
    lead.refresh_from_db()
    assert lead.converted_at is None


def test_another_company_contact_is_404(admin, other_org, lead):
    foreign = ContactFactory(organization=other_org)

    with pytest.raises(Http404):
        services.lead_convert(actor=admin, lead=lead, contact=foreign)
    assert lead_state(lead)["status"] == "nouveau"


def test_registered_conversion_steps_run_inside_the_conversion(admin, lead, monkeypatch):
    seen = []
    monkeypatch.setattr(services, "CONVERSION_STEPS", [])

    @services.conversion_step
    def opportunity(*, actor, result, options, request):
        seen.append((actor, result.lead.status, options))
        result.extra["opportunity"] = "créée"

    result = services.lead_convert(actor=admin, lead=lead, options={"amount": 100})

    assert seen == [(admin, "converti", {"amount": 100})]
    assert result.extra == {"opportunity": "créée"}


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("Yacine Belkacem", ("Yacine", "Belkacem")),
        ("BELKACEM Yacine", ("Yacine", "BELKACEM")),
        ("Nour El Houda AIT AHMED", ("Nour El Houda", "AIT AHMED")),
        ("Mohamed Amine Benali", ("Mohamed Amine", "Benali")),
        ("Haddad", ("", "Haddad")),
    ],
)
def test_split_full_name(full_name, expected):
    assert services.split_full_name(full_name) == expected


@pytest.mark.parametrize(("job_title", "kind"), [("Gérant", "dirigeant"), ("Directeur financier", "dirigeant"),
                                                 ("Comptable", "employe"), ("", "employe")])
def test_relation_kind_from_the_job_title(job_title, kind):
    assert services.relation_kind_for(job_title) == kind


def test_the_header_search_finds_visible_leads_newest_first(admin, agent, org, other_admin):
    from assura.core.globalsearch import search_all
    from assura.leads.selectors import search_leads

    older = services.lead_create(actor=agent, **lead_data(full_name="Sofiane Aïssani", company="Transports Aïssani"))
    newer = services.lead_create(actor=agent, **lead_data(full_name="Nadia AISSANI"))
    hidden = LeadFactory(organization=org, full_name="Aissani Caché", owner=admin,
                         agency=f.AgencyFactory(organization=org, number="031-009"))
    LeadFactory(organization=other_admin.organization, full_name="Aissani Ailleurs")

    found = search_leads(agent, "aissani", 5)

    assert [r.title for r in found] == ["Nadia AISSANI", "Sofiane Aïssani"]
    assert found[0].url == f"/leads/{newer.pk}/" and "Transports Aïssani" in found[1].subtitle
    assert hidden.full_name not in [r.title for r in search_leads(agent, "aissani", 5)]
    groups = {g.provider.key: g for g in search_all(user=admin, query="aissani")}
    assert {r.url for r in groups["leads"].results} == {f"/leads/{older.pk}/", f"/leads/{newer.pk}/",
                                                        f"/leads/{hidden.pk}/"}
