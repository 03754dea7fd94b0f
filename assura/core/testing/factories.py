"""factory_boy factories for the platform models. Modules add theirs beside their tests
and register them in FACTORIES so that the generic isolation test covers their routes."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from assura.core.models import AuditEvent, Job, JobStatus
from assura.core.permissions import Role
from assura.identity.choices import UserStatus
from assura.identity.models import Agency, ApiToken, Invitation, Organization, PermissionGroup, Region, User

PASSWORD = "Assura-test-2026"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Compagnie {n}")
    address = "12 rue Didouche Mourad, Alger"
    mobile = "+213550123456"
    employees_count = 800
    email = factory.Sequence(lambda n: f"contact{n}@compagnie.test")
    trade_register_number = factory.Sequence(lambda n: f"16/00-{n:07d}B12")
    postal_code = "16000"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"DR{n:02d}")
    name = factory.Sequence(lambda n: f"Direction régionale {n}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    organization = factory.SubFactory(OrganizationFactory)
    # 9xx: never a real wilaya code, so never equal to the numbers tests choose (016-001…).
    number = factory.Sequence(lambda n: f"{900 + n // 1000 % 100:03d}-{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Agence {n}")
    wilaya = "16"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@assura.test")
    first_name = "Amina"
    last_name = "Benali"
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.USER
    status = UserStatus.ACTIVE
    is_active = True

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


class PermissionGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PermissionGroup

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Groupe {n}")
    permissions = factory.LazyFunction(lambda: ["audit.view"])


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(
        UserFactory, organization=factory.SelfAttribute("..organization"), status=UserStatus.INVITED, is_active=False
    )
    nonce = factory.Sequence(lambda n: f"{n:032d}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS))


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    organization = factory.SubFactory(OrganizationFactory)
    kind = "audit.export"
    created_by = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..organization"))


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    organization = factory.SubFactory(OrganizationFactory)
    action = "auth.login"


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    prefix = "abcd1234"
    key_hash = factory.Sequence(lambda n: f"{n:064d}")


# model → factory building one object of a given organization. The generic isolation
# test uses it for every URL pattern that takes an object id.
FACTORIES = {
    Organization: lambda org: org,
    Region: lambda org: RegionFactory(organization=org),
    Agency: lambda org: AgencyFactory(organization=org),
    User: lambda org: UserFactory(organization=org),
    PermissionGroup: lambda org: PermissionGroupFactory(organization=org),
    Invitation: lambda org: InvitationFactory(organization=org),
    # A finished job with its file, so that its download route is exercised too.
    Job: lambda org: JobFactory(
        organization=org, status=JobStatus.SUCCEEDED, result_file=ContentFile(b"date,action\n", name="export.csv")
    ),
    AuditEvent: lambda org: AuditEventFactory(organization=org),
    ApiToken: lambda org: ApiTokenFactory(user=UserFactory(organization=org)),
}


def _register_module_factories() -> None:
    """Each domain app may ship `tests/factories.py` registering its models in FACTORIES;
    they are discovered here so that core imports no domain app by name."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("assura.") and find_spec(f"{config.name}.tests.factories") is not None:
            import_module(f"{config.name}.tests.factories")


_register_module_factories()
