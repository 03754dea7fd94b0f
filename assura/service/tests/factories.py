"""Factories of the service desk, registered for the generic isolation test."""

import factory

from assura.core.testing.factories import FACTORIES, OrganizationFactory
from assura.service.models import (
    Category,
    InboundEmail,
    KbArticle,
    ReplyTemplate,
    RoutingRule,
    SlaPolicy,
    Team,
    Ticket,
)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Catégorie {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Équipe {n}")
    kind = "service_client"


class SlaPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlaPolicy

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Politique {n}")
    first_response_hours = 8
    resolution_hours = 40


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    organization = factory.SubFactory(OrganizationFactory)
    team = factory.LazyAttribute(lambda o: TeamFactory(organization=o.organization))


class ReplyTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReplyTemplate

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Modèle {n}")
    body = "Bonjour {client}, votre demande {reference} est en cours."


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    organization = factory.SubFactory(OrganizationFactory)
    reference = factory.Sequence(lambda n: f"TK-{900000 + n:06d}")
    subject = factory.Sequence(lambda n: f"Retard d'indemnisation {n}")
    customer_name = "Karima Haddad"
    customer_email = "karima.haddad@example.dz"


class KbArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KbArticle

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Délais d'indemnisation {n}")
    body = "Le délai légal d'indemnisation est de 30 jours après accord."


class InboundEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundEmail

    organization = factory.SubFactory(OrganizationFactory)
    source = "webhook"
    status = "quarantaine"
    raw = b"not an e-mail"


FACTORIES.update({
    Category: lambda org: CategoryFactory(organization=org),
    Team: lambda org: TeamFactory(organization=org),
    SlaPolicy: lambda org: SlaPolicyFactory(organization=org),
    RoutingRule: lambda org: RoutingRuleFactory(organization=org),
    ReplyTemplate: lambda org: ReplyTemplateFactory(organization=org),
    Ticket: lambda org: TicketFactory(organization=org),
    KbArticle: lambda org: KbArticleFactory(organization=org),
    InboundEmail: lambda org: InboundEmailFactory(organization=org),
})
