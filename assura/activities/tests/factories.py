"""Factories of the activities app, registered for the generic isolation test."""

import factory
from django.utils import timezone

from assura.activities.models import Activity
from assura.core.models import Notification
from assura.core.testing.factories import FACTORIES, OrganizationFactory, UserFactory


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    organization = factory.SubFactory(OrganizationFactory)
    kind = "call"
    channel = "phone"
    status = "done"
    subject = factory.Sequence(lambda n: f"Appel de suivi {n}")
    occurred_at = factory.LazyFunction(timezone.now)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..organization"))
    kind = "activity.reminder"
    title = factory.Sequence(lambda n: f"Rappel : rendez-vous {n}")
    url = "/activities/"


FACTORIES.update({
    Activity: lambda org: ActivityFactory(organization=org),
    Notification: lambda org: NotificationFactory(organization=org),
})
