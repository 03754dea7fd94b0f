"""Search normalisation shared by every module.

One rule everywhere: accents, case and punctuation do not matter ("aissani" finds
"AÏSSANI"), Arabic spelling variants are folded, and phone numbers are found in local
or international form ("0550 12 34 56" finds "+213550123456"). Services store
`search_text(...)` in a column; selectors filter it with `search_filter(...)`.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import models
from django.db.models import Lookup, Q

_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي", "ـ": ""})
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_REPEATS = re.compile(r"(.)\1+")
_PHONE_LIKE = re.compile(r"\+?[\d\s.()-]{6,}")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})


def normalize(value: str | None) -> str:
    """Lower-case, without accents or Arabic diacritics, punctuation turned to single spaces."""
    if not value:
        return ""
    text = str(value).lower()
    if not text.isascii():  # plain ASCII (most values) has nothing to fold
        text = text.translate(_LIGATURES).translate(_ARABIC_FOLD)
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", text).replace("_", " ").strip()


def name_key(*parts: str | None) -> str:
    """A transliteration-tolerant key for duplicate detection: "Aïssani", "AISSANI" and
    "Aisani" give the same key (accents folded, doubled letters collapsed, no spaces)."""
    joined = "".join(normalize(p).replace(" ", "") for p in parts if p)
    return _REPEATS.sub(r"\1", joined)


def phone_variants(e164: str | None) -> list[str]:
    """'+213550123456' → ['213550123456', '0550123456']: both forms a person may type."""
    digits = re.sub(r"\D", "", e164 or "")
    if not digits:
        return []
    variants = [digits]
    if digits.startswith("213") and len(digits) > 3:
        variants.append("0" + digits[3:])
    return variants


def search_text(*values: str | None, phones: list[str] | tuple[str, ...] = ()) -> str:
    """The normalised search column: every value, plus each phone in both forms."""
    parts = [normalize(v) for v in values if v]
    for phone in phones:
        parts.extend(phone_variants(phone))
    return " ".join(p for p in parts if p)


def query_terms(query: str | None) -> list[str]:
    """Terms of a typed query. A query that is mostly digits is one phone-like term, so
    that spaces and dots inside a number do not split it; an international number is
    searched in its local form ("+213 550…" → "0550…"), which the search column holds."""
    if not query:
        return []
    if _PHONE_LIKE.fullmatch(query.strip()):
        digits = re.sub(r"\D", "", query)
        if digits.startswith("00213"):
            digits = digits[2:]
        if digits.startswith("213") and len(digits) > 9:
            return ["0" + digits[3:]]
        if 8 <= len(digits) <= 9 and not digits.startswith("0"):
            return [(digits, "0" + digits)]  # a number typed without its leading 0: either form
        return [digits]
    return normalize(query).split()[:8]


class WordPrefixes(Lookup):
    """`search_text__words=["moha", "benal"]`: every term starts a word of the column.

    PostgreSQL answers it from a GIN index on the column's words
    (`array_to_tsvector(string_to_array(search_text, ' '))`, created by each module's search
    index migration): a prefix lookup in the index, no scan and no recheck, whatever the
    size of the table. Other databases use LIKE on " " + column, with the same meaning.
    """

    lookup_name = "words"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # A term is a word, or a tuple of alternative words (any of them will do).
        terms = [t if isinstance(t, tuple) else (t,) for t in self.rhs if t]
        if connection.vendor == "postgresql":
            # Terms are normalised words (letters and digits only): nothing to escape in the tsquery.
            query = " & ".join("(" + " | ".join(f"'{word}':*" for word in alternatives) + ")"
                               for alternatives in terms)
            return f"array_to_tsvector(string_to_array({lhs}, ' ')) @@ %s::tsquery", [*lhs_params, query]
        clauses, params = [], []
        for alternatives in terms:
            clauses.append("(" + " OR ".join(f"(' ' || {lhs}) LIKE %s" for _word in alternatives) + ")")
            for word in alternatives:
                params += [*lhs_params, f"% {word}%"]
        return " AND ".join(clauses), params


models.TextField.register_lookup(WordPrefixes)
models.CharField.register_lookup(WordPrefixes)


def words_index_sql(table: str, column: str = "search_text") -> tuple[str, str]:
    """(create, drop) statements of the PostgreSQL index serving `WordPrefixes` on `table`."""
    name = f"{table}_{column}_words"
    return (f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (array_to_tsvector(string_to_array({column}, ' ')))",
            f"DROP INDEX IF EXISTS {name}")


def search_filter(query: str | None, field: str = "search_text") -> Q:
    """Every term starts a word of the normalised column: "benal" finds "Benali",
    "moh ben" finds "Mohamed Benali", "0550 12" finds "+213 550 12 34 56"."""
    terms = query_terms(query)
    if not terms:
        return Q()
    return Q(**{f"{field}__words": terms})


def words_index_migration(*tables: str):
    """A migration operation replacing the trigram indexes of `tables` by word indexes
    (PostgreSQL only; SQLite scans the column)."""
    from django.db import migrations

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(words_index_sql(table)[0])
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {table}_search_trgm ON {table} "
                                  "USING gin (search_text gin_trgm_ops)")
            schema_editor.execute(words_index_sql(table)[1])

    return migrations.RunPython(forwards, backwards, elidable=False)


def first_matches(queryset, query: str | None, limit: int):
    """`queryset` narrowed to at most `limit` rows matching `query`, found by the search index
    in one query without ORDER BY, ready to be sorted. The header's search box sorts a handful of
    results: asking the database for "the 5 newest matches" directly lets it walk the date index
    checking every row — seconds for a phone number that matches once among a million."""
    ids = list(queryset.filter(search_filter(query)).order_by().values_list("pk", flat=True)[:limit])
    return queryset.filter(pk__in=ids)
