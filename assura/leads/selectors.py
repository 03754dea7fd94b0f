"""Reads of the leads app, always scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from assura.core.models import RecentView
from assura.core.search import first_matches, query_terms, search_filter
from assura.leads.models import AssignmentRule, Lead
from assura.leads.services import split_full_name


def lead_list(*, user):
    return Lead.objects.visible_to(user).select_related("owner", "agency")


def lead_detail_queryset(*, user):
    return Lead.objects.visible_to(user).select_related(
        "owner", "agency", "wilaya", "converted_contact", "converted_account", "converted_by"
    )


def recent_leads(*, user, limit: int = 5) -> list[RecentView]:
    """The leads the user opened last (the "Récemment consultées" block)."""
    return list(
        RecentView.objects.visible_to(user).filter(content_type=ContentType.objects.get_for_model(Lead))[:limit]
    )


def assignment_rule_list(*, user):
    return AssignmentRule.objects.visible_to(user).select_related("agency", "wilaya").prefetch_related("users")


@dataclass
class ConversionProposals:
    """Existing records the lead may be the same as, best first, among those the user sees."""

    contacts: list = field(default_factory=list)  # customers.duplicates.Match
    accounts: list = field(default_factory=list)  # customers.Account


def conversion_proposals(*, user, lead: Lead, limit: int = 5) -> ConversionProposals:
    from assura.customers.duplicates import contact_matches
    from assura.customers.models import Account, Contact
    from assura.customers.services import account_name_key

    first_name, last_name = split_full_name(lead.full_name)
    matches = contact_matches(organization_id=lead.organization_id, last_name=last_name, first_name=first_name,
                              phone=lead.phone, email=lead.email, wilaya_id=lead.wilaya_id, limit=limit)
    # Proposing a contact the user may not open would reveal it: only visible ones are offered.
    visible = set(Contact.objects.visible_to(user).filter(pk__in=[m.contact.pk for m in matches])
                  .values_list("pk", flat=True))
    proposals = ConversionProposals(contacts=[m for m in matches if m.contact.pk in visible])
    if query_terms(lead.company):
        condition = Q(name_key=account_name_key(lead.company)) | search_filter(lead.company)
        proposals.accounts = list(Account.objects.visible_to(user).filter(condition).order_by("name", "pk")[:limit])
    return proposals


def search_leads(user, query: str, limit: int):
    """The header's search box: the most recent matching leads the user may see (two queries)."""
    from assura.core.globalsearch import Result, subtitle_join
    from assura.customers.tables import phone_display

    found = (first_matches(Lead.objects.visible_to(user), query, 200)
             .only("pk", "full_name", "company", "phone", "status").order_by("-created_at", "-pk")[:limit])
    return [Result(lead.full_name, subtitle_join(lead.company, phone_display(lead.phone), lead.get_status_display()),
                   lead.get_absolute_url()) for lead in found]
