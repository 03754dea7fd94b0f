"""Factories of the core's list and search models, registered for the isolation test."""

import factory
from django.contrib.contenttypes.models import ContentType

from assura.core.models import RecentView, SavedView
from assura.core.testing.factories import FACTORIES, OrganizationFactory, UserFactory


class SavedViewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedView

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..organization"))
    list_key = "identity:agency_list"
    name = factory.Sequence(lambda n: f"Vue {n}")
    query = "wilaya=16"


class RecentViewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecentView

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..organization"))
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_by_natural_key("identity", "agency"))
    object_id = factory.Sequence(lambda n: n + 1)
    label = factory.Sequence(lambda n: f"Agence {n}")
    url = factory.Sequence(lambda n: f"/agencies/{n + 1}/")


FACTORIES[SavedView] = lambda org: SavedViewFactory(organization=org)
FACTORIES[RecentView] = lambda org: RecentViewFactory(organization=org)
