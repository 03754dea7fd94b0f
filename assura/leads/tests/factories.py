"""Factories of the leads app, registered for the generic isolation test."""

import factory

from assura.core.search import search_text
from assura.core.testing.factories import FACTORIES, OrganizationFactory
from assura.leads.models import AssignmentRule, Lead


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    organization = factory.SubFactory(OrganizationFactory)
    full_name = factory.Sequence(lambda n: f"Yacine Belkacem {n}")
    phone = "+213661234567"
    source = "site_web"
    search_text = factory.LazyAttribute(lambda o: search_text(o.full_name, phones=[o.phone]))


class AssignmentRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssignmentRule

    organization = factory.SubFactory(OrganizationFactory)
    mode = "round_robin"


FACTORIES.update({
    Lead: lambda org: LeadFactory(organization=org),
    AssignmentRule: lambda org: AssignmentRuleFactory(organization=org),
})
