from django.core.management.base import BaseCommand
from django.db import transaction

from demo.banking import demo_banking_seed
from demo.bonds import demo_security_seed
from demo.cases import demo_cases_seed
from demo.history import demo_history_seed
from demo.personas import (
    DEMO_PASSWORD,
    demo_businesses_seed,
    demo_relationships_seed,
    demo_users_seed,
)


class Command(BaseCommand):
    help = (
        "Create or refresh the demo personas, businesses, relationships and 13 months of "
        "history (idempotent)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--months",
            type=int,
            default=13,
            help="How many months of ledger history to write the first time (default 13).",
        )

    @transaction.atomic
    def handle(self, *args, months: int = 13, **options) -> None:
        users = demo_users_seed()
        businesses = demo_businesses_seed(users)
        demo_relationships_seed(users, businesses)
        demo_security_seed(users, months=months)
        filed = demo_history_seed(users, months=months)
        demo_cases_seed(users)
        demo_banking_seed(users)
        self.stdout.write(
            f"seed_demo: {len(users)} demo users and {len(businesses)} businesses ready "
            f"(password {DEMO_PASSWORD}); {filed} declarations of history filed now."
        )
