from django.contrib import admin

from carm.admin import ReadOnlyAdmin
from delegation.models import AccessLogEntry, ClientGroup, Relationship, SuretyInvitation


@admin.register(Relationship)
class RelationshipAdmin(ReadOnlyAdmin):
    list_display = ("provider", "importer", "kind", "status", "level", "ends_on", "created_at")
    list_filter = ("kind", "status", "level")
    search_fields = (
        "provider__bn9",
        "provider__legal_name",
        "importer__bn9",
        "importer__legal_name",
    )
    list_select_related = ("provider", "importer")


@admin.register(ClientGroup)
class ClientGroupAdmin(ReadOnlyAdmin):
    list_display = ("name", "provider", "created_at", "deleted_at")
    search_fields = ("name", "provider__bn9", "provider__legal_name")
    list_select_related = ("provider",)


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "importer", "provider", "user", "program_account", "action", "what")
    list_filter = ("action",)
    search_fields = ("importer__bn9", "provider__bn9", "user__email")
    list_select_related = ("importer", "provider", "user", "program_account")
    date_hierarchy = "at"


@admin.register(SuretyInvitation)
class SuretyInvitationAdmin(ReadOnlyAdmin):
    """Who invited which surety to post security for which account (docs/rules.md §7)."""

    list_display = (
        "program_account",
        "surety",
        "invited_by",
        "created_at",
        "used_at",
        "withdrawn_at",
    )
    search_fields = ("program_account__bn15", "surety__bn9", "surety__legal_name")
    list_select_related = ("program_account", "surety", "invited_by")
    date_hierarchy = "created_at"
