"""Factories of the portfolio app, registered for the generic isolation test."""

from __future__ import annotations

import datetime
from decimal import Decimal

from assura.core.testing.factories import FACTORIES
from assura.customers.tests.factories import ContactFactory
from assura.portfolio.catalogue_data import seed_catalogue
from assura.portfolio.models import (
    Branch,
    Claim,
    Formula,
    Guarantee,
    Instalment,
    Payment,
    Policy,
    Product,
    Quote,
)

VEHICLE = {"immatriculation": "12345-121-16", "marque": "Renault", "modele": "Clio", "annee": 2021,
           "puissance_fiscale": 6, "valeur_venale": "2000000", "usage": "tourisme"}


def auto_product(org) -> Product:
    return seed_catalogue(org, branches=1)["AUTO-PART"]


def make_policy(org, *, contact=None, owner=None, agency=None, number=None, **kwargs) -> Policy:
    product = auto_product(org)
    formula = Formula.objects.get(product=product, code="RCE")
    contact = contact or ContactFactory(organization=org)
    start = kwargs.pop("effective_date", datetime.date.today() - datetime.timedelta(days=30))
    policy = Policy.objects.create(
        organization=org, number=number or f"AUT-T-{Policy.objects.count() + 1:06d}", product=product,
        formula=formula, contact=contact, owner=owner, agency=agency, insured_object=dict(VEHICLE),
        effective_date=start, expiry_date=kwargs.pop("expiry_date", start + datetime.timedelta(days=364)),
        net_premium=Decimal("5000.00"), total_premium=Decimal("5000.00"), **kwargs)
    policy.guarantees.set(formula.included.all())
    return policy


def make_claim(org, **kwargs) -> Claim:
    policy = kwargs.pop("policy", None) or make_policy(org)
    return Claim.objects.create(organization=org, policy=policy, contact=policy.contact, number=f"SIN-T-{policy.pk}",
                                claim_type="collision", loss_date=policy.effective_date,
                                declared_on=policy.effective_date, **kwargs)


def make_quote(org) -> Quote:
    product = auto_product(org)
    return Quote.objects.create(organization=org, number=f"DEV-T-{Quote.objects.count() + 1}", product=product,
                                formula=Formula.objects.get(product=product, code="RCO"),
                                contact=ContactFactory(organization=org), insured_object=dict(VEHICLE),
                                valid_until=datetime.date.today() + datetime.timedelta(days=30))


def make_instalment(org) -> Instalment:
    policy = make_policy(org)
    return Instalment.objects.create(organization=org, policy=policy, contact=policy.contact, sequence=1,
                                     due_date=policy.effective_date, amount=Decimal("5000.00"))


def make_payment(org) -> Payment:
    policy = make_policy(org)
    return Payment.objects.create(organization=org, policy=policy, contact=policy.contact, amount=Decimal("10"),
                                  method="especes", paid_on=datetime.date.today())


FACTORIES.update({
    Branch: lambda org: seed_catalogue(org, branches=1) and Branch.objects.get(organization=org, code="AUT"),
    Product: auto_product,
    Guarantee: lambda org: auto_product(org).guarantees.first(),
    Formula: lambda org: auto_product(org).formulas.first(),
    Policy: make_policy,
    Claim: make_claim,
    Quote: make_quote,
    Instalment: make_instalment,
    Payment: make_payment,
})
