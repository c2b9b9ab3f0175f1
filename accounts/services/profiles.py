"""A person's own contact details and preferences."""

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
