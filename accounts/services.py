"""Changes to people's own records."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.models import User

PROFILE_FIELDS = ("first_name", "last_name", "phone", "preferred_language", "email_notifications")


@transaction.atomic
def user_profile_update(*, user: User, **changes) -> User:
    """Update the contact details and preferences a user may edit themselves."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable from the profile: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=[*changes])
    return user


OFFICERS_GROUP = "Officers"
# Officers keep CBSA's records in these apps; people's logins they may only look at.
OFFICER_APPS = ("accounts", "delegation", "financial", "security", "notifications")
OFFICER_VIEW_ONLY_MODELS = {("accounts", "user"), ("notifications", "notification")}


@transaction.atomic
def officers_group_sync() -> Group:
    """Create the "Officers" group and give it the portal's admin permissions."""
    group, _ = Group.objects.get_or_create(name=OFFICERS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label__in=OFFICER_APPS
    ).select_related("content_type")
    group.permissions.set(
        [
            permission
            for permission in permissions
            if (permission.content_type.app_label, permission.content_type.model)
            not in OFFICER_VIEW_ONLY_MODELS
            or permission.codename.startswith("view_")
        ]
    )
    return group
