"""Factories of the core's list and search models, registered for the isolation test."""

import factory
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile

from assura.core.models import Attachment, RecentView, SavedView
from assura.core.testing import factories as f
from assura.core.testing.factories import FACTORIES, OrganizationFactory, UserFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


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


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A PDF attached to a record (by default a job of the same company: core knows no domain model).
    To register for the isolation test: FACTORIES[Attachment] = lambda org: AttachmentFactory(organization=org)."""

    class Meta:
        model = Attachment
        exclude = ("record",)

    organization = factory.SubFactory(f.OrganizationFactory)
    record = factory.SubFactory(f.JobFactory, organization=factory.SelfAttribute("..organization"))
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.record))
    object_id = factory.LazyAttribute(lambda o: o.record.pk)
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="attestation.pdf"))
    name = "Attestation d'assurance.pdf"
    size = len(PDF_BYTES)
    mime_type = "application/pdf"


FACTORIES[Attachment] = lambda org: AttachmentFactory(organization=org)
FACTORIES[SavedView] = lambda org: SavedViewFactory(organization=org)
FACTORIES[RecentView] = lambda org: RecentViewFactory(organization=org)
