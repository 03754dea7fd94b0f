"""Pages of the portfolio: declarations on the generic views of core (404 across companies,
403 without the action); the services write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
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
)
from assura.customers.models import Account, Contact
from assura.portfolio import forms as f
from assura.portfolio import pdf, selectors, services
from assura.portfolio.filters import (
    ClaimFilterSet,
    InstalmentFilterSet,
    PolicyFilterSet,
    QuoteFilterSet,
    RenewalFilterSet,
)
from assura.portfolio.models import (
    Branch,
    Claim,
    Formula,
    Guarantee,
    Instalment,
    Policy,
    PortfolioSettings,
    Product,
    Quote,
)
from assura.portfolio.tables import ClaimTable, InstalmentTable, PolicyTable, QuoteTable, RenewalTable

CATALOGUE, POLICIES, CLAIMS, PAYMENTS = "catalogue.manage", "policies.edit", "claims.edit", "payments.record"


# --- Catalogue ----------------------------------------------------------------------------------------------

class CatalogueView(WorkspaceMixin, generic.TemplateView):
    template_name = "portfolio/catalogue.html"
    page_title = _("Catalogue des produits")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["branches"] = selectors.catalogue(user=self.request.user)
        ctx["can_manage"] = user_can(self.request.user, CATALOGUE)
        ctx["settings"] = selectors.settings_get(user=self.request.user)
        return ctx


class SettingsView(TenantUpdateView):
    model = PortfolioSettings
    form_class = f.SettingsForm
    required_action = CATALOGUE
    page_title = _("Taxes, renouvellements et relances")
    service = services.settings_save
    service_object_arg = "settings"

    def get_object(self, queryset=None):
        return services.settings_for(self.request.user.organization_id)

    def get_success_url(self):
        return reverse("portfolio:catalogue")


class BranchCreateView(TenantCreateView):
    model = Branch
    form_class = f.BranchForm
    required_action = CATALOGUE
    page_title = _("Nouvelle branche")
    service = services.branch_save

    def get_success_url(self):
        return reverse("portfolio:catalogue")


class BranchUpdateView(TenantUpdateView):
    model = Branch

    form_class = f.BranchForm
    required_action = CATALOGUE
    page_title = _("Modifier la branche")
    service = services.branch_save
    service_object_arg = "branch"

    def get_success_url(self):
        return reverse("portfolio:catalogue")


class ProductCreateView(TenantCreateView):
    model = Product
    form_class = f.ProductForm
    required_action = CATALOGUE
    page_title = _("Nouveau produit")
    service = services.product_save


class ProductUpdateView(TenantUpdateView):
    model = Product
    form_class = f.ProductForm
    required_action = CATALOGUE
    page_title = _("Modifier le produit")
    service = services.product_save
    service_object_arg = "product"


class ProductDetailView(TenantDetailView):
    model = Product
    template_name = "portfolio/product_detail.html"

    def get_queryset(self):
        return selectors.product_detail_queryset(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        product = self.object
        ctx["page_title"] = str(product)
        ctx["guarantees"] = list(product.guarantees.all())
        ctx["formulas"] = list(product.formulas.prefetch_related("included", "optional"))
        ctx["can_manage"] = user_can(self.request.user, CATALOGUE)
        return ctx


class GuaranteeCreateView(TenantUpdateView):
    """A new guarantee of the product named in the URL."""

    model = Product
    form_class = f.GuaranteeForm
    required_action = CATALOGUE
    page_title = _("Nouvelle garantie")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = None
        return kwargs

    def perform(self, form):
        return services.guarantee_save(actor=self.request.user, product=self.object, **form.cleaned_data)


class GuaranteeUpdateView(TenantUpdateView):
    model = Guarantee
    form_class = f.GuaranteeForm
    required_action = CATALOGUE
    page_title = _("Modifier la garantie")
    service = services.guarantee_save
    service_object_arg = "guarantee"


class FormulaCreateView(TenantUpdateView):
    model = Product
    form_class = f.FormulaForm
    required_action = CATALOGUE
    page_title = _("Nouvelle formule")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = None
        kwargs["product"] = self.object
        return kwargs

    def perform(self, form):
        return services.formula_save(actor=self.request.user, product=self.object, **form.cleaned_data)


class FormulaUpdateView(TenantUpdateView):
    model = Formula
    form_class = f.FormulaForm
    required_action = CATALOGUE
    page_title = _("Modifier la formule")
    service = services.formula_save
    service_object_arg = "formula"


# --- Terms forms (quote, policy) --------------------------------------------------------------------------

class TermsCreateMixin:
    """Choose a product (GET ?product=), then the form for that product's schema; the holder
    comes from ?contact= / ?account= (the customer's page links here) or the client code."""

    template_name = "portfolio/terms_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.products = list(Product.objects.visible_to(request.user).filter(is_active=True)
                             .select_related("branch")) if request.user.is_authenticated else []
        wanted = request.GET.get("product") or request.POST.get("product")
        self.product = next((p for p in self.products if str(p.pk) == wanted), None)
        self.holder = None
        if request.user.is_authenticated and request.user.organization_id:
            for key, model in (("contact", Contact), ("account", Account)):
                value = request.GET.get(key)
                if value and value.isdigit():
                    self.holder = get_object_or_404(model.objects.visible_to(request.user), pk=value)
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        if self.product is None:
            return None
        return super().get_form(form_class)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["product"] = self.product
        kwargs["holder"] = self.holder
        return kwargs

    def post(self, request, *args, **kwargs):
        if self.product is None:
            return HttpResponseRedirect(request.path)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["products"] = self.products
        ctx["product"] = self.product
        ctx["holder"] = self.holder
        return ctx


