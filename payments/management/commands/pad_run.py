from carm.jobs import JobCommand
from payments.tasks import pad_run


class Command(JobCommand):
    help = (
        "Debit the statements due on a day from their accounts' pre-authorized debit "
        "agreements and write the day's CPA Standard 005 file (idempotent)."
    )
    task = pad_run
    argument = "--date"
    argument_help = "The due date to debit (default: today, Eastern)."
