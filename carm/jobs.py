"""What the scheduled jobs share: their management commands (run in this process, or
`--async` on the Celery workers as beat does; either way print the job's one-line
summary), and the chunks big jobs are split into."""

import datetime

from django.core.management.base import BaseCommand, CommandError


def iso_date(value: str) -> str:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date written YYYY-MM-DD.") from None
    return value


class JobCommand(BaseCommand):
    task = None  # the Celery task behind the command
    argument = ""  # the job's one optional argument, e.g. "--date"
    argument_help = ""
    argument_type = staticmethod(iso_date)

    def add_arguments(self, parser) -> None:
        parser.add_argument(self.argument, type=self.argument_type, help=self.argument_help)
        parser.add_argument(
            "--async",
            action="store_true",
            dest="run_async",
            help="Hand the job to the Celery workers instead of running it here.",
        )

    def handle(self, *args, run_async: bool = False, **options) -> None:
        value = options[self.argument.lstrip("-").replace("-", "_")]
        if run_async:
            result = self.task.delay(value)
            self.stdout.write(f"{self.task.name}: queued as task {result.id}.")
            return
        try:
            self.stdout.write(self.run_here(value))
        except ValueError as error:
            raise CommandError(str(error)) from None

    def run_here(self, value) -> str:
        """The job, to completion, in this process."""
        return self.task.run(value)


def chunks_of(ids: list[int], size: int) -> list[list[int]]:
    """`ids` in chunks of `size`; a remainder under a tenth of a chunk joins the last one
    rather than costing a task of its own."""
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
    if len(chunks) > 1 and len(chunks[-1]) < size / 10:
        remainder = chunks.pop()
        chunks[-1] += remainder
    return chunks
