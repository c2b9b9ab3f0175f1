from django.urls import path

from delegation import views

urlpatterns = [
    # The importer's side
    path("businesses/<str:bn9>/third-parties/", views.third_parties, name="third_parties"),
    path(
        "businesses/<str:bn9>/third-parties/<int:pk>/",
        views.relationship_terms,
        name="relationship_terms",
    ),
    path(
        "businesses/<str:bn9>/third-parties/<int:pk>/reject/",
        views.relationship_reject,
        name="relationship_reject",
    ),
    path(
        "businesses/<str:bn9>/third-parties/<int:pk>/revoke/",
        views.relationship_revoke,
        name="relationship_revoke",
    ),
    path("businesses/<str:bn9>/access-log/", views.access_log, name="access_log"),
    path(
        "program-accounts/<str:bn15>/financial-security/sureties/",
        views.account_surety_invitations,
        name="account_surety_invitations",
    ),
    path(
        "program-accounts/<str:bn15>/financial-security/sureties/<int:pk>/withdraw/",
        views.surety_invitation_withdraw,
        name="surety_invitation_withdraw",
    ),
    # The surety's side
    path("sureties/invitations/", views.surety_invitations, name="surety_invitations"),
    # The service provider's side
    path("businesses/<str:bn9>/clients/", views.my_clients, name="my_clients"),
    path(
        "businesses/<str:bn9>/relationships/",
        views.provider_relationships,
        name="provider_relationships",
    ),
    path("businesses/<str:bn9>/client-groups/", views.client_groups, name="client_groups"),
    path(
        "businesses/<str:bn9>/client-groups/<int:pk>/",
        views.client_group_edit,
        name="client_group_edit",
    ),
    path(
        "businesses/<str:bn9>/client-groups/<int:pk>/delete/",
        views.client_group_delete,
        name="client_group_delete",
    ),
]
