"""Demo portfolio for a company: catalogue, policies across branches (renewals due soon,
suspended, cancelled, expired, renewed), paid and overdue instalments, claims at every
stage, quotes. Written through the services (so numbers, premiums, instalments, versions and
timeline notes are the real ones). Deterministic for a given seed; skipped when the company
already has policies."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction

from assura.customers.models import Account, Contact
from assura.identity.models import User
from assura.portfolio import services
from assura.portfolio.catalogue_data import seed_catalogue
from assura.portfolio.choices import FREQUENCY_COUNT
from assura.portfolio.models import Formula, Policy

BRANDS = [("Renault", ["Clio", "Symbol", "Megane"]), ("Hyundai", ["Accent", "i10", "Tucson"]),
          ("Peugeot", ["208", "301", "Partner"]), ("Volkswagen", ["Polo", "Golf", "Caddy"]),
          ("Kia", ["Picanto", "Rio", "Sportage"]), ("Dacia", ["Logan", "Sandero", "Duster"]),
          ("Toyota", ["Yaris", "Corolla", "Hilux"]), ("Fiat", ["Tipo", "Doblo", "500"])]
CITIES = ["Alger", "Oran", "Constantine", "Blida", "Sétif", "Tizi Ouzou", "Béjaïa", "Annaba", "Tlemcen", "Batna"]
# (product code, weight, formula codes, option codes)
PERSON_MIX = [("AUTO-PART", 45, ["RCO", "RCE", "DCO", "TRI"], ["BG", "VOL", "ASS", "PJ", "GC"]),
              ("MRH", 18, ["ESS", "CON"], ["BG"]), ("CATNAT", 10, ["OBL"], []), ("CSA", 8, ["ESS"], ["SC"]),
              ("MOTO", 6, ["ESS", "CON"], ["ASS"]), ("ASV", 5, ["SCH"], []), ("PDC", 4, ["STD"], []),
              ("MRA", 4, ["REC"], [])]
ACCOUNT_MIX = [("MRP", 40, ["BAS"], ["VOL", "PE"]), ("FAC", 25, ["FAP", "TRT"], []),
               ("RCPRO", 25, ["STD"], ["DR"]), ("BDM", 10, ["STD"], [])]


def insured_object(code: str, rnd: random.Random, holder) -> dict:
    city = rnd.choice(CITIES)
    if code == "AUTO-PART":
        brand, models = rnd.choice(BRANDS)
        year = rnd.randint(2010, 2025)
        return {"immatriculation": f"{rnd.randint(10000, 99999)}-{rnd.randint(110, 125)}-{rnd.randint(1, 48):02d}",
                "marque": brand, "modele": rnd.choice(models), "annee": year,
                "puissance_fiscale": rnd.randint(4, 11),
                "valeur_venale": str(rnd.randint(8, 60) * 100_000 - (2025 - year) * 50_000 + 1_000_000),
                "usage": rnd.choice(["tourisme"] * 6 + ["utilitaire", "taxi"])}
    if code == "MOTO":
        return {"immatriculation": f"{rnd.randint(10000, 99999)}-{rnd.randint(110, 125)}-16",
                "marque": rnd.choice(["Yamaha", "Honda", "SYM", "Vms"]), "cylindree": rnd.choice([50, 125, 250]),
                "valeur_venale": str(rnd.randint(15, 90) * 10_000)}
    if code in ("MRH",):
        street = rnd.choice(["Didouche Mourad", "Larbi Ben Mhidi", "Abane Ramdane", "des Frères Bouadou"])
        return {"adresse": f"{rnd.randint(1, 120)} rue {street}, {city}",
                "type": rnd.choice(["appartement", "appartement", "maison", "villa"]), "surface": rnd.randint(60, 220),
                "pieces": rnd.randint(2, 7), "valeur_contenu": str(rnd.randint(8, 60) * 100_000)}
    if code == "CATNAT":
        return {"adresse": f"Cité {rnd.randint(100, 999)} logements, {city}", "type": "logement",
                "valeur_batiment": str(rnd.randint(40, 200) * 100_000)}
    if code == "CSA" or code == "PDC":
        return {"nom": str(holder), "date_naissance": str(getattr(holder, "birth_date", None) or "1980-05-14"),
                "capital": str(rnd.randint(10, 100) * 100_000)}
    if code == "ASV":
        start = datetime.date.today() + datetime.timedelta(days=rnd.randint(5, 60))
        return {"destination": rnd.choice(["France", "Espagne", "Turquie", "Tunisie", "Italie"]),
                "depart": start.isoformat(), "retour": (start + datetime.timedelta(days=15)).isoformat(),
                "voyageurs": rnd.randint(1, 4)}
    if code == "MRA":
        return {"adresse": f"Exploitation, {rnd.choice(['Mitidja', 'Biskra', 'Aïn Defla', 'Mascara'])}",
                "culture": rnd.choice(["Blé dur", "Pomme de terre", "Dattes", "Agrumes"]),
                "superficie": str(rnd.randint(5, 80)), "valeur": str(rnd.randint(20, 300) * 100_000)}
    if code in ("MRP", "BDM"):
        return {"adresse": f"Zone d'activités, {city}", "activite": rnd.choice(["Commerce de gros", "Atelier",
                                                                                "Entrepôt", "Clinique"]),
                "surface": rnd.randint(100, 3000), "valeur_batiment": str(rnd.randint(20, 400) * 1_000_000),
                "valeur_contenu": str(rnd.randint(5, 200) * 1_000_000)}
    if code == "FAC":
        return {"nature": rnd.choice(["Céréales", "Matériaux de construction", "Électroménager", "Médicaments"]),
                "depart": rnd.choice(["Port d'Alger", "Port d'Oran", "Marseille", "Valence"]), "arrivee": city,
                "mode": rnd.choice(["routier", "maritime"]), "valeur": str(rnd.randint(5, 150) * 1_000_000)}
    if code == "RCPRO":
        return {"activite": rnd.choice(["Bureau d'études", "Transport de marchandises", "Clinique", "BTP"]),
                "chiffre_affaires": str(rnd.randint(10, 500) * 1_000_000), "effectif": rnd.randint(5, 300)}
    raise KeyError(code)


def _pick(rnd, mix):
    return rnd.choices(mix, weights=[m[1] for m in mix])[0]


CLAIM_TYPES = {"AUTO-PART": ["collision", "collision", "bris_glace", "vol"], "MRH": ["degat_eaux", "vol", "incendie"],
               "CATNAT": ["catnat"], "CSA": ["sante"], "MOTO": ["collision", "vol"], "MRP": ["incendie", "degat_eaux"],
               "FAC": ["transport"], "RCPRO": ["rc"]}
STAGES = [[], ["instruction"], ["instruction", "expertise"], ["instruction", "expertise", "offre"],
          ["instruction", "expertise", "offre", "regle"], ["instruction", "refuse"], ["classe"]]


CIRCUMSTANCES = {
    "collision": "Collision à un carrefour, constat amiable signé par les deux conducteurs.",
    "vol": "Vol constaté au retour, plainte déposée au commissariat.",
    "bris_glace": "Pare-brise fissuré par une projection de gravillons sur l'autoroute.",
    "degat_eaux": "Fuite d'eau depuis l'appartement du dessus, plafond endommagé.",
    "incendie": "Départ de feu dans la cuisine, intervention de la protection civile.",
    "catnat": "Inondation du rez-de-chaussée suite aux fortes pluies.",
    "transport": "Marchandises mouillées à l'arrivée, réserves portées sur la lettre de voiture.",
    "sante": "Hospitalisation de trois jours en clinique.",
    "rc": "Dommage causé à un client dans les locaux.",
}


def _spread_history(claim, today) -> None:
    """Demo realism: the workflow steps spread between the declaration and today (not all « now »)."""
    import datetime as dt

    from django.utils import timezone

    changes = list(claim.status_changes.order_by("at", "pk"))
    span = max(1, (today - claim.declared_on).days)
    start = timezone.make_aware(dt.datetime.combine(claim.declared_on, dt.time(9, 30)))
    for n, change in enumerate(changes):
        change.at = start + dt.timedelta(days=span * n / max(1, len(changes)))
        change.save(update_fields=["at"])
    last = changes[-1].at
    claim.status_changed_at = last
    claim.closed_at = last if claim.closed_at else None
    claim.save(update_fields=["status_changed_at", "closed_at"])


def seed_portfolio(*, organization, policies: int = 400, accounts: int = 40, claims: int = 70, quotes: int = 30,
                   seed: int = 2026) -> dict:
    rnd = random.Random(seed)
    products = seed_catalogue(organization)
    services.settings_for(organization.pk)
    if Policy.objects.filter(organization=organization).exists():
        return {"created": 0}
    admin = User.objects.filter(organization=organization, role="admin", is_active=True).order_by("pk").first()
    agents = list(User.objects.filter(organization=organization, role__in=["user", "admin"], is_active=True,
                                      agency__isnull=False).order_by("pk"))
    today = datetime.date.today()
    people = list(Contact.objects.filter(organization=organization).select_related("agency", "owner")
                  .order_by("pk")[:policies])
    companies = list(Account.objects.filter(organization=organization).select_related("agency", "owner")
                     .order_by("pk")[:accounts])
    formulas = {(f.product_id, f.code): f for f in Formula.objects.filter(organization=organization)
                .prefetch_related("optional")}
    made: list[Policy] = []

    def issue(holder, mix, start):
        code, _w, formula_codes, option_codes = _pick(rnd, mix)
        product = products[code]
        formula = formulas[(product.pk, rnd.choice(formula_codes))]
        allowed = {g.code: g for g in formula.optional.all()}
        options = [allowed[c] for c in option_codes if c in allowed and rnd.random() < 0.35]
        owner = holder.owner if holder.owner and holder.owner.is_active else rnd.choice(agents)
        kwargs = {"contact": holder} if isinstance(holder, Contact) else {"account": holder}
        return services.policy_create(
            actor=admin, product=product, formula=formula, guarantees=options,
            insured_object=insured_object(code, rnd, holder), effective_date=start,
            payment_frequency=rnd.choice(["annuel", "annuel", "semestriel", "trimestriel", "mensuel"]),
            channel=rnd.choice(["agence"] * 5 + ["agent_general", "courtier", "banque", "en_ligne", "comparateur"]),
            owner=owner, agency=holder.agency or owner.agency, **kwargs)

    with transaction.atomic():
        for holder in people + companies:
            start = today - datetime.timedelta(days=rnd.randint(0, 360))
            made.append(issue(holder, PERSON_MIX if isinstance(holder, Contact) else ACCOUNT_MIX, start))
        # Older terms: some renewed (the next term issued), some expired.
        for holder in people[: max(1, len(people) // 12)]:
            old = issue(holder, PERSON_MIX, today - datetime.timedelta(days=rnd.randint(366, 380)))
            if rnd.random() < 0.6:
                made.append(services.policy_renew(actor=admin, policy=old))
            else:
                services.policy_transition(actor=admin, policy=old, status="expiree", on=old.expiry_date,
                                           reason="Échéance sans renouvellement")
        # Payments: most pay what fell due, some partly, some not at all (overdue).
        for policy in made:
            due = [i for i in policy.instalments.all() if i.due_date <= today]
            roll = rnd.random()
            if not due or roll < 0.12:
                continue
            amount = sum((i.amount for i in due), Decimal("0"))
            if roll < 0.22:
                amount = (amount * Decimal("0.5")).quantize(Decimal("0.01"))
            services.payment_record(actor=admin, policy=policy, amount=amount,
                                    method=rnd.choice(["especes", "cheque", "virement", "cib", "edahabia"]),
                                    paid_on=max(due[-1].due_date, policy.effective_date),
                                    reference=f"REF-{rnd.randint(100000, 999999)}")
        # A few suspended (non-payment), cancelled, non-renewal recorded.
        for policy in rnd.sample(made, min(len(made), 12)):
            policy.refresh_from_db()
            if policy.status != "en_vigueur":
                continue
            choice = rnd.random()
            if choice < 0.4:
                services.policy_transition(actor=admin, policy=policy, status="suspendue",
                                           reason="Non-paiement de la prime")
            elif choice < 0.7:
                services.policy_cancel(actor=admin, policy=policy, reason="Vente du bien assuré")
            elif policy.expiry_date <= today + datetime.timedelta(days=90):
                services.policy_refuse_renewal(actor=admin, policy=policy, reason="Client parti à la concurrence")
        # Claims at every stage.
        claimable = [p for p in made if p.product.code in CLAIM_TYPES and p.status == "en_vigueur"
                     and p.effective_date < today - datetime.timedelta(days=3)]
        for n, policy in enumerate(rnd.sample(claimable, min(claims, len(claimable)))):
            span = (today - policy.effective_date).days
            loss = policy.effective_date + datetime.timedelta(days=rnd.randint(1, max(1, span - 1)))
            estimated = Decimal(rnd.randint(2, 60) * 10_000)
            claim_type = rnd.choice(CLAIM_TYPES[policy.product.code])
            claim = services.claim_declare(
                actor=admin, policy=policy,
                loss_date=loss, declared_on=min(today, loss + datetime.timedelta(days=rnd.randint(0, 5))),
                declaration_channel=rnd.choice(["agence", "telephone", "portail", "email"]),
                place=rnd.choice(CITIES), estimated_amount=estimated,
                circumstances=CIRCUMSTANCES.get(claim_type, "Déclaration en agence."), claim_type=claim_type,
                event="Inondations Bab El Oued" if policy.product.code == "CATNAT" else "")
            claim.documents = {k: rnd.random() < 0.6 for k in claim.documents}
            claim.save(update_fields=["documents"])
            for step in STAGES[n % len(STAGES)]:
                if step == "expertise":
                    services.claim_update(actor=admin, claim=claim, expert="Cabinet d'expertise Hamdi & Associés",
                                          expert_appointed_on=today)
                if step == "regle":
                    services.claim_payment_record(actor=admin, claim=claim, amount=estimated * Decimal("0.8"),
                                                  beneficiary=str(policy.holder), is_final=True)
                    continue
                services.claim_transition(actor=admin, claim=claim, status=step,
                                          reason="Garantie non acquise" if step in ("refuse", "classe") else "")
            _spread_history(claim, today)
        # Quotes: pending, refused and accepted.
        for n, holder in enumerate(people[-quotes:]):
            code, _w, formula_codes, option_codes = _pick(rnd, PERSON_MIX[:3])
            product = products[code]
            quote = services.quote_create(actor=admin, product=product,
                                          formula=formulas[(product.pk, rnd.choice(formula_codes))],
                                          contact=holder, insured_object=insured_object(code, rnd, holder),
                                          owner=holder.owner, agency=holder.agency)
            if n % 3 == 1:
                services.quote_refuse(actor=admin, quote=quote, reason=rnd.choice(
                    ["Prime jugée trop élevée", "A choisi un concurrent", "Projet reporté"]))
            elif n % 3 == 2:
                services.quote_accept(actor=admin, quote=quote)
    renewals = services.renewals_schedule(organization_id=organization.pk)
    dunning = services.dunning_run(organization_id=organization.pk)
    return {"created": Policy.objects.filter(organization=organization).count(), "renewal_tasks": renewals,
            "dunning_steps": dunning, "frequencies": dict(FREQUENCY_COUNT)}
