"""Routes of the leads API, registered on the /api/v1/ router by assura/api/urls.py."""


def register(router) -> None:
    from assura.leads.api.views import LeadViewSet

    router.register("leads", LeadViewSet, basename="lead")
