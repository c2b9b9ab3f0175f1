from django.utils import timezone

from carm.jobs import JobCommand
from security.review import annual_review
from security.rules import review_year_due
from security.tasks import rpp_annual_review


class Command(JobCommand):
    help = "Review every RPP account's required security for a year (idempotent)."
    task = rpp_annual_review
    argument = "--year"
    argument_type = int
    argument_help = "The review year (default: the one whose October 20 came last)."

    def run_here(self, value) -> str:
        year = value or review_year_due(timezone.localdate())
        return str(annual_review(year=year))
