from rest_framework import serializers

from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="kind", read_only=True)
    title = serializers.CharField(source="get_kind_display", read_only=True)
    body = serializers.CharField(read_only=True)
    read = serializers.BooleanField(source="is_read", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "type", "title", "body", "link", "created_at", "read", "read_at"]
        read_only_fields = fields
