"""The demo personas and businesses the README lists (password carm-demo-2026)."""

from allauth.account.models import EmailAddress

from accounts.models import Business, Membership, ProgramAccount, Role, User
from accounts.services.officers import officers_group_sync
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


DEMO_BUSINESSES = [
    # bn9, legal name, kinds, {reference: (operating name, RPP status)}, address
    (
        "123456782",
        "Maple Leaf Imports Inc.",
        {"is_importer": True},
        {
            "RM0001": ("Maple Leaf Imports — Retail", ProgramAccount.RppStatus.ACTIVE),
            "RM0002": ("Maple Leaf Imports — Wholesale", ProgramAccount.RppStatus.NOT_ENROLLED),
        },
        ("200 Bay Street", "Toronto", "ON", "M5J 2J2"),
    ),
    (
        "876543216",
        "Prairie Goods Ltd.",
        {"is_importer": True},
        {"RM0001": ("Prairie Goods", ProgramAccount.RppStatus.ACTIVE)},
        ("10 Main Street", "Regina", "SK", "S4P 3Y2"),
    ),
    (
        "555123454",
        "Northern Customs Brokers Ltd.",
        {"is_service_provider": True, "is_importer": True},
        {"RM0001": ("Northern Customs Brokers", ProgramAccount.RppStatus.NOT_ENROLLED)},
        ("1 Wellington Street", "Ottawa", "ON", "K1A 0A6"),
    ),
    (
        "777888991",
        "True North Surety Co.",
        {"is_surety": True},
        {},
        ("500 Rue Sherbrooke Ouest", "Montréal", "QC", "H3A 3C6"),
    ),
]

DEMO_MEMBERSHIPS = [
    # email, bn9, role, program account references (below BAM)
    ("maple.bam@example.com", "123456782", Role.BAM, []),
    ("maple.reader@example.com", "123456782", Role.READER, ["RM0001"]),
    ("prairie.bam@example.com", "876543216", Role.BAM, []),
    ("broker.bam@example.com", "555123454", Role.BAM, []),
    ("broker.agent@example.com", "555123454", Role.EDITOR, ["RM0001"]),
    ("surety@example.com", "777888991", Role.BAM, []),
]


def demo_businesses_seed(users: dict[str, User]) -> dict[str, Business]:
    """Create or refresh the demo businesses, their program accounts and employees."""
    businesses = {}
    for bn9, legal_name, kinds, accounts, (street, city, province, postal_code) in DEMO_BUSINESSES:
        business, _ = Business.objects.update_or_create(
            bn9=bn9,
            defaults={
                "legal_name": legal_name,
                "street": street,
                "city": city,
                "province": province,
                "postal_code": postal_code,
                **{"is_importer": False, "is_service_provider": False, "is_surety": False, **kinds},
            },
        )
        for reference, (name, rpp_status) in accounts.items():
            ProgramAccount.objects.update_or_create(
                bn15=f"{bn9}{reference}",
                defaults={"business": business, "name": name, "rpp_status": rpp_status},
            )
        businesses[bn9] = business
    for email, bn9, role, references in DEMO_MEMBERSHIPS:
        membership, _ = Membership.objects.update_or_create(
            user=users[email], business=businesses[bn9], defaults={"role": role}
        )
        membership.program_accounts.set(
            ProgramAccount.objects.filter(bn15__in=[f"{bn9}{ref}" for ref in references])
        )
    return businesses


def demo_relationships_seed(users: dict[str, User], businesses: dict[str, Business]) -> None:
    """Northern Customs Brokers manages Maple's business (Editor; own transactions,
    statements and payments; not others' transactions, not financial security). Its agent
    works for Maple through the "Maple team" client group. Nothing with Prairie."""
    from delegation.models import ClientGroup, Relationship

    broker, maple = businesses["555123454"], businesses["123456782"]
    relationship = (
        Relationship.objects.filter(provider=broker, importer=maple)
        .exclude(status__in=[Relationship.Status.REJECTED, Relationship.Status.REVOKED])
        .first()
    ) or Relationship(provider=broker, importer=maple)
    relationship.kind = Relationship.Kind.BUSINESS_MANAGEMENT
    relationship.status = Relationship.Status.ACTIVE
    relationship.level = Relationship.Level.EDITOR
    relationship.sees_others_transactions = False
    relationship.sees_statements = True
    relationship.sees_security = False
    relationship.ends_on = None
    relationship.requested_by = users["broker.bam@example.com"]
    relationship.decided_by = users["maple.bam@example.com"]
    relationship.comment = "Customs clearance and accounting for all divisions."
    relationship.save()
    group, _ = ClientGroup.objects.get_or_create(provider=broker, name="Maple team")
    group.clients.set([maple])
    group.employees.set([users["broker.agent@example.com"]])
