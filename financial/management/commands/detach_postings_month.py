import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from financial.partitions import PartitionRefused, detach_refusals, month_detach


def _month(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a month written YYYY-MM.") from error


class Command(BaseCommand):
    help = (
        "Detach one month of postings from the ledger after the retention period "
        "(financial/partitions.py). Refuses while the month holds anything unsettled, "
        "while an older month is still in the ledger, or before the period has passed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("month", type=_month, help="the month, YYYY-MM")
        parser.add_argument(
            "--check", action="store_true", help="say whether it may be detached, change nothing"
        )

    def handle(self, *args, month: datetime.date, check: bool, **options) -> None:
        try:
            if not check:
                detached = month_detach(month)
            elif reasons := detach_refusals(month, timezone.localdate()):
                raise PartitionRefused(reasons)
        except PartitionRefused as refused:
            for reason in refused.reasons:
                self.stderr.write(reason)
            outcome = "may not be" if check else "was not"
            raise CommandError(f"{month:%Y-%m} {outcome} detached.") from refused
        if check:
            self.stdout.write(f"{month:%Y-%m} may be detached.")
            return
        self.stdout.write(
            f"{detached.month:%Y-%m} detached: {detached.postings} postings of"
            f" {detached.accounts} accounts, their totals kept in the ledger. The rows are in"
            f" table {detached.table}: archive it (pg_dump --table {detached.table}), then drop it."
        )
