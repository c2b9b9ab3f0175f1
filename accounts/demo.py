"""The demo personas of the portal's contract. Later modules add their businesses."""

from allauth.account.models import EmailAddress

from accounts.models import User
from accounts.services import officers_group_sync
from notifications.kinds import Kind
from notifications.services import notification_send

DEMO_PASSWORD = "carm-demo-2026"  # noqa: S105 (published in the README on purpose)

DEMO_USERS = [
    # email, first name, last name, language, officer
    ("maple.bam@example.com", "Marie", "Tremblay", "fr", False),
    ("maple.reader@example.com", "Rajesh", "Patel", "en", False),
    ("prairie.bam@example.com", "Paul", "Anderson", "en", False),
    ("broker.bam@example.com", "Brigitte", "Gagnon", "fr", False),
    ("broker.agent@example.com", "Alex", "Chen", "en", False),
    ("surety@example.com", "Sam", "Roy", "en", False),
    ("officer@example.com", "Olivia", "Martin", "en", True),
]


def demo_users_seed() -> dict[str, User]:
    """Create or reset the demo users: known password, verified email, officer's group."""
    officers = officers_group_sync()
    users = {}
    for email, first_name, last_name, language, officer in DEMO_USERS:
        user, _ = User.objects.update_or_create(
            email=email,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "preferred_language": language,
                "is_staff": officer,
                "is_active": True,
            },
        )
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if officer:
            user.groups.add(officers)
        notification_send(recipient=user, kind=Kind.WELCOME, dedupe_key="welcome")
        users[email] = user
    return users
