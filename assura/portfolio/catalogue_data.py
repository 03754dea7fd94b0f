"""The demo catalogue: the branches of PRODUCT.md with realistic products, guarantees and
formulas (amounts in DA, rates in % of the named insured-object field). Loaded by
`seed_portfolio` and by the tests; idempotent (matched by codes)."""

from __future__ import annotations

from decimal import Decimal

from assura.portfolio.models import Branch, Formula, Guarantee, PortfolioSettings, Product
from assura.portfolio.premium import DEFAULT_SCHEMAS

D = Decimal


def fixed(code, name, amount, limit=None, deductible=None):
    return {"code": code, "name": name, "premium_mode": "fixe", "premium_amount": D(amount),
            "limit": D(limit) if limit else None, "deductible": D(deductible) if deductible else None}


def rate(code, name, pct, base, limit=None, deductible=None):
    return {"code": code, "name": name, "premium_mode": "taux", "premium_rate": D(pct), "rate_base": base,
            "limit": D(limit) if limit else None, "deductible": D(deductible) if deductible else None}


CATNAT_SCHEMA = [
    {"name": "adresse", "label": "Adresse du bien", "type": "text", "required": True},
    {"name": "type", "label": "Type de bien", "type": "choice", "required": True,
     "choices": ["logement", "local_commercial", "installation_industrielle"]},
    {"name": "valeur_batiment", "label": "Valeur du bâtiment (DA)", "type": "decimal", "required": True},
]

