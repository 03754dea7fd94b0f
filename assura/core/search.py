"""Search normalisation shared by every module.

One rule everywhere: accents, case and punctuation do not matter ("aissani" finds
"AÏSSANI"), Arabic spelling variants are folded, and phone numbers are found in local
or international form ("0550 12 34 56" finds "+213550123456"). Services store
`search_text(...)` in a column; selectors filter it with `search_filter(...)`.
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Q

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
    that spaces and dots inside a number do not split it."""
    if not query:
        return []
    if _PHONE_LIKE.fullmatch(query.strip()):
        digits = re.sub(r"\D", "", query)
        return [digits[3:] if digits.startswith("213") and len(digits) > 9 else digits]
    return normalize(query).split()[:8]


def search_filter(query: str | None, field: str = "search_text") -> Q:
    """Every term must appear in the normalised column (a trigram index serves it on PostgreSQL)."""
    condition = Q()
    for term in query_terms(query):
        condition &= Q(**{f"{field}__contains": term})
    return condition
