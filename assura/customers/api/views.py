"""The customers API: contacts, accounts and relationships. Declarations on the tenant
viewsets; reads from the app's selectors (built on `visible_to`), writes through services.

Reading is open to every role (what each one sees is scoped); creating and editing need
`customers.edit`; deleting a contact or an account needs `records.delete`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from assura.core.api import validation_error_detail
from assura.core.serializing import listed
from assura.core.viewsets import TenantModelViewSet
from assura.customers import selectors, services
from assura.customers.api import serializers as s
from assura.customers.duplicates import account_matches, contact_matches
from assura.customers.filters import AccountFilterSet, ContactFilterSet, RelationshipFilterSet
from assura.customers.models import Account, Contact, Relationship

EDIT = "customers.edit"
WRITE_ACTIONS = {"create": EDIT, "update": EDIT, "partial_update": EDIT, "destroy": "records.delete"}


class CustomerViewSetMixin:
    """Writes of contacts and accounts: tags by name resolved in the same transaction as the save.
    Creation never refuses a likely duplicate: it answers 201 with `possible_duplicates`, the
    existing records the caller may open that are probably the same (`matches`)."""

    create_service = update_service = None
    created_serializer_class: type
    object_arg: str

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        matches = self.matches(serializer.validated_data)
        self.perform_create(serializer)
        record = self.get_queryset().get(pk=serializer.instance.pk)
        record.possible_duplicates = matches
        return Response(self.created_serializer_class(record, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    def matches(self, data) -> list:
        raise NotImplementedError

    def only_visible(self, matches, record_of) -> list:
        """Only records the caller may open are named: a match elsewhere must not reveal them."""
        visible = set(self.model.objects.visible_to(self.request.user)
                      .filter(pk__in=[record_of(m).pk for m in matches]).values_list("pk", flat=True))
        return [m for m in matches if record_of(m).pk in visible]

    def service_data(self, serializer) -> dict:
        data = dict(serializer.validated_data)
        if "tags" in data:
            data["tags"] = services.tags_ensure(actor=self.request.user, names=data["tags"])
        return data

    def perform_create(self, serializer):
        with transaction.atomic():
            data = self.service_data(serializer)
            serializer.instance = type(self).create_service(actor=self.request.user, request=self.request, **data)

    def perform_update(self, serializer):
        with transaction.atomic():
            data = self.service_data(serializer)
            type(self).update_service(actor=self.request.user, request=self.request,
                                      **{self.object_arg: serializer.instance}, **data)


@extend_schema_view(create=extend_schema(responses={201: s.ContactCreatedSerializer}))
class ContactViewSet(CustomerViewSetMixin, TenantModelViewSet):
    """Persons: customers, prospects, insured people.

    `?q=` searches names (Latin and Arabic, accents and case ignored), client code, NIN,
    e-mails and phones in any form ("0550 12 34 56" finds "+213550123456").

    Duplicates: `POST` never refuses a likely duplicate. It creates the contact (201) and
    its answer lists in `possible_duplicates` the existing contacts that are probably the same
    person (same NIN, e-mail or phone; same name with the same birth date or wilaya), best
    first — an empty list when there is none. Check it and merge if needed.
    """

    model = Contact
    serializer_class = s.ContactSerializer
    narrow_restricted = True
    filterset_class = ContactFilterSet
    ordering_fields = ["code", "last_name", "first_name", "birth_date", "created_at", "updated_at"]
    required_actions = WRITE_ACTIONS
    create_service = services.contact_create
    update_service = services.contact_update
    created_serializer_class = s.ContactCreatedSerializer
    object_arg = "contact"

    def get_queryset(self):
        return (selectors.contact_list(user=self.request.user).select_related(None)
                .prefetch_related(*listed(self, "tags", "consents")).order_by(*Contact._meta.ordering))

    def matches(self, data):
        phones = data.get("phones") or []
        wilaya = data.get("wilaya")
        matches = contact_matches(
            organization_id=self.request.user.organization_id, last_name=data.get("last_name", ""),
            first_name=data.get("first_name", ""), phone=data.get("phone") or (phones[0]["number"] if phones else ""),
            email=data.get("email", ""), nin=data.get("nin", ""), birth_date=data.get("birth_date"),
            wilaya_id=wilaya.pk if wilaya else None,
        )
        return self.only_visible(matches, lambda m: m.contact)

    def perform_destroy(self, instance):
        services.contact_delete(actor=self.request.user, contact=instance, request=self.request)


@extend_schema_view(create=extend_schema(responses={201: s.AccountCreatedSerializer}))
class AccountViewSet(CustomerViewSetMixin, TenantModelViewSet):
    """Companies: corporate customers and prospects. `?q=` searches the name (both spellings),
    RC, NIF, NIS, e-mails and phones.

    Duplicates: `POST` never refuses a likely duplicate. It creates the account (201) and its
    answer lists in `possible_duplicates` the existing accounts that are probably the same
    company (same NIF, RC or NIS, spaces and punctuation ignored; same raison sociale, case,
    accents, punctuation and legal form — SARL, SPA, EURL… — ignored) — an empty list when
    there is none. Check it and merge if needed.
    """

    model = Account
    serializer_class = s.AccountSerializer
    narrow_restricted = True
    filterset_class = AccountFilterSet
    ordering_fields = ["name", "created_at", "updated_at", "revenue", "headcount"]
    required_actions = WRITE_ACTIONS
    create_service = services.account_create
    update_service = services.account_update
    created_serializer_class = s.AccountCreatedSerializer
    object_arg = "account"

    def matches(self, data):
        matches = account_matches(
            organization_id=self.request.user.organization_id, name=data.get("name", ""), nif=data.get("nif", ""),
            trade_register=data.get("trade_register", ""), nis=data.get("nis", ""),
        )
        return self.only_visible(matches, lambda m: m.account)

    def get_queryset(self):
        return (selectors.account_list(user=self.request.user).select_related(None)
                .prefetch_related(*listed(self, "tags")).order_by(*Account._meta.ordering))

    def perform_destroy(self, instance):
        services.account_delete(actor=self.request.user, account=instance, request=self.request)


class RelationshipViewSet(TenantModelViewSet):
    """Links of a person to another person (household: conjoint, enfant, parent…) or to a
    company (employé, dirigeant…). Filter with `?contact=` (either side) or `?account=`."""

    model = Relationship
    serializer_class = s.RelationshipSerializer
    filterset_class = RelationshipFilterSet
    ordering_fields = ["created_at", "kind"]
    http_method_names = ["get", "post", "delete", "head", "options"]
    required_actions = {"create": EDIT, "destroy": EDIT}

    def get_queryset(self):
        return selectors.relationship_list(user=self.request.user).order_by("pk")

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.relationship_create(
                actor=self.request.user, request=self.request, contact=data["contact"], kind=data["kind"],
                related_contact=data.get("related_contact"), account=data.get("account"), note=data.get("note", ""),
            )
        except DjangoValidationError as exc:
            detail = validation_error_detail(exc)
            if "target" in detail:  # the API names the two possible targets
                detail.setdefault("related_contact" if data.get("related_contact") else "account", []).extend(
                    detail.pop("target"))
            raise ValidationError(detail) from exc

    def perform_destroy(self, instance):
        services.relationship_delete(actor=self.request.user, relationship=instance, request=self.request)
