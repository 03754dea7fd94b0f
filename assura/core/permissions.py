"""The permission matrix: one table of role × action, the single source of truth.

Modules add their actions here (one row each). Custom groups created by an
administrator grant actions from this same table. `user_can` is the only check.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrateur")
    EDITOR = "editor", _("Éditeur")
    SUPERVISOR = "supervisor", _("Superviseur")
    USER = "user", _("Utilisateur")


A, E, S, U = Role.ADMIN, Role.EDITOR, Role.SUPERVISOR, Role.USER
ALL = frozenset({A, E, S, U})

# action code: (label, roles allowed by default)
PERMISSIONS: dict[str, tuple[str, frozenset[Role]]] = {
    "workspace.manage": (_("Modifier la fiche entreprise et les paramètres"), frozenset({A})),
    "users.view": (_("Consulter l'annuaire des utilisateurs"), ALL),
    "users.manage": (_("Inviter, modifier et désactiver des utilisateurs"), frozenset({A})),
    "roles.manage": (_("Changer les rôles et gérer les groupes"), frozenset({A})),
    "agencies.view": (_("Consulter les régions et agences"), ALL),
    "agencies.manage": (_("Créer et modifier les régions et agences"), frozenset({A})),
    "audit.view": (_("Consulter le journal d'audit"), frozenset({A})),
    "audit.export": (_("Exporter le journal d'audit"), frozenset({A})),
    "jobs.view": (_("Suivre ses tâches d'arrière-plan"), ALL),
    "jobs.view_all": (_("Suivre toutes les tâches d'arrière-plan"), frozenset({A})),
    "records.read_all": (_("Lire tous les enregistrements de l'entreprise"), frozenset({A, E, S})),
    "records.delete": (_("Supprimer des clients et des enregistrements"), frozenset({A})),
    "data.import": (_("Importer des données"), frozenset({A})),
    "data.export": (_("Exporter des données"), frozenset({A})),
    "reports.produce": (_("Produire des rapports"), frozenset({A, E})),
    "dashboards.company": (_("Voir les tableaux de bord de l'entreprise"), frozenset({A, E, S})),
    "comments.add": (_("Ajouter des commentaires"), frozenset({A, E, U})),
    "files.attach": (_("Joindre des fichiers"), frozenset({A, E, U})),
    "campaigns.manage": (_("Gérer les campagnes marketing"), frozenset({A})),
    "customers.edit": (_("Créer et modifier des contacts et des comptes"), frozenset({A, U})),
    "leads.edit": (_("Créer, qualifier et convertir des pistes"), frozenset({A, U})),
    "leads.rules": (_("Régler l'attribution automatique des pistes"), frozenset({A})),
    "activities.edit": (_("Créer et mettre à jour des activités"), frozenset({A, E, U})),
    # --- Insurance portfolio (assura.portfolio) ---
    "catalogue.manage": (_("Gérer le catalogue de produits et les paramètres du portefeuille"), frozenset({A})),
    "policies.edit": (_("Établir des devis, émettre, modifier et renouveler des polices"), frozenset({A, U})),
    "claims.edit": (_("Déclarer et instruire des sinistres"), frozenset({A, U})),
    "payments.record": (_("Enregistrer des encaissements"), frozenset({A, U})),
    # --- end portfolio ---
    # --- Sales (assura.sales) ---
    "opportunities.edit": (_("Créer, modifier et faire avancer des opportunités"), frozenset({A, U})),
    "pipeline.manage": (_("Configurer les étapes du pipeline commercial"), frozenset({A})),
    "targets.manage": (_("Fixer les objectifs commerciaux"), frozenset({A})),
    # --- end sales ---
    # --- Service desk (assura.service) ---
    # Read: every member, through Ticket.visible_to (Utilisateur: own, agency, own teams).
    "tickets.edit": (_("Créer des tickets, répondre, noter et changer leur statut"), frozenset({A, E, U})),
    "tickets.assign": (_("Attribuer et réattribuer des tickets"), frozenset({A, E, S})),
    "service.settings": (_("Paramétrer le service client (catégories, SLA, équipes, routage, modèles, "
                           "messagerie, tri automatique)"), frozenset({A})),
    "kb.edit": (_("Rédiger la base de connaissances"), frozenset({A, E})),
    # --- end service ---
}


def action_choices() -> list[tuple[str, str]]:
    return [(code, label) for code, (label, _roles) in PERMISSIONS.items()]


def role_allows(role: str | None, action: str) -> bool:
    if action not in PERMISSIONS:
        raise KeyError(f"Unknown action {action!r}: add it to PERMISSIONS")
    return role in PERMISSIONS[action][1]


def user_actions(user) -> frozenset[str]:
    """Every action the user may perform: their role's plus their groups'. Cached per object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if getattr(user, "organization_id", None) is None:
        return frozenset()
    cached = getattr(user, "_assura_actions", None)
    if cached is None:
        allowed = {code for code, (_label, roles) in PERMISSIONS.items() if user.role in roles}
        for perms in user.permission_groups.values_list("permissions", flat=True):
            allowed.update(code for code in perms or () if code in PERMISSIONS)
        cached = frozenset(allowed)
        user._assura_actions = cached
    return cached


def user_can(user, action: str) -> bool:
    if action not in PERMISSIONS:
        raise KeyError(f"Unknown action {action!r}: add it to PERMISSIONS")
    return action in user_actions(user)
