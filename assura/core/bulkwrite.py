"""Writing many rows without per-row queries: COPY on PostgreSQL, one executemany on SQLite.

Used by the demo/benchmark seeders and by the import engine's final write. Rows are model
instances already validated (or dicts of attribute names); no signal is sent, as with
`bulk_create`.
"""

from __future__ import annotations

import json
from datetime import UTC, date

from django.db import connection, models
from django.utils import timezone


class BulkWriter:
    """Inserts prepared model instances without per-row queries. Ids are reserved first
    (`reserve_ids`) so that related rows can point at rows not yet written."""

    def __init__(self):
        self.vendor = connection.vendor
        self._plans: dict[type, tuple] = {}
        if self.vendor == "sqlite":
            with connection.cursor() as cursor:  # this connection only: 256 MB of page cache for the indexes
                cursor.execute("PRAGMA cache_size = -262144")

    def reserve_ids(self, model: type[models.Model], count: int) -> list[int]:
        if count <= 0:
            return []
        table, pk = model._meta.db_table, model._meta.pk.column
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so the next ids are ours.
            cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608 - names from _meta
            last = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            first = max(last, row[0] if row else 0) + 1
            self._sqlite_bump(table, first + count - 1)
            return list(range(first, first + count))

    def _sqlite_bump(self, table: str, last: int) -> None:
        # Ids reserved and not yet inserted must not be handed out again by a later reservation.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s", [last, table])
            if cursor.rowcount == 0:
                cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last])

    def _plan(self, model):
        plan = self._plans.get(model)
        if plan is None:
            fields = list(model._meta.concrete_fields)
            defaults = {f.attname: (None if f.primary_key else f.get_default()) for f in fields}
            converters = [(i, convert) for i, f in enumerate(fields) if (convert := self._converter(f))]
            stamped = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
            plan = (fields, [f.attname for f in fields], defaults, converters, stamped)
            self._plans[model] = plan
        return plan

    def _converter(self, f):
        """How a Python value is written. psycopg adapts everything but JSON itself; on SQLite
        dates go as ISO text (datetimes in UTC, as Django stores them) and JSON as text."""
        if isinstance(f, models.JSONField):
            if self.vendor == "postgresql":
                from psycopg.types.json import Jsonb

                return Jsonb
            return lambda value: json.dumps(value, cls=f.encoder)
        if self.vendor == "postgresql":
            return None
        if isinstance(f, models.DateTimeField):
            return lambda value: str((value if value.tzinfo is UTC else value.astimezone(UTC)).replace(tzinfo=None))
        if isinstance(f, models.DateField):
            return date.isoformat
        if isinstance(f, models.DecimalField):
            return lambda value: f.get_db_prep_save(value, connection)
        return None

    def build(self, model: type[models.Model], **values) -> models.Model:
        """An unsaved instance, built from positional values (Django's fast path: a million
        instances built with keyword arguments cost minutes)."""
        fields, _attnames, _defaults, _converters, _stamped = self._plan(model)
        if "pk" in values:
            values[model._meta.pk.attname] = values.pop("pk")
        return model(*[values[f.attname] if f.attname in values else f.get_default() for f in fields])

    def insert(self, model: type[models.Model], objs: list) -> int:
        """Write `objs`: model instances or dicts of attribute names (missing ones take the
        field's default; empty auto_now(_add) dates take "now", as save() would)."""
        if not objs:
            return 0
        fields, attnames, defaults, converters, stamped = self._plan(model)
        now = timezone.now()
        rows = []
        for obj in objs:
            values = obj if isinstance(obj, dict) else obj.__dict__
            row = [values.get(name, defaults[name]) for name in attnames]
            for i, convert in converters:
                if row[i] is not None:
                    row[i] = convert(row[i])
            rows.append(row)
        for name in stamped:
            i = attnames.index(name)
            for row in rows:
                if row[i] is None:
                    row[i] = now if self.vendor == "postgresql" else str(now.replace(tzinfo=None))
        table = model._meta.db_table
        columns = ", ".join(f'"{f.column}"' for f in fields)
        if self.vendor == "postgresql":
            connection.ensure_connection()
            with connection.connection.cursor() as cursor, cursor.copy(
                f'COPY "{table}" ({columns}) FROM STDIN'
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            with connection.cursor() as cursor:
                cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({placeholders})', rows)  # noqa: S608
        return len(rows)


