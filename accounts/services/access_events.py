"""What every change of who may act for a business shares: one lock, and the audit trail
of access events (who, when, before and after)."""

from accounts.models import AccessEvent, Business, Membership


def business_lock(business_id: int) -> Business:
    """All changes to who may act for a business are serialized on its row."""
    return Business.objects.select_for_update().get(pk=business_id)


def membership_snapshot(membership: Membership | None) -> dict | None:
    if membership is None:
        return None
    return {
        "role": membership.role,
        "program_accounts": sorted(account.bn15 for account in membership.program_accounts.all()),
    }


def access_event_record(*, business, actor, subject, action, before=None, after=None) -> None:
    AccessEvent.objects.create(
        business=business, actor=actor, subject=subject, action=action, before=before, after=after
    )
