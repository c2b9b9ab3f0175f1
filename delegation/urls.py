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