class QuoteCreateView(TermsCreateMixin, TenantCreateView):
    model = Quote
    form_class = f.QuoteForm
    required_action = POLICIES
    page_title = _("Nouveau devis")
    success_message = _("Devis établi.")

    def perform(self, form):
        return services.quote_create(actor=self.request.user, request=self.request, **form.terms(),
                                     valid_until=form.cleaned_data.get("valid_until"))


class PolicyCreateView(TermsCreateMixin, TenantCreateView):
    model = Policy
    form_class = f.PolicyForm
    required_action = POLICIES
    page_title = _("Nouvelle police")
    success_message = _("Police émise.")

    def perform(self, form):
        return services.policy_create(actor=self.request.user, request=self.request, **form.terms())


# --- Quotes ---------------------------------------------------------------------------------------------

class QuoteListView(TenantListView):
    model = Quote
    table_class = QuoteTable
    filterset_class = QuoteFilterSet
    page_title = _("Devis")
    create_url_name = "portfolio:quote_create"
    create_action = POLICIES

    def get_queryset(self):
        return selectors.quote_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_label"] = _("Nouveau devis")
        return ctx


class QuoteDetailView(TenantDetailView):
    model = Quote
    template_name = "portfolio/quote_detail.html"

    def get_queryset(self):
        return selectors.quote_list(user=self.request.user).select_related("policy")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        quote = self.object
        ctx["page_title"] = _("Devis %(number)s") % {"number": quote.number}
        ctx["can_edit"] = user_can(self.request.user, POLICIES) and quote.status == "en_cours"
        ctx["guarantees"] = list(quote.guarantees.all())
        ctx["object_rows"] = object_rows(quote.product, quote.insured_object)
        return ctx


class QuoteAcceptView(TenantUpdateView):
    model = Quote
    form_class = f.QuoteAcceptForm
    required_action = POLICIES
    page_title = _("Accepter le devis : émettre la police")
    success_message = _("Devis accepté : police émise.")

    def perform(self, form):
        return services.quote_accept(actor=self.request.user, quote=self.object, request=self.request,
                                     **form.cleaned_data)


class QuoteRefuseView(TenantUpdateView):
    model = Quote
    form_class = f.ReasonForm
    required_action = POLICIES
    page_title = _("Refuser le devis")
    success_message = _("Devis refusé.")

    def perform(self, form):
        return services.quote_refuse(actor=self.request.user, quote=self.object, reason=form.cleaned_data["reason"])


class QuotePdfView(TenantDetailView):
    model = Quote

    def get_queryset(self):
        return selectors.quote_list(user=self.request.user)

    def get(self, request, *args, **kwargs):
        quote = self.get_object()
        return pdf_response(pdf.quote_pdf(quote), f"devis-{quote.number}.pdf")


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def object_rows(product, data: dict) -> list[tuple[str, str]]:
    return [(spec.get("label", spec["name"]), data.get(spec["name"], "—")) for spec in product.object_schema]


# --- Policies -------------------------------------------------------------------------------------------

class PolicyListView(TenantListView):
    model = Policy
    table_class = PolicyTable
    filterset_class = PolicyFilterSet
    page_title = _("Polices")
    create_url_name = "portfolio:policy_create"
    create_action = POLICIES

    def get_queryset(self):
        return selectors.policy_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_label"] = _("Nouvelle police")
        return ctx


@dataclass(frozen=True)
class PageSection:
    """What another module adds to the policy page (a tab) or the claim page (a card), so that
    portfolio never imports it: `context(view) -> dict` runs only when the section is shown."""

    key: str
    label: str
    template: str
    context: Callable[[Any], dict]
    order: int = 100


