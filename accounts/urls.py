from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("setup/", views.setup, name="setup"),
    path("setup/register/", views.register_business, name="register_business"),
    path("setup/request-access/", views.request_access, name="request_access"),
    path("program-accounts/<str:bn15>/", views.program_account_detail, name="program_account"),
    path("businesses/<str:bn9>/employees/", views.employees, name="employees"),
    path("businesses/<str:bn9>/employees/<int:pk>/", views.membership_edit, name="membership_edit"),
    path(
        "businesses/<str:bn9>/employees/<int:pk>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path(
        "businesses/<str:bn9>/requests/<int:pk>/",
        views.access_request_decide,
        name="access_request_decide",
    ),
    path(
        "businesses/<str:bn9>/requests/<int:pk>/reject/",
        views.access_request_reject,
        name="access_request_reject",
    ),
    path("profile/", views.profile, name="profile"),
    path("profile/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("profile/api-keys/", views.api_keys, name="api_keys"),
    path("profile/api-keys/new/", views.api_key_create, name="api_key_create"),
    path("profile/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
