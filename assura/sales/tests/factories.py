"""Factories of the sales app, registered for the generic isolation test."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from assura.core.testing.factories import FACTORIES, OrganizationFactory, UserFactory
from assura.sales.models import DashboardWidget, Opportunity, OpportunityLine, PipelineStage, SalesTarget


class PipelineStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PipelineStage

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Étape {n}")
    order = factory.Sequence(lambda n: n)
    probability = 30


def _stage(org):
    from assura.sales.services import first_open_stage

    return first_open_stage(organization_id=org.pk)


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Flotte automobile {n}")
    stage = factory.LazyAttribute(lambda o: _stage(o.organization))
    status = factory.LazyAttribute(lambda o: o.stage.status)
    probability = factory.LazyAttribute(lambda o: o.stage.probability)
    amount = Decimal("100000.00")
    expected_close_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=20))
    stage_changed_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.LazyFunction(timezone.now)


class OpportunityLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpportunityLine

    opportunity = factory.SubFactory(OpportunityFactory)
    organization = factory.SelfAttribute("opportunity.organization")
    branch = "automobile"
    premium = Decimal("100000.00")


class SalesTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesTarget

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..organization"))
    period = "month"
    start = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    end = factory.LazyAttribute(lambda o: __import__("assura.sales.services", fromlist=["x"]).period_bounds(
        o.period, o.start)[1])
    premium_target = Decimal("1000000.00")
    count_target = 5


class DashboardWidgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DashboardWidget

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..organization"))
    kind = "won"


FACTORIES.update({
    PipelineStage: lambda org: PipelineStageFactory(organization=org),
    Opportunity: lambda org: OpportunityFactory(organization=org),
    OpportunityLine: lambda org: OpportunityLineFactory(opportunity=OpportunityFactory(organization=org)),
    SalesTarget: lambda org: SalesTargetFactory(organization=org),
    DashboardWidget: lambda org: DashboardWidgetFactory(organization=org),
})
