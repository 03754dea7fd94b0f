"""Routes owned by a module in progress."""

urlpatterns: list = []
