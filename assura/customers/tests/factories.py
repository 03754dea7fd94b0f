"""Factories of the customers app, registered for the generic isolation test."""

import factory
from django.utils import timezone

from assura.core.search import name_key, search_text
from assura.core.testing.factories import FACTORIES, OrganizationFactory
from assura.customers.models import Account, Consent, Contact, Relationship, Tag


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"C{n:08d}")
    last_name = factory.Sequence(lambda n: f"Benali{n}")
    first_name = "Karim"
    phone = "+213550123456"
    search_text = factory.LazyAttribute(lambda o: search_text(o.last_name, o.first_name, o.code, phones=[o.phone]))
    name_key = factory.LazyAttribute(lambda o: name_key(o.last_name, o.first_name))


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"SARL Transports {n}")
    search_text = factory.LazyAttribute(lambda o: search_text(o.name))
    name_key = factory.LazyAttribute(lambda o: name_key(o.name))


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"tag{n}")


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relationship

    organization = factory.SubFactory(OrganizationFactory)
    contact = factory.SubFactory(ContactFactory, organization=factory.SelfAttribute("..organization"))
    account = factory.SubFactory(AccountFactory, organization=factory.SelfAttribute("..organization"))
    kind = "employe"


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    organization = factory.SubFactory(OrganizationFactory)
    contact = factory.SubFactory(ContactFactory, organization=factory.SelfAttribute("..organization"))
    channel = "sms"
    granted = True
    recorded_at = factory.LazyFunction(timezone.now)


FACTORIES.update({
    Contact: lambda org: ContactFactory(organization=org),
    Account: lambda org: AccountFactory(organization=org),
    Tag: lambda org: TagFactory(organization=org),
    Relationship: lambda org: RelationshipFactory(organization=org),
    Consent: lambda org: ConsentFactory(organization=org),
})
