"""Which monthly partitions of the postings each heavy read touches, on a database loaded
by `generate_load`: the history's first and a deep page, a statement period, the annual
review's window. Prints, for each, the partitions PostgreSQL scanned (from EXPLAIN ANALYZE)
and those it pruned. See bench/README.md, "Postings partitioned by month".

    DJANGO_SETTINGS_MODULE=carm.settings .venv/bin/python bench/plans.py [--text]
"""

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carm.settings")
os.environ.setdefault("CARM_DEMO", "true")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402

from accounts.models import ProgramAccount  # noqa: E402
from demo.management.commands.generate_load import HEAVY_BN15  # noqa: E402
from financial.calendar import billing_period, start_of  # noqa: E402
from financial.models import Posting  # noqa: E402
from financial.partitions import attached  # noqa: E402
from financial.statements import KINDS, PERIOD_TOTALS, last_period_end  # noqa: E402
from security.selectors import HIGHEST_MONTHS, highest_months_parameters  # noqa: E402

CHUNK = 2000  # the review's and the statements' chunk of accounts


def relations(node) -> list[str]:
    found = [node["Relation Name"]] if "Relation Name" in node else []
    for child in node.get("Plans", []):
        found += relations(child)
    return found


def report(title: str, sql: str, params, *, text: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        value = cursor.fetchone()[0]
        plan = (json.loads(value) if isinstance(value, str) else value)[0]
        if text:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params)
            body = "\n".join(row[0] for row in cursor.fetchall())
    read = sorted(set(relations(plan["Plan"])))
    months = [name.removeprefix("financial_posting_") for name in read]
    kept = len(attached()) + 1  # with the default partition
    print(f"{title}: {plan['Execution Time']:.1f} ms, {len(read)} of {kept} partitions read")
    print("    " + " ".join(months))
    if text:
        print(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", action="store_true", help="print the whole plans too")
    options = parser.parse_args()
    heavy = ProgramAccount.objects.get(bn15=HEAVY_BN15)
    newest = Posting.objects.filter(program_account=heavy).order_by("-posted_at", "-id")
    sql, params = newest[:25].query.sql_with_params()
    report("history page 1, heavy account", sql, params, text=options.text)
    posted_at, key = newest.values_list("posted_at", "id")[25_000]
    deep = newest.filter(Q(posted_at__lt=posted_at) | Q(posted_at=posted_at, id__lt=key))
    sql, params = deep[:25].query.sql_with_params()
    report(f"history page 1,001 (before {posted_at:%Y-%m-%d})", sql, params, text=options.text)
    chunk = list(ProgramAccount.objects.order_by("pk").values_list("pk", flat=True)[:CHUNK])
    start, end = billing_period(last_period_end(datetime.date.today()))
    report(
        f"statements {start}..{end}, {len(chunk)} accounts",
        PERIOD_TOTALS,
        {
            "accounts": chunk,
            "lower": start_of(start),
            "start": start_of(start),
            "end": start_of(end + datetime.timedelta(days=1)),
            **KINDS,
        },
        text=options.text,
    )
    year = datetime.date.today().year
    report(
        f"annual review {year}, {len(chunk)} accounts",
        HIGHEST_MONTHS,
        highest_months_parameters(chunk, year),
        text=options.text,
    )


if __name__ == "__main__":
    main()
