"""Routes of the customers API, registered on the /api/v1/ router by assura/api/urls.py."""


def register(router) -> None:
    from assura.customers.api import views

    router.register("contacts", views.ContactViewSet, basename="contact")
    router.register("accounts", views.AccountViewSet, basename="account")
    router.register("relationships", views.RelationshipViewSet, basename="relationship")
