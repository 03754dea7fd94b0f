"""Pages of the customers app: contact and account lists, the 360 pages, forms, relationships,
consents and bulk actions. Declarations on the generic views of core; writes in services.

The detail pages' tabs are a registry (`CONTACT_TABS`, `ACCOUNT_TABS`): a later module adds
its tab (policies, claims, receivables…) with `register_contact_tab(DetailTab(...))` from its
AppConfig.ready(), with an optional `context(view)` computed only when that tab is open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import generic

from assura.core.permissions import user_can
from assura.core.views import (
    TenantActionView,
    TenantCreateView,
    TenantDetailView,
    TenantListView,
    TenantUpdateView,
    WorkspaceMixin,
    apply_validation_error,
    call_service,
)
from assura.customers import selectors, services
from assura.customers.choices import PhoneType
from assura.customers.duplicates import account_matches, contact_matches
from assura.customers.filters import AccountFilterSet, ContactFilterSet
from assura.customers.forms import (
    AccountCreateForm,
    AccountForm,
    AddTagForm,
    AssignOwnerForm,
    ConsentForm,
    ContactCreateForm,
    ContactForm,
    RelationshipForm,
)
from assura.customers.models import Account, Contact, Relationship
from assura.customers.tables import AccountTable, ContactTable, phone_display

EDIT = "customers.edit"
DELETE = "records.delete"

MATCH_REASONS = {
    "nin": _("même NIN"), "email": _("même e-mail"), "phone": _("même téléphone"), "name": _("même nom"),
    "birth_date": _("même date de naissance"), "wilaya": _("même wilaya"),
}
ACCOUNT_MATCH_REASONS = {"nif": _("même NIF"), "trade_register": _("même RC"), "nis": _("même NIS"),
                         "name": _("même raison sociale")}


def safe_next(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


def tab_url(obj, tab: str) -> str:
    return f"{obj.get_absolute_url()}?tab={tab}"


# --- Lists and bulk actions ------------------------------------------------------------------------

BULK_ACTIONS = ["assign_owner", "add_tag", "export", "delete"]


class ContactListView(TenantListView):
    model = Contact
    filterset_class = ContactFilterSet
    table_class = ContactTable
    page_title = _("Contacts")
    create_url_name = "customers:contact_create"
    export_kind = "contacts"
    create_action = EDIT
    bulk_actions = BULK_ACTIONS

    def get_queryset(self):
        return selectors.contact_list(user=self.request.user)


class AccountListView(TenantListView):
    model = Account
    filterset_class = AccountFilterSet
    table_class = AccountTable
    page_title = _("Comptes")
    create_url_name = "customers:account_create"
    export_kind = "accounts"
    create_action = EDIT
    bulk_actions = BULK_ACTIONS

    def get_queryset(self):
        return selectors.account_list(user=self.request.user)


def bulk_assign_owner(user, queryset, cleaned_data, request=None) -> int:
    return services.customers_assign_owner(actor=user, records=queryset, owner=cleaned_data["owner"], request=request)


def bulk_add_tag(user, queryset, cleaned_data, request=None) -> int:
    return services.customers_add_tag(actor=user, records=queryset, name=cleaned_data["tag"], request=request)


def register_bulk_actions() -> None:
    """Called from CustomersConfig.ready(): the list pages' "assign owner" and "add tag"."""
    from assura.core.bulk import register_bulk_action

    for model in (Contact, Account):
        register_bulk_action("assign_owner", _("Attribuer à un gestionnaire"), EDIT, AssignOwnerForm,
                             bulk_assign_owner, model=model, icon="person-check")
        register_bulk_action("add_tag", _("Ajouter une étiquette"), EDIT, AddTagForm, bulk_add_tag, model=model,
                             icon="tag")


# --- 360 pages -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DetailTab:
    key: str
    label: str
    template: str
    order: int = 100
    action: str | None = None  # shown only to users allowed this action
    context: Callable | None = None  # context(view) -> dict, computed only when the tab is open


