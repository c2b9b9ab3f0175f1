from carm.jobs import JobCommand
from cases.tasks import case_reminders


class Command(JobCommand):
    help = "Remind requesters 7 days before information CBSA asked for is due (idempotent)."
    task = case_reminders
    argument = "--date"
    argument_help = "The day the reminders are for (default: today, Eastern)."
