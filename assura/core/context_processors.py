"""What every page of the shell needs: the workspace, the sidebar, the display mode."""

from assura.core import navigation


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"ui_theme_pref": "auto"}
    org = user.organization if user.organization_id else None
    return {
        "workspace": org,
        "nav_sections": navigation.sidebar(user, request.path) if org else [],
        "ui_theme_pref": user.theme,
    }
