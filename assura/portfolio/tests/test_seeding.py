"""The demo portfolio seeding, small: every piece is created through the services, once."""

from assura.customers.tests.factories import AccountFactory, ContactFactory
from assura.portfolio.models import Claim, Instalment, Payment, Policy, Quote
from assura.portfolio.seeding import seed_portfolio


def test_seed_portfolio_is_idempotent(org, agency, admin, agent):
    for n in range(12):
        ContactFactory(organization=org, agency=agency, owner=agent if n % 2 else admin)
    AccountFactory(organization=org, agency=agency, owner=agent)
    result = seed_portfolio(organization=org, policies=12, accounts=1, claims=4, quotes=3)
    assert result["created"] == Policy.objects.count() >= 13
    assert Instalment.objects.exists() and Payment.objects.exists() and Quote.objects.count() == 3
    assert Claim.objects.count() == 4
    for policy in Policy.objects.all():
        assert sum(i.amount for i in policy.instalments.all()) == policy.total_premium
    counts = (Policy.objects.count(), Claim.objects.count(), Payment.objects.count())
    assert seed_portfolio(organization=org, policies=12, accounts=1, claims=4, quotes=3) == {"created": 0}
    assert (Policy.objects.count(), Claim.objects.count(), Payment.objects.count()) == counts
