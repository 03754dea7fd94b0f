"""Factories of the activities app, registered for the generic isolation test."""

import factory
from django.utils import timezone

from assura.activities.models import Activity
from assura.core.testing.factories import FACTORIES, OrganizationFactory


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    organization = factory.SubFactory(OrganizationFactory)
    kind = "call"
    channel = "phone"
    subject = factory.Sequence(lambda n: f"Appel de suivi {n}")
    occurred_at = factory.LazyFunction(timezone.now)


FACTORIES.update({Activity: lambda org: ActivityFactory(organization=org)})
