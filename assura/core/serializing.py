"""A faster rendering of API lists, with exactly DRF's output.

DRF renders each row by asking every field for its attribute (`field.get_attribute`, which
walks the dotted source and guards against missing relations) and then for its representation.
On a page of 100 rows × 40 fields that bookkeeping costs more than the database. `FastListSerializer`
works out once per page which fields are plain model columns (a text, a number, a date, a
choice, a foreign key rendered as its id) and reads those straight from the row; every other
field (nested serializers, lists, methods, dotted sources) goes through DRF's own path. The
result is the same dict (tested against DRF on every API serializer of the project).

Tenant viewsets (core/viewsets.py) use it for every `many=True` serializer they build.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Prefetch
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

# DRF fields whose representation depends only on the column's value (not on the row).
PLAIN_FIELDS = (drf_fields.CharField, drf_fields.IntegerField, drf_fields.BooleanField, drf_fields.ChoiceField,
                drf_fields.DateField, drf_fields.DateTimeField, drf_fields.DecimalField, drf_fields.FloatField,
                drf_fields.UUIDField, drf_fields.JSONField, drf_fields.TimeField, drf_fields.DurationField)
FIELD_COLUMN, FIELD_PK, FIELD_DRF, FIELD_STR = 0, 1, 2, 3


def _column(model, source: str):
    """The concrete model field a one-step `source` names, or None (a property, a method, a reverse relation…)."""
    try:
        field = model._meta.get_field(source)
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "concrete", False) and not getattr(field, "many_to_many", False) else None


def compile_plan(child: serializers.Serializer) -> list[tuple]:
    """[(kind, output name, DRF field, attribute name)] for the child serializer's readable fields."""
    model = getattr(getattr(child, "Meta", None), "model", None)
    plan = []
    for field in child._readable_fields:
        kind, attname = FIELD_DRF, None
        column = _column(model, field.source) if model is not None and len(field.source_attrs) == 1 else None
        if column is not None:
            if isinstance(field, relations.PrimaryKeyRelatedField) and isinstance(column, models.ForeignKey) \
                    and field.pk_field is None and column.target_field.primary_key \
                    and field.use_pk_only_optimization():
                kind, attname = FIELD_PK, column.attname
            elif not column.is_relation and isinstance(field, PLAIN_FIELDS) and \
                    type(field).get_attribute is drf_fields.Field.get_attribute:
                kind, attname = FIELD_COLUMN, column.attname
        if field.source == "__str__" and isinstance(field, drf_fields.CharField):
            kind = FIELD_STR  # DRF would inspect the bound method's signature on every row
        if isinstance(field, serializers.ListSerializer):
            speed_up(field)
        plan.append((kind, field.field_name, field, attname))
    return plan


def represent(plan: list[tuple], instance) -> dict:
    """The row as DRF's `Serializer.to_representation` would write it."""
    row = {}
    for kind, name, field, attname in plan:
        if kind == FIELD_COLUMN:
            value = getattr(instance, attname)
            row[name] = None if value is None else field.to_representation(value)
        elif kind == FIELD_PK:
            row[name] = getattr(instance, attname)
        elif kind == FIELD_STR:
            row[name] = field.to_representation(str(instance))
        else:
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            row[name] = None if check is None else field.to_representation(attribute)
    return row


class FastListSerializer(serializers.ListSerializer):
    """A ListSerializer whose rows are written through `compile_plan`/`represent` when the child is
    a plain (Model)Serializer that does not customise `to_representation`."""

    def to_representation(self, data):
        rows: Iterable = data.all() if isinstance(data, models.manager.BaseManager) else data
        child = self.child
        if type(child).to_representation is not serializers.Serializer.to_representation:
            return [child.to_representation(item) for item in rows]
        plan = self.__dict__.get("_plan")
        if plan is None:  # nested lists (phones, consents) are rendered once per row: plan once
            plan = self._plan = compile_plan(child)
        return [represent(plan, item) for item in rows]


class ReadsPrefetched:
    """For a to-many field: reads the plain list a `Prefetch(source, to_attr=f"{source}_list")` left on
    the row (no related manager and queryset built per row, as Django's prefetch cache needs), else
    the relation itself (a row that was not prefetched, e.g. just created)."""

    def get_attribute(self, instance):
        found = instance.__dict__.get(f"{self.source}_list")
        return found if found is not None else super().get_attribute(instance)


def listed(view, *relations: str) -> list:
    """The prefetches of a viewset's to-many relations: on a list, as plain lists (`<name>_list`, read
    by `ReadsPrefetched`); on one record, Django's usual prefetch, which DRF forgets after an update
    so that the answer shows the new values."""
    if getattr(view, "action", None) == "list":
        return [Prefetch(name, to_attr=f"{name}_list") for name in relations]
    return list(relations)


class PrefetchedListSerializer(ReadsPrefetched, FastListSerializer):
    """`Meta.list_serializer_class` of a nested serializer whose rows are prefetched with to_attr."""


def speed_up(serializer):
    """The serializer DRF built, its list rendering made fast when it is a plain ListSerializer."""
    if type(serializer) is serializers.ListSerializer:
        serializer.__class__ = FastListSerializer
    return serializer
