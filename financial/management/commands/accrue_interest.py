from carm.jobs import JobCommand
from financial.tasks import accrue_interest


class Command(JobCommand):
    help = "Accrue one day's interest on overdue amounts and send arrears notices (idempotent)."
    task = accrue_interest
    argument = "--date"
    argument_help = "The day to accrue (default: today, Eastern)."
