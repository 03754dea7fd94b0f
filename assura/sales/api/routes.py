"""Routes of the sales API, registered on the /api/v1/ router by assura/api/urls.py."""


def register(router) -> None:
    return None
