from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import (
    DEMO_PASSWORD,
    demo_businesses_seed,
    demo_ledger_seed,
    demo_relationships_seed,
    demo_users_seed,
)


class Command(BaseCommand):
    help = "Create or refresh the demo personas, businesses and relationships (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        users = demo_users_seed()
        businesses = demo_businesses_seed(users)
        demo_relationships_seed(users, businesses)
        demo_ledger_seed(users, businesses)
        self.stdout.write(
            f"seed_demo: {len(users)} demo users and {len(businesses)} businesses ready "
            f"(password {DEMO_PASSWORD})."
        )
