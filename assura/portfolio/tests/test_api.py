"""API of the portfolio: list, create, domain actions, 400 shape, 403 unchanged, 404 across companies."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.test import APIClient

from assura.customers.tests.factories import ContactFactory
from assura.portfolio.catalogue_data import seed_catalogue
from assura.portfolio.models import Claim, Formula, Guarantee, Payment, Policy, Quote
from assura.portfolio.tests.factories import VEHICLE, make_policy

TODAY = datetime.date.today()


@pytest.fixture
def auto(org):
    return seed_catalogue(org, branches=1)["AUTO-PART"]


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def policy_payload(org, auto, **extra):
    contact = ContactFactory(organization=org)
    return {"product": auto.pk, "formula": Formula.objects.get(product=auto, code="DCO").pk, "contact": contact.pk,
            "guarantees": [Guarantee.objects.get(product=auto, code="BG").pk], "insured_object": VEHICLE,
            "effective_date": (TODAY - datetime.timedelta(days=40)).isoformat(), "payment_frequency": "semestriel",
            **extra}


def test_products_list(agent, auto):
    data = api(agent).get("/api/v1/products/").json()
    assert data["count"] == 1 and {g["code"] for g in data["results"][0]["guarantees"]} >= {"RC", "BG"}


def test_policy_create_renew_endorse_cancel(org, admin, auto):
    client = api(admin)
    early = client.post("/api/v1/policies/", policy_payload(org, auto), format="json").json()
    too_early = client.post(f"/api/v1/policies/{early['id']}/renew/")
    assert too_early.status_code == 400 and "90 jours" in too_early.json()["status"][0]
    start = (TODAY - datetime.timedelta(days=300)).isoformat()
    response = client.post("/api/v1/policies/", policy_payload(org, auto, effective_date=start), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "en_vigueur"
    assert body["total_premium"] == str(Policy.objects.get(pk=body["id"]).total_premium)
    pk = body["id"]
    endorse = client.post(f"/api/v1/policies/{pk}/endorse/", {
        "effective_date": TODAY.isoformat(), "description": "Changement de véhicule",
        "insured_object": {"valeur_venale": "3000000"}}, format="json")
    assert endorse.status_code == 201 and endorse.json()["number"] == 1
    bad = client.post(f"/api/v1/policies/{pk}/endorse/", {
        "effective_date": "2000-01-01", "description": "x"}, format="json")
    assert bad.status_code == 400 and "effective_date" in bad.json()
    renew = client.post(f"/api/v1/policies/{pk}/renew/")
    assert renew.status_code == 201 and renew.json()["previous_policy"] == pk
    again = client.post(f"/api/v1/policies/{pk}/renew/")
    assert again.status_code == 400 and again.json() == {"status": ["Cette police a déjà été renouvelée."]}
    cancel = client.post(f"/api/v1/policies/{renew.json()['id']}/cancel/", {"reason": "Vente du véhicule"},
                         format="json")
    assert cancel.status_code == 200 and cancel.json()["status"] == "resiliee"


def test_policy_create_bad_inputs_give_field_errors(org, admin, auto):
    client = api(admin)
    missing = client.post("/api/v1/policies/", policy_payload(org, auto, insured_object={**VEHICLE, "annee": "x"}),
                          format="json")
    assert missing.status_code == 400
    assert missing.json() == {"insured_object": ["Année : nombre entier positif attendu."]}
    client.post("/api/v1/policies/", policy_payload(org, auto, number="AUT-1"), format="json")
    duplicate = client.post("/api/v1/policies/", policy_payload(org, auto, number="aut-1"), format="json")
    assert duplicate.status_code == 400 and duplicate.json() == {"number": ["Ce numéro de police est déjà attribué."]}
    assert Policy.objects.count() == 1


def test_editor_gets_403_and_nothing_changes(org, editor, auto):
    response = api(editor).post("/api/v1/policies/", policy_payload(org, auto), format="json")
    assert response.status_code == 403 and not Policy.objects.exists()
    policy = make_policy(org)
    assert api(editor).post(f"/api/v1/policies/{policy.pk}/cancel/", {"reason": "x"}).status_code == 403
    policy.refresh_from_db()
    assert policy.status == "en_vigueur"


def test_other_company_policy_is_404(other_org, admin):
    policy = make_policy(other_org)
    client = api(admin)
    assert client.get(f"/api/v1/policies/{policy.pk}/").status_code == 404
    assert client.post(f"/api/v1/policies/{policy.pk}/renew/").status_code == 404
    assert Policy.objects.count() == 1


def test_quote_create_accept_refuse(org, admin, auto):
    client = api(admin)
    payload = {"product": auto.pk, "formula": Formula.objects.get(product=auto, code="RCO").pk,
               "contact": ContactFactory(organization=org).pk, "insured_object": VEHICLE}
    quote = client.post("/api/v1/quotes/", payload, format="json")
    assert quote.status_code == 201 and quote.json()["number"].startswith("DEV-")
    accepted = client.post(f"/api/v1/quotes/{quote.json()['id']}/accept/", {}, format="json")
    assert accepted.status_code == 201 and Quote.objects.get().policy_id == accepted.json()["id"]
    second = client.post("/api/v1/quotes/", payload, format="json").json()
    refused = client.post(f"/api/v1/quotes/{second['id']}/refuse/", {"reason": ""}, format="json")
    assert refused.status_code == 400 and refused.json() == {"reason": ["Indiquez le motif du refus."]}


def test_claims_create_and_transition(org, admin, auto):
    policy = make_policy(org, effective_date=TODAY - datetime.timedelta(days=30))
    client = api(admin)
    before = client.post("/api/v1/claims/", {"policy": policy.pk, "claim_type": "collision",
                                              "loss_date": (TODAY - datetime.timedelta(days=31)).isoformat()},
                         format="json")
    assert before.status_code == 400 and "loss_date" in before.json() and not Claim.objects.exists()
    created = client.post("/api/v1/claims/", {"policy": policy.pk, "claim_type": "collision",
                                               "loss_date": TODAY.isoformat(), "estimated_amount": "80000.00"},
                          format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    moved = client.post(f"/api/v1/claims/{pk}/transition/", {"status": "instruction"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "instruction"
    refused = client.post(f"/api/v1/claims/{pk}/transition/", {"status": "regle"}, format="json")
    assert refused.status_code == 400 and "status" in refused.json()
    listing = client.get("/api/v1/claims/?status=instruction").json()
    assert listing["count"] == 1


def test_payments_and_receivables(org, admin, auto):
    client = api(admin)
    policy_id = client.post("/api/v1/policies/", policy_payload(org, auto), format="json").json()["id"]
    receivables = client.get(f"/api/v1/receivables/?q={Policy.objects.get().number}").json()
    assert receivables["count"] == 2 and receivables["results"][0]["status"] == "impayee"
    amount = receivables["results"][0]["amount"]
    too_much = client.post("/api/v1/payments/", {"policy": policy_id, "amount": "99999999", "method": "cheque"},
                           format="json")
    assert too_much.status_code == 400 and "amount" in too_much.json() and not Payment.objects.exists()
    paid = client.post("/api/v1/payments/", {"policy": policy_id, "amount": amount, "method": "cheque"},
                       format="json")
    assert paid.status_code == 201
    assert client.get("/api/v1/receivables/?status=payee").json()["count"] == 1
