from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from payments.errors import PadError
from payments.services import pad_returns_import


class Command(BaseCommand):
    help = (
        "Import a bank's CPA Standard 005 returns file: the debits it names are marked "
        "returned with the bank's reason, reversed, and their importers told. A file "
        "naming an unknown debit or another amount is refused whole; the same file "
        "imported twice returns its debits once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="The returns file, as the bank sent it.")

    def handle(self, *args, file: Path, **options) -> None:
        translation.activate("en")
        try:
            text = file.read_bytes().decode("ascii")  # as sent: records end with CR LF
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        try:
            record, created = pad_returns_import(text=text, name=file.name)
        except PadError as error:
            raise CommandError(error.message) from None
        if not created:
            self.stdout.write(
                f"{file.name} was already imported on {record.imported_at:%Y-%m-%d}: "
                "nothing changed."
            )
            return
        self.stdout.write(f"{file.name}: {record.returned_count} debits returned.")
