"""Reads of the customers app, always built on `visible_to(user)`: a record the user may
not see is absent (a 404 on its page), never filtered afterwards."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q

from assura.core.globalsearch import Result, subtitle_join
from assura.core.search import first_matches, search_filter
from assura.customers.choices import RelationKind
from assura.customers.models import Account, Consent, Contact, Relationship
from assura.customers.services import INVERSE_RELATION
from assura.customers.tables import phone_display


def contact_list(*, user, query: str | None = None):
    """Contacts the user may see, with what a list row shows, in one query per page."""
    qs = Contact.objects.visible_to(user).select_related("owner", "agency", "wilaya")
    if query:
        qs = qs.filter(search_filter(query))
    return qs


def contact_detail_queryset(*, user):
    """What the 360 page header shows, in one query (tags and consents in one more each)."""
    return (
        Contact.objects.visible_to(user)
        .select_related("owner", "agency", "wilaya")
        .prefetch_related("tags", Prefetch("consents", queryset=Consent.objects.order_by("channel")))
    )


def account_list(*, user, query: str | None = None):
    qs = Account.objects.visible_to(user).select_related("owner", "agency", "wilaya")
    if query:
        qs = qs.filter(search_filter(query))
    return qs


def account_detail_queryset(*, user):
    return Account.objects.visible_to(user).select_related("owner", "agency", "wilaya", "parent").prefetch_related(
        "tags"
    )


def relationship_list(*, user):
    """Relationships whose person the user may see (the API's list)."""
    return Relationship.objects.visible_to(user).filter(contact__in=Contact.objects.visible_to(user).values("pk"))


@dataclass
class Link:
    """One relationship as read from a record's page: the other party and the kind of link."""

    relationship: Relationship
    kind_label: str
    other: Contact | Account


def contact_links(*, user, contact: Contact) -> list[Link]:
    """The contact's household and companies, both directions, in one query. Only parties the
    user may see are listed (an Utilisateur does not learn of another agency's customer)."""
    visible_contacts = Contact.objects.visible_to(user).values("pk")
    visible_accounts = Account.objects.visible_to(user).values("pk")
    rows = (
        Relationship.objects.visible_to(user)
        .filter(
            Q(contact=contact, related_contact__in=visible_contacts)
            | Q(contact=contact, account__in=visible_accounts)
            | Q(related_contact=contact, contact__in=visible_contacts)
        )
        .select_related("contact", "related_contact", "account")
        .order_by("kind", "pk")
    )
    links = []
    for rel in rows:
        if rel.contact_id == contact.pk:
            links.append(Link(rel, rel.get_kind_display(), rel.related_contact or rel.account))
        else:
            inverse = INVERSE_RELATION.get(rel.kind, rel.kind)
            links.append(Link(rel, RelationKind(inverse).label, rel.contact))
    return links


def account_people(*, user, account: Account):
    """The account's contacts with their role, in one query."""
    return (
        Relationship.objects.visible_to(user)
        .filter(account=account, contact__in=Contact.objects.visible_to(user).values("pk"))
        .select_related("contact")
        .order_by("kind", "contact__last_name", "pk")
    )


def account_subsidiaries(*, user, account: Account):
    return Account.objects.visible_to(user).filter(parent=account).select_related("wilaya").order_by("name", "pk")


def customer_lookup(*, user, query: str, kinds: tuple[str, ...] = ("contact", "account"), exclude=None,
                    limit: int = 8) -> list[Contact | Account]:
    """A few contacts and accounts matching a typed query (the relationship picker)."""
    if not search_filter(query):
        return []
    found: list[Contact | Account] = []
    if "contact" in kinds:
        qs = Contact.objects.visible_to(user).filter(search_filter(query))
        if isinstance(exclude, Contact):
            qs = qs.exclude(pk=exclude.pk)
        found.extend(qs.only("pk", "code", "last_name", "first_name", "last_name_ar", "first_name_ar")[:limit])
    if "account" in kinds:
        qs = Account.objects.visible_to(user).filter(search_filter(query))
        if isinstance(exclude, Account):
            qs = qs.exclude(pk=exclude.pk)
        found.extend(qs.only("pk", "name", "name_ar")[:limit])
    return found


def account_merge_candidates(*, user, query: str, exclude: Account, limit: int = 20) -> list[Account]:
    """The accounts the user sees matching a typed name, NIF, RC or NIS, other than `exclude`:
    what the account merge offers to merge with."""
    if not search_filter(query):
        return []
    return list(Account.objects.visible_to(user).filter(search_filter(query)).exclude(pk=exclude.pk)
                .only("pk", "name", "legal_form", "nif", "trade_register", "commune").order_by("name", "pk")[:limit])


# --- Global search (the header's box) ----------------------------------------------------------------

SEARCH_BOX_POOL = 200  # matches read from the search index, of which the box shows the first few

def search_contacts(user, query: str, limit: int):
    """One query: the most recent matching visible contacts (see Table.search_ordering: a name
    order makes the database walk past every name before a common one)."""
    found = (first_matches(Contact.objects.visible_to(user), query, SEARCH_BOX_POOL)
             .only("pk", "code", "last_name", "first_name", "last_name_ar", "first_name_ar", "phone")
             .order_by("-created_at", "-pk")[:limit])
    return [Result(str(c), subtitle_join(c.code, phone_display(c.phone), c.full_name_ar),
                   c.get_absolute_url()) for c in found]


def search_accounts(user, query: str, limit: int):
    found = (first_matches(Account.objects.visible_to(user), query, SEARCH_BOX_POOL)
             .only("pk", "name", "name_ar", "nif").order_by("name", "pk")[:limit])
    return [Result(a.name, subtitle_join(a.nif, a.name_ar), a.get_absolute_url()) for a in found]
