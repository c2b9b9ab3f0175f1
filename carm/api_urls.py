"""The HTTP API, version 1."""

from django.urls import path

from accounts.api import ProgramAccountDetailApi, ProgramAccountListApi
from delegation.api import RelationshipListApi
from notifications.api import NotificationListApi, NotificationReadApi

urlpatterns = [
    path("program-accounts/", ProgramAccountListApi.as_view(), name="api-program-accounts"),
    path(
        "program-accounts/<str:bn15>/",
        ProgramAccountDetailApi.as_view(),
        name="api-program-account",
    ),
    path("relationships/", RelationshipListApi.as_view(), name="api-relationships"),
    path("notifications/", NotificationListApi.as_view(), name="api-notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        NotificationReadApi.as_view(),
        name="api-notification-read",
    ),
]
