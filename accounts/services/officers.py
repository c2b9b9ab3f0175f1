"""The CBSA officers' group and what it may do in the admin."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

OFFICERS_GROUP = "Officers"
# Officers keep CBSA's records in these apps; people's logins and the ledger they may only
# look at, and act on through the decisions their models name (a refund, an adjustment).
OFFICER_APPS = (
    "accounts",
    "delegation",
    "financial",
    "security",
    "notifications",
    "enrolment",
    "cases",
    "payments",
)
OFFICER_VIEW_ONLY_MODELS = {
    ("accounts", "user"),
    ("accounts", "membership"),
    ("accounts", "accessrequest"),
    ("accounts", "accessevent"),
    ("accounts", "apikey"),
    ("delegation", "relationship"),
    ("delegation", "clientgroup"),
    ("delegation", "accesslogentry"),
    ("financial", "posting"),
    ("financial", "payment"),
    ("financial", "accountbalance"),
    ("financial", "refundrequest"),
    ("notifications", "notification"),
    ("enrolment", "businessnumberapplication"),
    ("enrolment", "programaccountapplication"),
    ("enrolment", "rppapplication"),
    ("cases", "case"),
    ("cases", "casedeclaration"),
    ("cases", "caseevent"),
    ("cases", "casemessage"),
    ("cases", "casedocument"),
    ("cases", "ruling"),
    ("payments", "padagreement"),
    ("payments", "padrun"),
    ("payments", "paddebit"),
    ("payments", "padreturnfile"),
}


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
            or not permission.codename.startswith(("add_", "change_", "delete_"))
        ]
    )
    return group
