"""The data import/export API routes (module in progress)."""


def register(router) -> None:
    """Register the imports/exports viewsets on the /api/v1/ router."""
