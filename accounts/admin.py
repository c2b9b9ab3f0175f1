from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import AccessEvent, AccessRequest, Business, Membership, ProgramAccount, User
from carm.admin import PortalFormats, PortalFormatsInline, ReadOnlyAdmin

admin.site.site_header = _("CARM Portal — CBSA officers")
admin.site.site_title = _("CARM officers")
admin.site.index_title = _("Officer workspace")
# Officers sign in like everyone else: password, then their second factor.
admin.site.login = secure_admin_login(admin.site.login)


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(PortalFormats, DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = (
        "email",
        "first_name",
        "last_name",
        "preferred_language",
        "is_staff",
        "is_active",
    )
    list_filter = ("is_staff", "is_active", "preferred_language", "groups")
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Contact"), {"fields": ("first_name", "last_name", "phone")}),
        (_("Preferences"), {"fields": ("preferred_language", "email_notifications")}),
        (
            _("Officer access"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )


class ProgramAccountInline(PortalFormatsInline, admin.TabularInline):
    model = ProgramAccount
    extra = 0
    fields = ("bn15", "name", "status", "rpp_status")
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        # A program account number never changes once CBSA has issued it.
        return ("bn15",) if obj else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Business)
class BusinessAdmin(PortalFormats, admin.ModelAdmin):
    list_display = ("legal_name", "bn9", "is_importer", "is_service_provider", "is_surety", "city")
    list_filter = ("is_importer", "is_service_provider", "is_surety", "province")
    search_fields = ("bn9", "legal_name", "program_accounts__bn15")
    inlines = [ProgramAccountInline]
    fieldsets = (
        (None, {"fields": ("bn9", "legal_name")}),
        (_("Address"), {"fields": ("street", "city", "province", "postal_code")}),
        (_("Kinds"), {"fields": ("is_importer", "is_service_provider", "is_surety")}),
    )

    def get_readonly_fields(self, request, obj=None):
        return ("bn9",) if obj else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProgramAccount)
class ProgramAccountAdmin(PortalFormats, admin.ModelAdmin):
    list_display = ("bn15", "business", "name", "status", "rpp_status")
    list_filter = ("status", "rpp_status")
    search_fields = ("bn15", "name", "business__legal_name", "business__bn9")
    list_select_related = ("business",)
    autocomplete_fields = ("business",)

    def get_readonly_fields(self, request, obj=None):
        return ("bn15", "business") if obj else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """Officers look; businesses manage their own employees in the portal."""

    list_display = ("user", "business", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "business__bn9", "business__legal_name")
    list_select_related = ("user", "business")


@admin.register(AccessRequest)
class AccessRequestAdmin(MembershipAdmin):
    list_display = ("user", "business", "status", "created_at", "decided_by", "decided_at")
    list_filter = ("status",)


@admin.register(AccessEvent)
class AccessEventAdmin(MembershipAdmin):
    list_display = ("at", "business", "actor", "action", "subject")
    list_filter = ("action",)
    search_fields = ("business__bn9", "actor__email", "subject__email")
    list_select_related = ("business", "actor", "subject")
    date_hierarchy = "at"
