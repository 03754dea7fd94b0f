from django.urls import path

from assura.identity import views

app_name = "identity"

urlpatterns = [
    path("onboarding/company/", views.OnboardingView.as_view(), name="onboarding"),
    path("invitation/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("settings/company/", views.OrganizationSettingsView.as_view(), name="organization_settings"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/invite/", views.UserInviteView.as_view(), name="user_invite"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.UserUpdateView.as_view(), name="user_update"),
    path("users/<int:pk>/role/", views.UserRoleView.as_view(), name="user_role"),
    path("users/<int:pk>/deactivate/", views.UserDeactivateView.as_view(), name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.UserReactivateView.as_view(), name="user_reactivate"),
    path("users/<int:pk>/invitation/resend/", views.InvitationResendView.as_view(), name="invitation_resend"),
    path("users/<int:pk>/invitation/revoke/", views.InvitationRevokeView.as_view(), name="invitation_revoke"),
    path("agencies/", views.AgencyListView.as_view(), name="agency_list"),
    path("agencies/new/", views.AgencyCreateView.as_view(), name="agency_create"),
    path("agencies/<int:pk>/", views.AgencyDetailView.as_view(), name="agency_detail"),
    path("agencies/<int:pk>/edit/", views.AgencyUpdateView.as_view(), name="agency_update"),
    path("regions/", views.RegionListView.as_view(), name="region_list"),
    path("regions/new/", views.RegionCreateView.as_view(), name="region_create"),
    path("regions/<int:pk>/edit/", views.RegionUpdateView.as_view(), name="region_update"),
    path("roles/", views.RoleMatrixView.as_view(), name="role_matrix"),
    path("groups/", views.GroupListView.as_view(), name="group_list"),
    path("groups/new/", views.GroupCreateView.as_view(), name="group_create"),
    path("groups/<int:pk>/edit/", views.GroupUpdateView.as_view(), name="group_update"),
    path("groups/<int:pk>/delete/", views.GroupDeleteView.as_view(), name="group_delete"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("profile/tokens/", views.TokenCreateView.as_view(), name="token_create"),
    path("profile/tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"),
]
