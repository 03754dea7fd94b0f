"""Routes of the portfolio API, registered on the /api/v1/ router by assura/api/urls.py."""


def register(router) -> None:
    from assura.portfolio.api import views

    router.register("products", views.ProductViewSet, basename="product")
    router.register("quotes", views.QuoteViewSet, basename="quote")
    router.register("policies", views.PolicyViewSet, basename="policy")
    router.register("claims", views.ClaimViewSet, basename="claim")
    router.register("receivables", views.ReceivableViewSet, basename="receivable")
    router.register("payments", views.PaymentViewSet, basename="payment")
