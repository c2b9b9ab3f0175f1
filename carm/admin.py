"""What the officers' admin shares."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Officers look; the portal's services and its users make the changes."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