def _contact_relations(view) -> dict:
    return {
        "links": selectors.contact_links(user=view.request.user, contact=view.object),
        "relationship_form": getattr(view, "relationship_form", None) or RelationshipForm(user=view.request.user),
        "lookup_kinds": "contact,account",
        "relationship_add_url": reverse("customers:contact_relationship_add", args=[view.object.pk]),
    }


def _account_contacts(view) -> dict:
    return {
        "people": selectors.account_people(user=view.request.user, account=view.object),
        "relationship_form": getattr(view, "relationship_form", None)
        or RelationshipForm(user=view.request.user, kinds=("contact",)),
        "lookup_kinds": "contact",
        "relationship_add_url": reverse("customers:account_contact_add", args=[view.object.pk]),
    }


def _account_subsidiaries(view) -> dict:
    return {"subsidiaries": selectors.account_subsidiaries(user=view.request.user, account=view.object)}


def _contact_identity(view) -> dict:
    return {"consent_form": ConsentForm()}


CONTACT_TABS: list[DetailTab] = [
    DetailTab("assure", _("Assuré"), "customers/partials/_contact_identity.html", 10, context=_contact_identity),
    DetailTab("relations", _("Relations"), "customers/partials/_contact_relations.html", 20,
              context=_contact_relations),
    DetailTab("activites", _("Activités"), "customers/partials/_timeline_tab.html", 30),
    DetailTab("documents", _("Documents"), "customers/partials/_documents_tab.html", 90),
]
ACCOUNT_TABS: list[DetailTab] = [
    DetailTab("compte", _("Compte"), "customers/partials/_account_identity.html", 10),
    DetailTab("contacts", _("Contacts"), "customers/partials/_account_contacts.html", 20, context=_account_contacts),
    DetailTab("filiales", _("Filiales"), "customers/partials/_account_subsidiaries.html", 30,
              context=_account_subsidiaries),
    DetailTab("activites", _("Activités"), "customers/partials/_timeline_tab.html", 40),
    DetailTab("documents", _("Documents"), "customers/partials/_documents_tab.html", 90),
]


def register_contact_tab(tab: DetailTab) -> None:
    if all(t.key != tab.key for t in CONTACT_TABS):
        CONTACT_TABS.append(tab)


def register_account_tab(tab: DetailTab) -> None:
    if all(t.key != tab.key for t in ACCOUNT_TABS):
        ACCOUNT_TABS.append(tab)


class RecordDetailView(TenantDetailView):
    """A customer's page: header, then tabs from the registry; the visit is remembered
    in "récemment consultés"."""

    template_name = "customers/record_detail.html"
    record_tabs: list[DetailTab] = []
    record_recent_view = True
    forced_tab: str | None = None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        tabs = sorted((t for t in self.record_tabs if t.action is None or user_can(user, t.action)),
                      key=lambda t: t.order)
        wanted = self.forced_tab or self.request.GET.get("tab")
        active = next((t for t in tabs if t.key == wanted), tabs[0])
        ctx["tabs"] = [(t.key, t.label, t.template) for t in tabs]
        ctx["active_tab"] = active.key
        if active.context is not None:
            ctx.update(active.context(self))
        ctx["can_edit"] = user_can(user, EDIT)
        ctx["can_delete"] = user_can(user, DELETE)
        ctx["page_title"] = str(self.object)
        ctx["phones"] = [(PhoneType(p["type"]).label if p.get("type") in PhoneType.values else p.get("type", ""),
                          phone_display(p["number"])) for p in self.object.phones or []]
        return ctx


class ContactDetailView(RecordDetailView):
    model = Contact
    template_name = "customers/contact_detail.html"
    record_tabs = CONTACT_TABS

    def get_queryset(self):
        return selectors.contact_detail_queryset(user=self.request.user)


class AccountDetailView(RecordDetailView):
    model = Account
    template_name = "customers/account_detail.html"
    record_tabs = ACCOUNT_TABS

    def get_queryset(self):
        return selectors.account_detail_queryset(user=self.request.user)


# --- Relationships and consents --------------------------------------------------------------------

