"""PDF documents of the portfolio (fpdf2, DejaVu Sans embedded so that Arabic and accented
names print). Text goes through HarfBuzz (uharfbuzz) so that Arabic letters are joined and
right-to-left runs are ordered as they are read."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from assura.portfolio.templatetags.portfolio_tags import da

FONTS = Path(__file__).resolve().parent / "fonts"


class Document(FPDF):
    def __init__(self, organization_name: str, title: str):
        super().__init__(format="A4")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_text_shaping(True)  # Arabic: joined letters, right-to-left order (HarfBuzz + fpdf2's bidi)
        self.organization_name, self.doc_title = organization_name, title
        self.set_auto_page_break(True, margin=18)
        self.add_page()
        self.set_font("DejaVu", "B", 15)
        self.cell(0, 9, organization_name, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "B", 13)
        self.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def footer(self):
        self.set_y(-14)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 6, _("Document généré le %(date)s") % {"date": timezone.localtime().strftime("%d/%m/%Y %H:%M")})

    def row(self, label: str, value) -> None:
        self.set_font("DejaVu", "B", 10)
        self.cell(60, 7, str(label))
        self.set_font("DejaVu", "", 10)
        self.multi_cell(0, 7, str(value if value not in (None, "") else "—"), new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("DejaVu", "B", 11)
        self.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")

    def premium(self, obj) -> None:
        self.heading(_("Prime"))
        for line in obj.premium_lines or []:
            self.row(line["name"], da(line["amount"]))
        self.row(_("Prime nette"), da(obj.net_premium))
        self.row(_("Coût de police"), da(obj.policy_cost))
        self.row(_("Taxe"), da(obj.tax))
        self.row(_("Droit de timbre"), da(obj.stamp_duty))
        self.row(_("Prime totale"), da(obj.total_premium))


def _holder_lines(doc: Document, obj) -> None:
    holder = obj.contact or obj.account
    doc.row(_("Souscripteur"), holder)
    arabic = getattr(holder, "full_name_ar", "") or getattr(holder, "name_ar", "")
    if arabic:
        doc.row(_("Nom (arabe)"), arabic)
    if obj.contact_id:
        doc.row(_("Code client"), obj.contact.code)
    doc.row(_("Adresse"), getattr(holder, "address", ""))


def _object_lines(doc: Document, obj) -> None:
    doc.heading(_("Objet assuré"))
    for spec in obj.product.object_schema:
        doc.row(spec.get("label", spec["name"]), obj.insured_object.get(spec["name"], ""))


def attestation_pdf(policy) -> bytes:
    doc = Document(str(policy.organization.name), _("Attestation d'assurance"))
    doc.set_font("DejaVu", "", 10)
    doc.multi_cell(0, 6, _("Nous attestons que la personne ci-dessous est assurée par la police n° %(number)s "
                           "pour la période du %(start)s au %(end)s.") % {
        "number": policy.number, "start": policy.effective_date.strftime("%d/%m/%Y"),
        "end": policy.expiry_date.strftime("%d/%m/%Y")}, new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    doc.row(_("Police"), policy.number)
    doc.row(_("Statut"), policy.get_status_display())
    _holder_lines(doc, policy)
    doc.row(_("Produit"), f"{policy.product.branch.name} — {policy.product.name}")
    doc.row(_("Formule"), policy.formula.name)
    doc.row(_("Garanties"), ", ".join(g.name for g in policy.guarantees.all()))
    doc.row(_("Agence"), policy.agency or "")
    _object_lines(doc, policy)
    doc.premium(policy)
    return bytes(doc.output())


def quote_pdf(quote) -> bytes:
    doc = Document(str(quote.organization.name), _("Devis n° %(number)s") % {"number": quote.number})
    doc.row(_("Valable jusqu'au"), quote.valid_until.strftime("%d/%m/%Y"))
    _holder_lines(doc, quote)
    doc.row(_("Produit"), quote.product.name)
    doc.row(_("Formule"), quote.formula.name)
    doc.row(_("Fractionnement"), quote.get_payment_frequency_display())
    _object_lines(doc, quote)
    doc.premium(quote)
    return bytes(doc.output())


def conditions_pdf(policy) -> bytes:
    """Conditions particulières: the holder, the insured object, each guarantee with its limit,
    deductible and premium, and the instalment schedule."""
    doc = Document(str(policy.organization.name),
                   _("Conditions particulières — police n° %(number)s") % {"number": policy.number})
    doc.row(_("Période"), f"{policy.effective_date:%d/%m/%Y} — {policy.expiry_date:%d/%m/%Y}")
    _holder_lines(doc, policy)
    doc.row(_("Produit"), f"{policy.product.branch.name} — {policy.product.name}")
    doc.row(_("Formule"), policy.formula.name)
    doc.row(_("Canal"), policy.get_channel_display() + (f" — {policy.intermediary}" if policy.intermediary else ""))
    _object_lines(doc, policy)
    doc.heading(_("Garanties"))
    lines = {line["code"]: line["amount"] for line in policy.premium_lines or []}
    for guarantee in policy.guarantees.all():
        details = [_("plafond %(v)s") % {"v": da(guarantee.limit)} if guarantee.limit is not None else "",
                   _("franchise %(v)s") % {"v": da(guarantee.deductible)} if guarantee.deductible is not None else "",
                   _("prime %(v)s") % {"v": da(lines.get(guarantee.code))}]
        doc.row(guarantee.name, " · ".join(d for d in details if d))
    doc.premium(policy)
    doc.heading(_("Échéancier"))
    for item in policy.instalments.all():
        doc.row(f"{item.sequence}. {item.due_date:%d/%m/%Y}", da(item.amount))
    return bytes(doc.output())