POLICY_SECTIONS: list[PageSection] = []
CLAIM_SECTIONS: list[PageSection] = []


def register_policy_section(section: PageSection) -> None:
    if all(s.key != section.key for s in POLICY_SECTIONS):
        POLICY_SECTIONS.append(section)


def register_claim_section(section: PageSection) -> None:
    if all(s.key != section.key for s in CLAIM_SECTIONS):
        CLAIM_SECTIONS.append(section)


class PolicyDetailView(TenantDetailView):
    model = Policy
    template_name = "portfolio/policy_detail.html"
    record_recent_view = True
    tabs = [
        ("contrat", _("Contrat"), "portfolio/partials/_policy_contract.html"),
        ("avenants", _("Avenants et versions"), "portfolio/partials/_policy_versions.html"),
        ("echeances", _("Échéances et encaissements"), "portfolio/partials/_policy_instalments.html"),
        ("sinistres", _("Sinistres"), "portfolio/partials/_policy_claims.html"),
        ("documents", _("Documents"), "portfolio/partials/_policy_documents.html"),
        ("historique", _("Historique"), "portfolio/partials/_policy_history.html"),
    ]

    def get_queryset(self):
        return selectors.policy_detail_queryset(user=self.request.user)

    def get_context_data(self, **kwargs):
        import datetime

        ctx = super().get_context_data(**kwargs)
        policy, user = self.object, self.request.user
        extra = sorted(POLICY_SECTIONS, key=lambda s: s.order)
        ctx["tabs"] = [*self.tabs, *((s.key, s.label, s.template) for s in extra)]
        section = next((s for s in extra if s.key == ctx["active_tab"]), None)
        if section is not None:
            ctx["section"] = section.context(self)
        ctx["page_title"] = _("Police %(number)s") % {"number": policy.number}
        can_edit = user_can(user, POLICIES)
        ctx["can_edit"] = can_edit
        ctx["can_pay"] = user_can(user, PAYMENTS)
        ctx["can_claim"] = user_can(user, CLAIMS)
        ctx["transitions"] = services.policy_allowed_transitions(policy) if can_edit else ()
        ctx["renewable"] = (can_edit and services.policy_is_renewable(policy)
                            and not Policy.objects.filter(previous_policy=policy).exists())
        ctx["next_policy"] = Policy.objects.visible_to(user).filter(previous_policy=policy).first()
        tab = ctx["active_tab"]
        if tab == "contrat":
            from assura.customers.selectors import contact_links

            ctx["guarantees"] = list(policy.guarantees.all())
            ctx["object_rows"] = object_rows(policy.product, policy.insured_object)
            # Insured persons and beneficiaries: the holder's household, from the customer's relationships.
            ctx["household"] = ([link for link in contact_links(user=user, contact=policy.contact)
                                 if isinstance(link.other, Contact)] if policy.contact_id else [])
        elif tab == "avenants":
            ctx["endorsements"] = list(policy.endorsements.select_related("created_by"))
            versions = list(policy.versions.all())
            ctx["versions"] = versions
            as_of = self.request.GET.get("as_of")
            try:
                day = datetime.date.fromisoformat(as_of) if as_of else None
            except ValueError:
                day = None
            if day:
                ctx["as_of"] = day
                ctx["as_of_version"] = services.policy_as_of(policy=policy, day=day)
        elif tab == "echeances":
            ctx["instalments"] = list(policy.instalments.all())
            ctx["payments"] = list(policy.payments.select_related("recorded_by"))
            ctx["due_total"] = sum((i.outstanding for i in ctx["instalments"]), services.ZERO)
        elif tab == "sinistres":
            ctx["claims"] = list(policy.claims.all())
        elif tab == "historique":
            ctx["status_changes"] = list(policy.status_changes.select_related("actor"))
        return ctx


