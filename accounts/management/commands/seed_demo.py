from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, demo_users_seed


class Command(BaseCommand):
    help = "Create or refresh the demo personas (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        users = demo_users_seed()
        self.stdout.write(f"seed_demo: {len(users)} demo users ready (password {DEMO_PASSWORD}).")
