from carm.jobs import JobCommand
from security.tasks import rpp_enforce


class Command(JobCommand):
    help = "Suspend RPP where posted security is below the requirement (idempotent)."
    task = rpp_enforce
    argument = "--date"
    argument_help = "The day to enforce on (default: today, Eastern)."
