from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.models import Notification
from notifications.selectors import notifications_for
from notifications.serializers import NotificationSerializer
from notifications.services import notification_mark_read


class NotificationListApi(generics.ListAPIView):
    """The caller's inbox, newest first."""

    serializer_class = NotificationSerializer
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        unread_only = self.request.query_params.get("unread") in {"1", "true"}
        return notifications_for(self.request.user, unread_only=unread_only)


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request: Request, notification_id: int) -> Response:
        try:
            notification = notification_mark_read(
                user=request.user, notification_id=notification_id
            )
        except Notification.DoesNotExist:
            raise NotFound from None
        return Response(NotificationSerializer(notification).data)