class PolicyStatusView(TenantUpdateView):
    model = Policy
    form_class = f.PolicyStatusForm
    required_action = POLICIES
    page_title = _("Changer le statut de la police")
    success_message = _("Statut de la police mis à jour.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["allowed"] = services.policy_allowed_transitions(self.object)
        return kwargs

    def perform(self, form):
        return services.policy_transition(actor=self.request.user, policy=self.object, **form.cleaned_data)


class PolicyEndorseView(TenantUpdateView):
    model = Policy
    form_class = f.EndorseForm
    required_action = POLICIES
    page_title = _("Nouvel avenant")
    success_message = _("Avenant enregistré.")

    def perform(self, form):
        services.policy_endorse(actor=self.request.user, policy=self.object, **form.service_kwargs())
        return self.object

    def get_success_url(self):
        return self.object.get_absolute_url() + "?tab=avenants"


class PolicyRenewView(TenantActionView):
    model = Policy
    required_action = POLICIES
    success_message = _("Police renouvelée : nouvelle période émise.")

    def perform(self, obj):
        self.new_policy = services.policy_renew(actor=self.request.user, policy=obj)

    def get_success_url(self, obj):
        new = getattr(self, "new_policy", None)
        return new.get_absolute_url() if new else obj.get_absolute_url()


class PolicyReassignView(TenantUpdateView):
    model = Policy
    form_class = f.ReassignForm
    required_action = POLICIES
    page_title = _("Changer de gestionnaire ou d'agence")
    success_message = _("Police réattribuée.")
    service = services.policy_reassign
    service_object_arg = "policy"

    def get_success_url(self):
        # Given to another agency, the policy may be out of the user's sight.
        if Policy.objects.visible_to(self.request.user).filter(pk=self.object.pk).exists():
            return self.object.get_absolute_url()
        return reverse("portfolio:policy_list")


class PolicyNonRenewalView(TenantUpdateView):
    model = Policy
    form_class = f.ReasonForm
    required_action = POLICIES
    page_title = _("Ne pas renouveler la police")
    success_message = _("Non-renouvellement enregistré.")

    def perform(self, form):
        return services.policy_refuse_renewal(actor=self.request.user, policy=self.object,
                                              reason=form.cleaned_data["reason"])


class PaymentCreateView(TenantUpdateView):
    model = Policy
    form_class = f.PaymentForm
    required_action = PAYMENTS
    page_title = _("Enregistrer un encaissement")
    success_message = _("Encaissement enregistré.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = None
        return kwargs

    def perform(self, form):
        services.payment_record(actor=self.request.user, policy=self.object, **form.cleaned_data)
        return self.object

    def get_success_url(self):
        return self.object.get_absolute_url() + "?tab=echeances"


class PolicyAttestationView(TenantDetailView):
    model = Policy

    def get_queryset(self):
        return selectors.policy_detail_queryset(user=self.request.user)

    def get(self, request, *args, **kwargs):
        policy = self.get_object()
        return pdf_response(pdf.attestation_pdf(policy), f"attestation-{policy.number}.pdf")


class PolicyConditionsView(PolicyAttestationView):
    def get(self, request, *args, **kwargs):
        policy = self.get_object()
        return pdf_response(pdf.conditions_pdf(policy), f"conditions-particulieres-{policy.number}.pdf")


class RenewalQueueView(PolicyListView):
    table_class = RenewalTable
    filterset_class = RenewalFilterSet
    page_title = _("Renouvellements à traiter")
    template_name = "portfolio/renewal_queue.html"
    create_url_name = None

    @property
    def days(self) -> int:
        value = self.request.GET.get("days", "90")
        return int(value) if value in {"30", "60", "90"} else 90

    def get_queryset(self):
        return selectors.renewal_queue(user=self.request.user, days=self.days)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["days"] = self.days
        ctx["windows"] = selectors.RENEWAL_WINDOWS
        return ctx


class RenewalRateView(WorkspaceMixin, generic.TemplateView):
    """Renewal rate per branch and agency over a period (a report: it reads a year of terms)."""

    template_name = "portfolio/renewal_rates.html"
    page_title = _("Taux de renouvellement")

    def get_context_data(self, **kwargs):
        import datetime

        ctx = super().get_context_data(**kwargs)
        end = services.today()
        try:
            months = max(1, min(24, int(self.request.GET.get("months", "12"))))
        except ValueError:
            months = 12
        start = services.add_months(end, -months)
        ctx.update(months=months, rate_period=(start, end + datetime.timedelta(days=0)),
                   rates_by_branch=selectors.renewal_rate(user=self.request.user, start=start, end=end, by="branch"),
                   rates_by_agency=selectors.renewal_rate(user=self.request.user, start=start, end=end, by="agency"))
        return ctx


# --- Receivables ----------------------------------------------------------------------------------------

class InstalmentListView(TenantListView):
    model = Instalment

    table_class = InstalmentTable
    filterset_class = InstalmentFilterSet
    page_title = _("Créances (échéances)")
    template_name = "portfolio/instalment_list.html"

    def get_queryset(self):
        return selectors.instalment_list(user=self.request.user)


class AgeingView(WorkspaceMixin, generic.TemplateView):
    template_name = "portfolio/ageing.html"
    page_title = _("Balance âgée des impayés")

    def get_context_data(self, **kwargs):
        from assura.identity.models import Agency

        ctx = super().get_context_data(**kwargs)
        agencies = list(Agency.objects.visible_to(self.request.user).order_by("number"))
        wanted = self.request.GET.get("agency", "")
        agency = next((a for a in agencies if str(a.pk) == wanted), None)
        ctx["agencies"], ctx["agency"] = agencies, agency
        ctx["report"] = selectors.ageing_report(user=self.request.user, agency=agency)
        return ctx


# --- Claims ---------------------------------------------------------------------------------------------

class ClaimListView(TenantListView):
    model = Claim
    table_class = ClaimTable
    filterset_class = ClaimFilterSet
    page_title = _("Sinistres")
    create_url_name = "portfolio:claim_create"
    create_action = CLAIMS

    def get_queryset(self):
        return selectors.claim_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_label"] = _("Déclarer un sinistre")
        return ctx


class ClaimCreateView(TenantCreateView):
    model = Claim
    form_class = f.ClaimForm
    required_action = CLAIMS
    page_title = _("Déclarer un sinistre")
    success_message = _("Sinistre déclaré.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        value = self.request.GET.get("policy", "")
        if value.isdigit():
            kwargs["policy"] = get_object_or_404(Policy.objects.visible_to(self.request.user), pk=value)
        return kwargs

    def perform(self, form):
        return services.claim_declare(actor=self.request.user, request=self.request, **form.service_kwargs())

    def form_valid(self, form):
        response = super().form_valid(form)
        if getattr(self, "object", None) is not None and self.object.out_of_cover:
            messages.warning(self.request, _("Sinistre hors garantie : %(note)s.") % {"note": self.object.cover_note})
        return response


class ClaimDetailView(TenantDetailView):
    model = Claim
    template_name = "portfolio/claim_detail.html"
    record_recent_view = True

    def get_queryset(self):
        return selectors.claim_list(user=self.request.user).select_related("guarantee", "policy__product")

    def get_context_data(self, **kwargs):
        from assura.portfolio.choices import CLAIM_DOCUMENTS, ClaimDocument, ClaimStatus

        ctx = super().get_context_data(**kwargs)
        claim, user = self.object, self.request.user
        can_edit = user_can(user, CLAIMS)
        ctx["page_title"] = _("Sinistre %(number)s") % {"number": claim.number}
        ctx["can_edit"] = can_edit and claim.status not in services.CLAIM_FINAL
        ctx["transitions"] = [(s, ClaimStatus(s).label) for s in services.claim_allowed_transitions(claim)
                              ] if can_edit else []
        changes = list(claim.status_changes.select_related("actor"))
        ctx["status_changes"] = changes
        ctx["durations"] = services.claim_durations(claim, changes)
        ctx["payments"] = list(claim.payments.all())
        ctx["documents"] = [(ClaimDocument(c).label, (claim.documents or {}).get(c, False))
                            for c in CLAIM_DOCUMENTS.get(claim.claim_type, [])]
        if claim.closed_at:
            ctx["settlement_days"] = (claim.closed_at.date() - claim.declared_on).days
        ctx["sections"] = [(s.label, s.template, s.context(self))
                           for s in sorted(CLAIM_SECTIONS, key=lambda s: s.order)]
        return ctx


class ClaimTransitionView(TenantUpdateView):
    model = Claim
    form_class = f.ClaimTransitionForm
    required_action = CLAIMS
    page_title = _("Changer le statut du sinistre")
    success_message = _("Statut du sinistre mis à jour.")

    def perform(self, form):
        return services.claim_transition(actor=self.request.user, claim=self.object, **form.cleaned_data)


class ClaimUpdateView(TenantUpdateView):
    model = Claim
    form_class = f.ClaimUpdateForm
    required_action = CLAIMS
    page_title = _("Provision et expertise")
    service = services.claim_update
    service_object_arg = "claim"


class ClaimPaymentView(TenantUpdateView):
    model = Claim
    form_class = f.ClaimPaymentForm
    required_action = CLAIMS
    page_title = _("Enregistrer un règlement")
    success_message = _("Règlement enregistré.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = None
        return kwargs

    def perform(self, form):
        services.claim_payment_record(actor=self.request.user, claim=self.object, **form.cleaned_data)
        return self.object


class ClaimDocumentsView(TenantUpdateView):
    model = Claim
    form_class = f.ClaimDocumentsForm
    required_action = CLAIMS
    page_title = _("Pièces du dossier")
    success_message = _("Pièces mises à jour.")

    def perform(self, form):
        return services.claim_documents_update(actor=self.request.user, claim=self.object,
                                               received=form.cleaned_data["received"])

