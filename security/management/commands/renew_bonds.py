from carm.jobs import JobCommand
from security.tasks import renew_bonds


class Command(JobCommand):
    help = "Record the yearly renewal of the bonds whose anniversary it is (idempotent)."
    task = renew_bonds
    argument = "--date"
    argument_help = "The day (default: today, Eastern)."
