from django.contrib import admin

from carm.admin import ReadOnlyAdmin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "kind", "created_at", "read_at", "emailed_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__email", "dedupe_key")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
