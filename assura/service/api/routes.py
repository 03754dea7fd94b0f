"""Routes of the service API, registered on the /api/v1/ router by assura/api/urls.py."""


def register(router) -> None:
    from assura.service.api.views import InboundEmailViewSet, KbArticleViewSet, SlaPolicyViewSet, TicketViewSet

    router.register("tickets", TicketViewSet, basename="ticket")
    router.register("kb-articles", KbArticleViewSet, basename="kb-article")
    router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
    router.register("inbound-email", InboundEmailViewSet, basename="inbound-email")
