from django.core.management.base import BaseCommand, CommandError

from financial.selectors import ledger_mismatches


class Command(BaseCommand):
    help = "Check that every account's balance equals the sum of its postings."

    def handle(self, *args, **options) -> None:
        mismatches = ledger_mismatches()
        for bn15, kept, summed in mismatches:
            self.stderr.write(f"{bn15}: balance {kept} but postings add up to {summed}")
        if mismatches:
            raise CommandError(f"check_ledger: {len(mismatches)} account(s) out of balance.")
        self.stdout.write("check_ledger: every balance equals the sum of its postings.")