class RelationshipAddMixin:
    """POST a relationship from a record's page; errors are shown on its relations tab."""

    http_method_names = ["post"]
    required_action = EDIT
    tab: str
    lookup_kinds: tuple[str, ...]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = RelationshipForm(request.POST, user=request.user, kinds=self.lookup_kinds)
        if form.is_valid():
            try:
                self.create(form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Relation ajoutée."))
                return HttpResponseRedirect(tab_url(self.object, self.tab))
        self.relationship_form = form
        self.forced_tab = self.tab
        return self.render_to_response(self.get_context_data(object=self.object))


class ContactRelationshipAddView(RelationshipAddMixin, ContactDetailView):
    tab = "relations"
    lookup_kinds = ("contact", "account")

    def create(self, data):
        target = data["target"]
        return services.relationship_create(
            actor=self.request.user, contact=self.object, kind=data["kind"], note=data["note"],
            related_contact=target if isinstance(target, Contact) else None,
            account=target if isinstance(target, Account) else None, request=self.request,
        )


class AccountContactAddView(RelationshipAddMixin, AccountDetailView):
    tab = "contacts"
    lookup_kinds = ("contact",)

    def create(self, data):
        return services.relationship_create(
            actor=self.request.user, contact=data["target"], account=self.object, kind=data["kind"],
            note=data["note"], request=self.request,
        )


class RelationshipDeleteView(TenantActionView):
    model = Relationship
    required_action = EDIT
    success_message = _("Relation supprimée.")
    service = services.relationship_delete
    service_object_arg = "relationship"

    def get_queryset(self):
        return selectors.relationship_list(user=self.request.user)

    def get_success_url(self, obj):
        return safe_next(self.request, tab_url(obj.contact, "relations"))


class CustomerLookupView(WorkspaceMixin, generic.TemplateView):
    """The relationship picker's results: a few contacts and accounts matching `q`."""

    template_name = "customers/partials/_lookup_results.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        kinds = tuple(k for k in self.request.GET.get("kinds", "contact,account").split(",")
                      if k in ("contact", "account"))
        query = self.request.GET.get("q", "")[:100]
        ctx["query"] = query
        ctx["results"] = [
            ("contact" if isinstance(r, Contact) else "account", r)
            for r in selectors.customer_lookup(user=self.request.user, query=query, kinds=kinds)
        ]
        return ctx


class ContactConsentView(TenantActionView):
    """Record a consent given or withdrawn on one channel (from the Assuré tab)."""

    model = Contact
    required_action = EDIT

    def perform(self, obj):
        form = ConsentForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.consent_set(actor=self.request.user, contact=obj, request=self.request, **form.cleaned_data)
        messages.success(self.request, _("Consentement enregistré."))

    def get_success_url(self, obj):
        return tab_url(obj, "assure")


# --- Forms -----------------------------------------------------------------------------------------

class CustomerFormMixin:
    """Tags typed by name are resolved (created if new) in the same transaction as the save."""

    template_name = "customers/customer_form.html"

    def perform(self, form):
        data, tag_names = form.service_data()
        with transaction.atomic():
            data["tags"] = services.tags_ensure(actor=self.request.user, names=tag_names)
            return call_service(self, **data)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = getattr(self, "object", None)
        ctx["cancel_url"] = obj.get_absolute_url() if obj is not None else reverse(self.list_url_name)
        return ctx


