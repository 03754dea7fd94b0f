"""Bulk actions on list pages: a registry of actions, run on a selection that is always
re-read through `visible_to(user)` and the list's current filters (ids alone are never
trusted).

A list view declares which actions it offers, by key:

    class ContactListView(TenantListView):
        model = Contact
        bulk_actions = ["assign_owner", "add_tag", "export", "delete"]

and apps register the implementations in their AppConfig.ready(). A registration names
its model (a class or "app_label.ModelName"); one without a model is generic and serves
every list that declares its key, unless the model has its own (the model's wins). Core
registers a generic "delete" (permission "records.delete", one audit entry per record).

    from django import forms
    from assura.core.bulk import BulkActionForm, register_bulk_action

    class AssignOwnerForm(BulkActionForm):
        owner = forms.ModelChoiceField(label=_("Nouveau gestionnaire"), queryset=User.objects.none())

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)  # sets self.user
            self.fields["owner"].queryset = User.objects.visible_to(self.user).filter(is_active=True)

    def contacts_assign_owner(user, queryset, cleaned_data, request=None) -> int:
        return services.customers_assign_owner(actor=user, records=queryset, owner=cleaned_data["owner"],
                                               request=request)

    register_bulk_action("assign_owner", _("Attribuer à un gestionnaire"), "customers.edit",
                         AssignOwnerForm, contacts_assign_owner, model="customers.Contact")

The handler receives the user, a queryset of the chosen records (`Model.objects.visible_to(user)`
narrowed to the list's filters and the ticked ids — or every matching row when the user
chose "all N matching"), the form's cleaned data (`{}` without a form) and, when it takes
one, `request=`. It writes through services and returns how many records it changed, or
a `BulkResult` to say more (an export returns its job's page as `url`). It runs in a
transaction: a ValidationError undoes everything and its messages are shown.

The view checks `action_required` with `user_can` (403, nothing changed) before the
handler runs; services keep their own checks too. A selection larger than the action's
`max_records` is refused before anything runs: narrow the filters (or register the action
with `max_records=None` when it works in the background, like an export).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from assura.core.attachments import attachments_delete_for
from assura.core.models import AuditAction, AuditEvent
from assura.core.permissions import PERMISSIONS, user_can

BULK_MAX_RECORDS = 10_000


class BulkActionForm(forms.Form):
    """Base of a bulk action's form: knows the user (to scope its choices); every action's
    fields sit in one page, so the browser must not require the fields of the others."""

    use_required_attribute = False

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


@dataclass(frozen=True)
class BulkResult:
    count: int
    message: str | None = None  # replaces "N enregistrements modifiés"
    url: str | None = None  # where to go next (a job's progress page…), else back to the list


@dataclass(frozen=True)
class BulkAction:
    key: str
    label: Any
    action_required: str | None
    form_class: type[BulkActionForm] | None
    handler: Callable
    model: str | None = None  # "app_label.modelname"; None: generic
    confirm: Any = None  # a confirmation question; a generic one is asked otherwise
    icon: str = "check2-square"
    max_records: int | None = BULK_MAX_RECORDS

    def allowed(self, user) -> bool:
        return self.action_required is None or user_can(user, self.action_required)

    def form(self, user, data=None):
        if self.form_class is None:
            return None
        return self.form_class(data, user=user, prefix=f"bulk-{self.key}")

    def run(self, *, user, queryset, cleaned_data: dict, request=None) -> BulkResult:
        kwargs = {"request": request} if "request" in inspect.signature(self.handler).parameters else {}
        with transaction.atomic():
            result = self.handler(user, queryset, cleaned_data, **kwargs)
        return result if isinstance(result, BulkResult) else BulkResult(count=int(result or 0))


_ACTIONS: dict[tuple[str | None, str], BulkAction] = {}


def _model_label(model: type[models.Model] | str | None) -> str | None:
    if model is None:
        return None
    if isinstance(model, str):
        return apps.get_model(model)._meta.label_lower
    return model._meta.label_lower


def register_bulk_action(
    key: str, label, action_required: str | None, form_class: type[BulkActionForm] | None, handler: Callable, *,
    model: type[models.Model] | str | None = None, confirm=None, icon: str = "check2-square",
    max_records: int | None = BULK_MAX_RECORDS,
) -> BulkAction:
    """Register (or replace) the implementation of `key` for `model` (None: every model)."""
    if action_required is not None and action_required not in PERMISSIONS:
        raise ImproperlyConfigured(f"Bulk action {key!r}: unknown permission {action_required!r}")
    if form_class is not None and not issubclass(form_class, BulkActionForm):
        raise ImproperlyConfigured(f"Bulk action {key!r}: its form must subclass BulkActionForm")
    action = BulkAction(key, label, action_required, form_class, handler, _model_label(model), confirm, icon,
                        max_records)
    _ACTIONS[(action.model, key)] = action
    return action


def bulk_action_get(model, key: str) -> BulkAction | None:
    label = _model_label(model)
    return _ACTIONS.get((label, key)) or _ACTIONS.get((None, key))


def bulk_actions_for(model, keys, user) -> list[BulkAction]:
    """The declared actions that are registered for the model and allowed to the user, in declared order.
    A declared key nobody registered yet is left out (the module providing it may not be installed)."""
    found = (bulk_action_get(model, key) for key in keys)
    return [action for action in found if action is not None and action.allowed(user)]


# --- Generic delete --------------------------------------------------------------------------------

def records_delete(*, actor, records, request=None) -> BulkResult:
    """Delete records the actor may see (one audit entry each). Records still referenced by
    protected data are not deleted — nothing is, and the message says why."""
    from assura.core.audit import client_ip

    if not user_can(actor, "records.delete"):
        raise PermissionDenied
    records = list(records.filter(organization_id=actor.organization_id))
    if not records:
        return BulkResult(0)
    model = type(records[0])
    ip = client_ip(request)
    agent = request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""
    AuditEvent.objects.bulk_create([
        AuditEvent(organization_id=actor.organization_id, actor=actor, actor_email=actor.email,
                   action=AuditAction.DELETION, object_type=model._meta.model_name, object_id=str(r.pk),
                   object_repr=str(r)[:200], ip_address=ip, user_agent=agent, data={"bulk": True})
        for r in records
    ])
    try:
        with transaction.atomic():
            model._default_manager.filter(pk__in=[r.pk for r in records]).delete()
            attachments_delete_for(model, [r.pk for r in records])
    except (ProtectedError, RestrictedError) as exc:
        message = _("Suppression impossible : des enregistrements liés dépendent de la sélection.")
        raise ValidationError(message) from exc
    count = len(records)
    return BulkResult(count, ngettext("%(count)s enregistrement supprimé.", "%(count)s enregistrements supprimés.",
                                      count) % {"count": count})


def _generic_delete(user, queryset, cleaned_data, request=None):
    return records_delete(actor=user, records=queryset, request=request)


register_bulk_action(
    "delete", _("Supprimer"), "records.delete", None, _generic_delete, icon="trash",
    confirm=_("Supprimer définitivement les enregistrements sélectionnés ?"),
)
