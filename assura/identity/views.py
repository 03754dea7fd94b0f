"""Pages of the identity app: landing, onboarding, home, people, agencies, groups, profile.

Views parse, call a service and render; the generic views of core do the tenant and
permission checks.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import generic

from assura.core import home, navigation
from assura.core.permissions import PERMISSIONS, Role, user_can
from assura.core.views import (
    TenantActionView,
    TenantCreateView,
    TenantDetailView,
    TenantListView,
    TenantUpdateView,
    WorkspaceMixin,
    apply_validation_error,
)
from assura.identity import selectors, services
from assura.identity.filters import AgencyFilterSet, UserFilterSet
from assura.identity.forms import (
    AgencyForm,
    InvitationAcceptForm,
    InvitationForm,
    OrganizationForm,
    OrganizationSettingsForm,
    PermissionGroupForm,
    PreferencesForm,
    RegionForm,
    RoleForm,
    UserForm,
)
from assura.identity.models import Agency, ApiToken, PermissionGroup, Region, User
from assura.identity.tables import AgencyTable, GroupTable, RegionTable, UserTable

# --- Public and onboarding -------------------------------------------------------------------


class LandingView(generic.TemplateView):
    template_name = "identity/landing.html"


class OnboardingView(LoginRequiredMixin, generic.FormView):
    """The company technical sheet, filled once by a newly signed-up administrator."""

    template_name = "identity/onboarding.html"
    form_class = OrganizationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.organization_id:
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"email": self.request.user.email}

    def form_valid(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "logo"}
        try:
            services.organization_create(
                user=self.request.user, request=self.request, logo=form.cleaned_data.get("logo"), **data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Bienvenue ! Votre espace est prêt."))
        return redirect("home")


class InvitationAcceptView(generic.FormView):
    template_name = "identity/invitation_accept.html"
    form_class = InvitationAcceptForm

    def dispatch(self, request, *args, **kwargs):
        try:
            self.invitation = services.invitation_from_token(kwargs["token"])
        except ValidationError as exc:
            return render(request, "identity/invitation_invalid.html", {"reason": exc.messages[0]}, status=410)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["invitation"] = self.invitation
        return ctx

    def get_initial(self):
        user = self.invitation.user
        return {"first_name": user.first_name, "last_name": user.last_name}

    def form_valid(self, form):
        try:
            user = services.invitation_accept(
                token=self.kwargs["token"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password"],
                request=self.request,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        login(self.request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
        messages.success(self.request, _("Bienvenue dans l'espace de %(org)s.") % {"org": user.organization.name})
        return redirect("home")


# --- Home ------------------------------------------------------------------------------------------


class HomeView(WorkspaceMixin, generic.TemplateView):
    """Administrator home (tiles of the seed) or user home, by what the role may do."""

    def get_template_names(self):
        if user_can(self.request.user, "users.manage"):
            return ["identity/home_admin.html"]
        return ["identity/home_user.html"]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["page_title"] = _("Accueil")
        ctx["tiles"] = [i for i in navigation.items_for(user) if i.key != "home"]
        ctx["counts"] = selectors.workspace_counts(user=user)
        if user_can(user, "users.manage"):
            ctx["invite_form"] = InvitationForm(user=user)
        ctx["my_jobs"] = selectors.recent_jobs(user=user)
        ctx["home_sections"] = home.sections_for(user)  # what other modules add (assura.core.home)
        return ctx


# --- Users -------------------------------------------------------------------------------------------


class UserListView(TenantListView):
    model = User
    required_action = "users.manage"
    table_class = UserTable
    filterset_class = UserFilterSet
    page_title = _("Gestion des utilisateurs")
    template_name = "identity/user_list.html"
    create_url_name = "identity:user_invite"

    def get_queryset(self):
        return selectors.user_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["counts"] = selectors.workspace_counts(user=self.request.user)
        ctx["create_label"] = _("Inviter")
        return ctx


class UserInviteView(TenantCreateView):
    model = User
    form_class = InvitationForm
    required_action = "users.manage"
    page_title = _("Inviter un utilisateur")
    template_name = "identity/user_invite.html"
    success_message = None

    def perform(self, form):
        user = services.user_invite(actor=self.request.user, request=self.request, **form.cleaned_data)
        messages.success(self.request, _("Invitation envoyée à %(email)s.") % {"email": user.email})
        return user

    def get_success_url(self):
        return reverse("identity:user_list")


class UserDetailView(TenantDetailView):
    model = User
    required_action = "users.manage"
    template_name = "identity/user_detail.html"
    select_related = ("agency", "invitation")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["events"] = selectors.user_recent_events(user=self.request.user, subject=self.object)
        ctx["can_manage_roles"] = user_can(self.request.user, "roles.manage")
        ctx["page_title"] = str(self.object)
        return ctx


class UserUpdateView(TenantUpdateView):
    model = User
    form_class = UserForm
    required_action = "users.manage"
    page_title = _("Modifier l'utilisateur")

    service = services.user_update
    service_object_arg = "user"


class UserRoleView(TenantUpdateView):
    model = User
    form_class = RoleForm
    required_action = "roles.manage"
    page_title = _("Rôle et groupes")
    template_name = "identity/user_role.html"

    def perform(self, form):
        return services.user_change_role(
            actor=self.request.user,
            user=self.object,
            role=form.cleaned_data["role"],
            groups=list(form.cleaned_data["groups"]),
            request=self.request,
        )


class UserDeactivateView(TenantActionView):
    model = User
    required_action = "users.manage"
    success_message = _("Utilisateur désactivé : il ne peut plus se connecter.")

    service = services.user_deactivate
    service_object_arg = "user"


class UserReactivateView(TenantActionView):
    model = User
    required_action = "users.manage"
    success_message = _("Utilisateur réactivé.")

    service = services.user_reactivate
    service_object_arg = "user"


class InvitationResendView(TenantActionView):
    model = User
    required_action = "users.manage"
    success_message = _("Invitation renvoyée. L'ancien lien ne fonctionne plus.")

    service = services.invitation_resend
    service_object_arg = "user"


class InvitationRevokeView(TenantActionView):
    model = User
    required_action = "users.manage"
    success_message = _("Invitation révoquée.")

    service = services.invitation_revoke
    service_object_arg = "user"
    success_url_name = "identity:user_list"


# --- Agencies and regions ------------------------------------------------------------------------


class AgencyListView(TenantListView):
    model = Agency
    required_action = "agencies.view"
    table_class = AgencyTable
    filterset_class = AgencyFilterSet
    page_title = _("Agences")
    create_url_name = "identity:agency_create"
    create_action = "agencies.manage"
    template_name = "identity/agency_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("region").annotate(members_count=Count("members"))


class AgencyDetailView(TenantDetailView):
    model = Agency
    required_action = "agencies.view"
    template_name = "identity/agency_detail.html"
    select_related = ("region",)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["members"] = selectors.user_list(user=self.request.user).filter(agency=self.object)
        ctx["can_manage"] = user_can(self.request.user, "agencies.manage")
        return ctx


class AgencyCreateView(TenantCreateView):
    model = Agency
    form_class = AgencyForm
    required_action = "agencies.manage"
    page_title = _("Nouvelle agence")

    service = services.agency_save


class AgencyUpdateView(TenantUpdateView):
    model = Agency
    form_class = AgencyForm
    required_action = "agencies.manage"
    page_title = _("Modifier l'agence")

    service = services.agency_save
    service_object_arg = "agency"


class RegionListView(TenantListView):
    model = Region
    required_action = "agencies.view"
    table_class = RegionTable
    page_title = _("Directions régionales")
    create_url_name = "identity:region_create"
    create_action = "agencies.manage"

    def get_queryset(self):
        return super().get_queryset().annotate(agencies_count=Count("agencies"))


class RegionCreateView(TenantCreateView):
    model = Region
    form_class = RegionForm
    required_action = "agencies.manage"
    page_title = _("Nouvelle direction régionale")
    success_url = reverse_lazy("identity:region_list")

    service = services.region_save


class RegionUpdateView(TenantUpdateView):
    model = Region
    form_class = RegionForm
    required_action = "agencies.manage"
    page_title = _("Modifier la direction régionale")
    success_url = reverse_lazy("identity:region_list")

    service = services.region_save
    service_object_arg = "region"


# --- Roles and groups ----------------------------------------------------------------------------


class RoleMatrixView(WorkspaceMixin, generic.TemplateView):
    """The permission matrix, read-only: what each role may do by default."""

    required_action = "roles.manage"
    template_name = "identity/role_matrix.html"
    page_title = _("Rôles et permissions")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["roles"] = Role.choices
        ctx["rows"] = [
            (code, label, [r in roles for r, _l in Role.choices]) for code, (label, roles) in PERMISSIONS.items()
        ]
        return ctx


class GroupListView(TenantListView):
    model = PermissionGroup
    required_action = "roles.manage"
    table_class = GroupTable
    page_title = _("Groupes de permissions")
    create_url_name = "identity:group_create"

    def get_queryset(self):
        return super().get_queryset().annotate(members_count=Count("members"))


class GroupCreateView(TenantCreateView):
    model = PermissionGroup
    form_class = PermissionGroupForm
    required_action = "roles.manage"
    page_title = _("Nouveau groupe de permissions")
    success_url = reverse_lazy("identity:group_list")

    service = services.group_save


class GroupUpdateView(TenantUpdateView):
    model = PermissionGroup
    form_class = PermissionGroupForm
    required_action = "roles.manage"
    page_title = _("Modifier le groupe")
    template_name = "identity/group_form.html"
    success_url = reverse_lazy("identity:group_list")

    service = services.group_save
    service_object_arg = "group"


class GroupDeleteView(TenantActionView):
    model = PermissionGroup
    required_action = "roles.manage"
    success_message = _("Groupe supprimé.")

    service = services.group_delete
    service_object_arg = "group"
    success_url_name = "identity:group_list"


# --- Company settings ------------------------------------------------------------------------------


class OrganizationSettingsView(WorkspaceMixin, generic.FormView):
    required_action = "workspace.manage"
    form_class = OrganizationSettingsForm
    template_name = "core/form.html"
    page_title = _("Fiche technique de l'entreprise")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.request.user.organization
        return kwargs

    def form_valid(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "logo"}
        logo = form.cleaned_data.get("logo")
        # Re-read the company: the ModelForm has already put the new values on the instance.
        self.request.user.organization.refresh_from_db()
        try:
            services.organization_update(
                actor=self.request.user,
                request=self.request,
                logo=logo if logo and hasattr(logo, "content_type") else None,
                remove_logo=logo is False,
                **data,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Fiche entreprise enregistrée."))
        return redirect("identity:organization_settings")


# --- Profile, preferences, API tokens -------------------------------------------------------------


class ProfileView(WorkspaceMixin, generic.FormView):
    template_name = "identity/profile.html"
    form_class = UserForm
    page_title = _("Mon profil")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, instance=self.request.user)
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not user_can(self.request.user, "users.manage"):
            form.fields["agency"].disabled = True
        return form

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tokens"] = selectors.token_list(user=self.request.user)
        ctx["new_token"] = self.request.session.pop("new_api_token", None)
        ctx["preferences_form"] = PreferencesForm(
            initial={"language": self.request.user.language, "theme": self.request.user.theme}
        )
        return ctx

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        if form.fields["agency"].disabled:
            data["agency"] = self.request.user.agency
        try:
            services.user_update(actor=self.request.user, user=self.request.user, request=self.request, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Profil enregistré."))
        return redirect("identity:profile")


class PreferencesView(WorkspaceMixin, generic.View):
    """Language and display mode, saved on the user (the theme toggle posts here too)."""

    http_method_names = ["post"]

    def post(self, request):
        theme = request.POST.get("theme")
        language = request.POST.get("language")
        form = PreferencesForm({"theme": theme or request.user.theme, "language": language or request.user.language})
        if not form.is_valid():
            return HttpResponse(status=400)
        services.user_preferences_update(user=request.user, **form.cleaned_data)
        if request.headers.get("X-CSRFToken") and not request.POST.get("language"):
            return HttpResponse(status=204)
        response = HttpResponseRedirect(reverse("identity:profile"))
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax")
        messages.success(request, _("Préférences enregistrées."))
        return response


class TokenCreateView(WorkspaceMixin, generic.View):
    http_method_names = ["post"]

    def post(self, request):
        _token, key = services.token_create(user=request.user, name=request.POST.get("name", ""), request=request)
        request.session["new_api_token"] = key
        return redirect(reverse("identity:profile") + "#api-tokens")


class TokenRevokeView(WorkspaceMixin, generic.View):
    """Revoke one of one's own API tokens; anyone else's token is a 404."""

    model = ApiToken
    http_method_names = ["post"]

    def post(self, request, pk):
        token = get_object_or_404(selectors.token_list(user=request.user), pk=pk)
        services.token_revoke(actor=request.user, token=token, request=request)
        messages.success(request, _("Jeton révoqué."))
        return redirect(reverse("identity:profile") + "#api-tokens")