class DuplicateWarningMixin:
    """On creation, likely duplicates are shown first (after the service's own checks: a
    duplicates warning on invalid data would be noise); the form comes back with the hidden
    `confirm_duplicate` set and "Créer quand même" as its button."""

    build_service: Callable  # cleans the data as the create service would, without saving
    duplicates_title = ""
    duplicates_hint = ""

    def form_valid(self, form):
        if not form.cleaned_data["confirm_duplicate"]:
            data, _tags = form.service_data()
            try:
                type(self).build_service(self.model(organization_id=self.request.user.organization_id), data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
                return self.form_invalid(form)
            duplicates = self.duplicates(data)
            if duplicates:
                form.data = form.data.copy()
                form.data["confirm_duplicate"] = "1"
                return self.render_to_response(self.get_context_data(
                    form=form, duplicates=duplicates, duplicates_title=self.duplicates_title,
                    duplicates_hint=self.duplicates_hint, submit_label=_("Créer quand même")))
        return super().form_valid(form)

    def duplicates(self, data) -> list[dict]:
        """[{"record", "visible" (may the user open it), "reference", "reasons"}], best first."""
        raise NotImplementedError

    def visible_pks(self, records) -> set[int]:
        return set(self.model.objects.visible_to(self.request.user).filter(pk__in=[r.pk for r in records])
                   .values_list("pk", flat=True))


class ContactCreateView(DuplicateWarningMixin, CustomerFormMixin, TenantCreateView):
    model = Contact
    form_class = ContactCreateForm
    required_action = EDIT
    page_title = _("Nouveau contact")
    success_message = _("Contact créé.")
    list_url_name = "customers:contact_list"
    service = services.contact_create
    duplicates_title = _("Ce contact existe peut-être déjà :")
    duplicates_hint = _("Vérifiez qu'il ne s'agit pas de la même personne. « Créer quand même » enregistre une "
                        "nouvelle fiche.")

    @staticmethod
    def build_service(contact, data):
        return services.contact_build(contact=contact, data=data)

    def duplicates(self, data) -> list[dict]:
        user = self.request.user
        matches = contact_matches(
            organization_id=user.organization_id, last_name=data["last_name"], first_name=data["first_name"],
            phone=data["phone"], email=data["email"], nin=data["nin"], birth_date=data["birth_date"],
            wilaya_id=data["wilaya"].pk if data["wilaya"] else None,
        )
        visible = self.visible_pks(m.contact for m in matches)
        return [{"record": m.contact, "visible": m.contact.pk in visible, "reference": m.contact.code,
                 "reasons": [MATCH_REASONS.get(r, r) for r in m.reasons]} for m in matches]


class ContactUpdateView(CustomerFormMixin, TenantUpdateView):
    model = Contact
    form_class = ContactForm
    required_action = EDIT
    page_title = _("Modifier le contact")
    success_message = _("Contact enregistré.")
    list_url_name = "customers:contact_list"
    select_related = ("wilaya",)
    service = services.contact_update
    service_object_arg = "contact"


class AccountCreateView(DuplicateWarningMixin, CustomerFormMixin, TenantCreateView):
    model = Account
    form_class = AccountCreateForm
    required_action = EDIT
    page_title = _("Nouveau compte")
    success_message = _("Compte créé.")
    list_url_name = "customers:account_list"
    service = services.account_create
    duplicates_title = _("Ce compte existe peut-être déjà :")
    duplicates_hint = _("Vérifiez qu'il ne s'agit pas de la même société. « Créer quand même » enregistre un "
                        "nouveau compte.")

    @staticmethod
    def build_service(account, data):
        return services.account_build(account=account, data=data)

    def duplicates(self, data) -> list[dict]:
        matches = account_matches(organization_id=self.request.user.organization_id, name=data["name"],
                                  nif=data["nif"], trade_register=data["trade_register"], nis=data["nis"])
        visible = self.visible_pks(m.account for m in matches)
        return [{"record": m.account, "visible": m.account.pk in visible,
                 "reference": f"NIF {m.account.nif}" if m.account.nif else "",
                 "reasons": [ACCOUNT_MATCH_REASONS[r] for r in m.reasons]} for m in matches]


class AccountUpdateView(CustomerFormMixin, TenantUpdateView):
    model = Account
    form_class = AccountForm
    required_action = EDIT
    page_title = _("Modifier le compte")
    success_message = _("Compte enregistré.")
    list_url_name = "customers:account_list"
    select_related = ("parent",)
    service = services.account_update
    service_object_arg = "account"


# --- Deletion (administrators) ---------------------------------------------------------------------

class ContactDeleteView(TenantActionView):
    model = Contact
    required_action = DELETE
    success_message = _("Contact supprimé.")
    success_url_name = "customers:contact_list"
    service = services.contact_delete
    service_object_arg = "contact"

    def get_success_url(self, obj):
        return reverse(self.success_url_name)


class AccountDeleteView(ContactDeleteView):
    model = Account
    success_message = _("Compte supprimé.")
    success_url_name = "customers:account_list"
    service = services.account_delete
    service_object_arg = "account"
