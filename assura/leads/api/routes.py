"""Routes of the leads API, registered on the /api/v1/ router by assura/api/urls.py."""


def register(router) -> None:
    """Register this app's viewsets: router.register("plural-kebab", ViewSet, basename="…")."""
