"""Sends a signed-up administrator without a company to the technical sheet first."""

from django.shortcuts import redirect
from django.urls import reverse

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/media/", "/api/", "/i18n/", "/healthz", "/readyz", "/onboarding/",
                    "/invitation/")


class WorkspaceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.organization_id is None
            and not user.is_superuser
            and request.path != "/"
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            return redirect(reverse("identity:onboarding"))
        return self.get_response(request)
