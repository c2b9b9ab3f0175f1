"""The windows of an appeal and the split of a credit (pure: no Django models).

Customs Act s. 60(1): a request for re-determination is made within 90 days after the
notice of the decision. s. 60.1(1) and s. 60.2(1): after that, an application for an
extension of time, with the reasons for the delay, within one year after the 90 days ran
out. Decision (docs/rules.md §11): days are calendar days from the decision's date, the
last one counting in full (Eastern time).
"""

import datetime
from decimal import Decimal

APPEAL_DAYS = 90


def appeal_deadline(decision_date: datetime.date) -> datetime.date:
    """The last day of the 90 days for a request for re-determination."""
    return decision_date + datetime.timedelta(days=APPEAL_DAYS)


def extension_deadline(decision_date: datetime.date) -> datetime.date:
    """The last day of the year after the 90 days, for an application for an extension
    (February 29 becomes February 28 in a year without one)."""
    end = appeal_deadline(decision_date)
    try:
        return end.replace(year=end.year + 1)
    except ValueError:  # February 29
        return end.replace(year=end.year + 1, day=28)


def appeal_kind_on(decision_date: datetime.date, filed_on: datetime.date) -> str | None:
    """ "appeal" within the 90 days, "appeal_extension" within the year after, None later
    (and None before the decision)."""
    if filed_on < decision_date:
        return None
    if filed_on <= appeal_deadline(decision_date):
        return "appeal"
    if filed_on <= extension_deadline(decision_date):
        return "appeal_extension"
    return None


def split_credit(credit: Decimal, split: dict[str, Decimal]) -> dict[str, Decimal]:
    """A credit on a declaration broken down like its revenue split, in cents, adding up to
    the credit exactly: each column its share rounded down to the cent, the cents left over
    to the largest columns first."""
    total = sum(split.values(), Decimal("0"))
    if credit <= 0 or total <= 0 or credit > total:
        raise ValueError("A credit is more than zero and at most the split's total.")
    cent = Decimal("0.01")
    shares = {
        column: (credit * amount / total).quantize(cent, rounding="ROUND_DOWN")
        for column, amount in split.items()
    }
    left = credit - sum(shares.values(), Decimal("0"))
    for column in sorted(split, key=lambda name: split[name], reverse=True):
        if left <= 0:
            break
        if shares[column] + cent <= split[column]:
            shares[column] += cent
            left -= cent
    assert left == 0, "each column lost less than a cent, and the credit fits the split"
    return shares
