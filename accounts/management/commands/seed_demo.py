from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, demo_businesses_seed, demo_users_seed


class Command(BaseCommand):
    help = "Create or refresh the demo personas and businesses (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        users = demo_users_seed()
        businesses = demo_businesses_seed(users)
        self.stdout.write(
            f"seed_demo: {len(users)} demo users and {len(businesses)} businesses ready "
            f"(password {DEMO_PASSWORD})."
        )
