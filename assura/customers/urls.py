from django.urls import path

from assura.customers import views

app_name = "customers"

urlpatterns = [
    path("contacts/", views.ContactListView.as_view(), name="contact_list"),
    path("contacts/new/", views.ContactCreateView.as_view(), name="contact_create"),
    path("contacts/<int:pk>/", views.ContactDetailView.as_view(), name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.ContactUpdateView.as_view(), name="contact_update"),
    path("contacts/<int:pk>/delete/", views.ContactDeleteView.as_view(), name="contact_delete"),
    path("contacts/<int:pk>/relationships/", views.ContactRelationshipAddView.as_view(),
         name="contact_relationship_add"),
    path("contacts/<int:pk>/consents/", views.ContactConsentView.as_view(), name="contact_consent"),
    path("relationships/<int:pk>/delete/", views.RelationshipDeleteView.as_view(), name="relationship_delete"),
    path("customers/lookup/", views.CustomerLookupView.as_view(), name="lookup"),
    # /accounts/ is shared with allauth's pages (/accounts/login/…): only ids and new/ here.
    path("accounts/", views.AccountListView.as_view(), name="account_list"),
    path("accounts/new/", views.AccountCreateView.as_view(), name="account_create"),
    path("accounts/<int:pk>/", views.AccountDetailView.as_view(), name="account_detail"),
    path("accounts/<int:pk>/edit/", views.AccountUpdateView.as_view(), name="account_update"),
    path("accounts/<int:pk>/delete/", views.AccountDeleteView.as_view(), name="account_delete"),
    path("accounts/<int:pk>/contacts/", views.AccountContactAddView.as_view(), name="account_contact_add"),
]
