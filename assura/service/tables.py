from django.utils.translation import gettext_lazy as _

from assura.core.tables import Column, Table


class TicketTable(Table):
    columns = [
        Column("reference", _("Référence"), link=True),
        Column("subject", _("Objet"), template="service/partials/_cell_subject.html"),
        Column("kind", _("Type")),
        Column("priority", _("Priorité"), template="service/partials/_cell_priority.html"),
        Column("status", _("Statut"), template="service/partials/_cell_status.html"),
        Column("customer_name", _("Client")),
        Column("team", _("Équipe"), order_by="team__name"),
        Column("assignee", _("Attribué à"), order_by="assignee__last_name"),
        Column("resolution_due", _("Échéance"), template="service/partials/_cell_due.html"),
        Column("created_at", _("Créé le"), template="core/partials/_cell_datetime.html"),
    ]
    default_ordering = "-created_at"
    empty_message = _("Aucun ticket ne correspond à ces critères.")


class CategoryTable(Table):
    columns = [
        Column("name", _("Nom"), link=True),
        Column("parent", _("Catégorie parente"), order_by="parent__name"),
        Column("keywords", _("Mots-clés"), sortable=False),
        Column("is_active", _("Active"), template="core/partials/_cell_bool.html"),
    ]
    default_ordering = "name"


class TeamTable(Table):
    columns = [
        Column("name", _("Nom"), link=True),
        Column("kind", _("Type")),
        Column("lead", _("Responsable"), order_by="lead__last_name"),
        Column("agency", _("Agence"), order_by="agency__number"),
    ]
    default_ordering = "name"


class SlaPolicyTable(Table):
    columns = [
        Column("name", _("Nom"), link=True),
        Column("kind", _("Type")),
        Column("priority", _("Priorité")),
        Column("category", _("Catégorie"), order_by="category__name"),
        Column("first_response_hours", _("Première réponse (h ouvrées)")),
        Column("resolution_hours", _("Résolution (h ouvrées)")),
        Column("is_active", _("Active"), template="core/partials/_cell_bool.html"),
    ]
    default_ordering = "name"


class RoutingRuleTable(Table):
    columns = [
        Column("priority", _("Ordre"), link=True),
        Column("category", _("Catégorie"), order_by="category__name"),
        Column("channel", _("Canal")),
        Column("kind", _("Type")),
        Column("agency", _("Agence"), order_by="agency__number"),
        Column("wilaya", _("Wilaya"), order_by="wilaya__code"),
        Column("team", _("Équipe"), order_by="team__name"),
        Column("strategy", _("Attribution")),
        Column("is_active", _("Active"), template="core/partials/_cell_bool.html"),
    ]
    default_ordering = "priority"


class ReplyTemplateTable(Table):
    columns = [
        Column("name", _("Nom"), link=True),
        Column("category", _("Catégorie"), order_by="category__name"),
        Column("is_active", _("Actif"), template="core/partials/_cell_bool.html"),
    ]
    default_ordering = "name"


class KbArticleTable(Table):
    columns = [
        Column("title", _("Titre"), link=True),
        Column("category", _("Catégorie"), order_by="category__name"),
        Column("visibility", _("Visibilité")),
        Column("version", _("Version")),
        Column("helpful_count", _("Utile")),
        Column("updated_at", _("Modifié le"), template="core/partials/_cell_datetime.html"),
    ]
    default_ordering = "title"


class InboundEmailTable(Table):
    columns = [
        Column("received_at", _("Reçu le"), template="core/partials/_cell_datetime.html"),
        Column("from_email", _("Expéditeur")),
        Column("subject", _("Objet"), link=True),
        Column("status", _("Statut")),
        Column("reason", _("Motif"), sortable=False),
        Column("ticket__reference", _("Ticket")),
    ]
    default_ordering = "-received_at"
