"""A person's own contact details and preferences."""

from django.db import transaction
from django.utils import timezone

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


def sessions_end_everywhere(*, user: User) -> User:
    """Sign out everywhere: every session of the user started until now ends at its next
    request (accounts.middleware.SessionLimitsMiddleware). Personal API keys are not
    sessions and stay valid until revoked."""
    user.sessions_ended_at = timezone.now()
    user.save(update_fields=["sessions_ended_at"])
    return user
