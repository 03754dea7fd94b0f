"""The step this module adds to a lead's conversion (assura.leads.services.conversion_step):
with `options["opportunity"]` true, an opportunity is created for the new customer, in the first
open stage, carrying the lead's source, owner, agency and wished products."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _


def create_opportunity_on_conversion(*, actor, result, options, request=None) -> None:
    if not options.get("opportunity"):
        return
    from assura.core.permissions import user_can
    from assura.sales import services

    if not user_can(actor, "opportunities.edit"):
        return
    lead = result.lead
    name = options.get("opportunity_name") or (
        _("%(what)s — %(who)s") % {"what": lead.products_wanted or _("Nouvelle affaire"),
                                   "who": lead.company or lead.full_name})
    opportunity = services.opportunity_create(
        actor=actor, request=request, name=name[:150], contact=result.contact, account=result.account, lead=lead,
        source=lead.source, owner=lead.owner or actor, agency=lead.agency,
        expected_close_date=timezone.localdate() + timedelta(days=30),
    )
    result.extra["opportunity"] = opportunity
