from carm.jobs import JobCommand
from financial.tasks import issue_statements


class Command(JobCommand):
    help = "Issue the Statements of Account of a billing period (idempotent)."
    task = issue_statements
    argument = "--period-end"
    argument_help = "The period's last day, a 17th (default: the last period closed)."