# branch code, branch name, [(product code, name, object kind, schema or None, guarantees, formulas)]
# formulas: (code, name, included codes, optional codes)
CATALOGUE = [
    ("AUT", "Automobile", [
        ("AUTO-PART", "Auto particulier", "vehicule", None, [
            fixed("RC", "Responsabilité civile", "3500"),
            fixed("DR", "Défense et recours", "600", limit="100000"),
            fixed("PT", "Personnes transportées", "900", limit="500000"),
            rate("DC", "Dommages collision", "1.20", "valeur_venale", limit="1500000", deductible="20000"),
            rate("TR", "Tous risques (dommages tous accidents)", "3.50", "valeur_venale", deductible="15000"),
            fixed("BG", "Bris de glace", "2500", limit="60000"),
            rate("VOL", "Vol", "0.80", "valeur_venale", deductible="10000"),
            rate("INC", "Incendie", "0.30", "valeur_venale"),
            fixed("ASS", "Assistance 24h/24", "2000"),
            fixed("PJ", "Protection juridique", "1200", limit="150000"),
            fixed("GC", "Garantie du conducteur", "1800", limit="1000000"),
        ], [
            ("RCO", "RC obligatoire", ["RC"], ["ASS", "PJ", "GC"]),
            ("RCE", "RC élargie", ["RC", "DR", "PT"], ["BG", "VOL", "INC", "ASS", "PJ", "GC"]),
            ("DCO", "Dommages collision", ["RC", "DR", "PT", "DC"], ["BG", "VOL", "INC", "ASS", "PJ", "GC"]),
            ("TRI", "Tous risques", ["RC", "DR", "PT", "TR", "BG", "VOL", "INC"], ["ASS", "PJ", "GC"]),
        ]),
    ]),
    ("DRM", "Deux-roues", [
        ("MOTO", "Moto et scooter", "deux_roues", None, [
            fixed("RC", "Responsabilité civile", "1800"),
            rate("VOL", "Vol", "1.50", "valeur_venale", deductible="5000"),
            fixed("ASS", "Assistance", "900"),
        ], [("ESS", "Essentielle", ["RC"], ["ASS"]), ("CON", "Confort", ["RC", "VOL"], ["ASS"])]),
    ]),
    ("MRH", "Multirisque habitation", [
        ("MRH", "Multirisque habitation", "habitation", None, [
            rate("INC", "Incendie et explosions", "0.15", "valeur_contenu"),
            fixed("DDE", "Dégâts des eaux", "1500", limit="300000", deductible="5000"),
            rate("VOL", "Vol et vandalisme", "0.40", "valeur_contenu", deductible="10000"),
            fixed("RCV", "Responsabilité civile vie privée", "800", limit="2000000"),
            fixed("BG", "Bris de glace", "600", limit="50000"),
        ], [("ESS", "Essentielle", ["INC", "DDE", "RCV"], ["BG"]),
            ("CON", "Confort", ["INC", "DDE", "RCV", "VOL", "BG"], [])]),
    ]),
    ("CAT", "Catastrophes naturelles", [
        ("CATNAT", "CATNAT (obligatoire)", "habitation", CATNAT_SCHEMA, [
            rate("CAT", "Catastrophes naturelles", "0.10", "valeur_batiment", deductible="20000"),
        ], [("OBL", "Garantie légale", ["CAT"], [])]),
    ]),
    ("IRD", "Incendie et risques divers", [
        ("MRP", "Multirisque professionnelle", "locaux", None, [
            rate("INC", "Incendie", "0.20", "valeur_batiment"),
            fixed("DDE", "Dégâts des eaux", "3000", limit="500000"),
            rate("VOL", "Vol", "0.30", "valeur_contenu", deductible="20000"),
            fixed("PE", "Pertes d'exploitation", "9000", limit="2000000"),
        ], [("BAS", "Base", ["INC", "DDE"], ["VOL", "PE"])]),
    ]),
    ("ENG", "Risques industriels / engineering", [
        ("BDM", "Bris de machines", "locaux", None, [
            rate("BDM", "Bris de machines", "0.50", "valeur_contenu", deductible="50000"),
        ], [("STD", "Standard", ["BDM"], [])]),
    ]),
    ("TRP", "Transport (marchandises)", [
        ("FAC", "Facultés marchandises", "marchandises", None, [
            rate("FAP", "Accidents caractérisés (FAP sauf)", "0.20", "valeur"),
            rate("TRT", "Tous risques transport", "0.35", "valeur"),
        ], [("FAP", "FAP sauf", ["FAP"], []), ("TRT", "Tous risques", ["TRT"], [])]),
    ]),
    ("RC", "Responsabilité civile", [
        ("RCPRO", "RC professionnelle", "activite", None, [
            rate("RCP", "RC professionnelle", "0.15", "chiffre_affaires", limit="20000000"),
            fixed("DR", "Défense et recours", "2500"),
        ], [("STD", "Standard", ["RCP"], ["DR"])]),
    ]),
    ("AGR", "Agricole", [
        ("MRA", "Multirisque agricole", "exploitation", None, [
            rate("GRE", "Grêle", "1.50", "valeur"),
            rate("INR", "Incendie des récoltes", "0.50", "valeur"),
        ], [("REC", "Récoltes", ["GRE", "INR"], [])]),
    ]),
    ("VOY", "Voyage / assistance", [
        ("ASV", "Assistance voyage", "voyage", None, [
            fixed("FM", "Frais médicaux à l'étranger", "2500", limit="3000000"),
            fixed("RAP", "Rapatriement", "1000"),
        ], [("SCH", "Schengen", ["FM", "RAP"], [])]),
    ]),
    ("SAN", "Santé (complémentaire)", [
        ("CSA", "Complémentaire santé", "personne", None, [
            fixed("HOS", "Hospitalisation", "12000", limit="1000000"),
            fixed("SC", "Soins courants", "6000", limit="150000"),
        ], [("ESS", "Essentielle", ["HOS"], ["SC"])]),
    ]),
    ("PRV", "Personnes (prévoyance)", [
        ("PDC", "Prévoyance décès", "personne", None, [
            rate("DEC", "Capital décès", "0.40", "capital"),
        ], [("STD", "Standard", ["DEC"], [])]),
    ]),
]


def seed_catalogue(organization, *, branches: int | None = None) -> dict[str, Product]:
    """Create (or leave) the demo catalogue for a company; returns products by code."""
    PortfolioSettings.objects.get_or_create(organization=organization,
                                            defaults={"dunning_steps": [-15, 1, 15, 30]})
    products = {}
    for position, (bcode, bname, items) in enumerate(CATALOGUE[:branches], start=1):
        branch, _ = Branch.objects.get_or_create(organization=organization, code=bcode,
                                                 defaults={"name": bname, "position": position * 10})
        for pcode, pname, kind, schema, guarantees, formulas in items:
            product, created = Product.objects.get_or_create(
                organization=organization, code=pcode,
                defaults={"branch": branch, "name": pname, "object_kind": kind,
                          "object_schema": schema or [dict(s) for s in DEFAULT_SCHEMAS[kind]]})
            products[pcode] = product
            if not created:
                continue
            by_code = {}
            for n, spec in enumerate(guarantees):
                by_code[spec["code"]] = Guarantee.objects.create(organization=organization, product=product,
                                                                 position=n * 10, **spec)
            for n, (fcode, fname, included, optional) in enumerate(formulas):
                formula = Formula.objects.create(organization=organization, product=product, code=fcode,
                                                 name=fname, position=n * 10)
                formula.included.set([by_code[c] for c in included])
                formula.optional.set([by_code[c] for c in optional])
    return products
