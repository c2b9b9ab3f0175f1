"""Ledger benchmark: transaction history at any depth, balance reads, a month's CSV, and
the statement run, timed server-side on a database loaded by `generate_load`.

    DJANGO_SETTINGS_MODULE=carm.settings .venv/bin/python bench/ledger.py [--runs 50]

Requests go through Django's test Client (middleware, session, view, template or
serializer: everything but the network), signed in with `force_login` as the BAM of the
heavy account's business. See bench/README.md for the set-up and the figures.
"""

import argparse
import datetime
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carm.settings")
os.environ.setdefault("CARM_DEMO", "true")  # generate_load's data and helpers
# The test Client calls itself "testserver"; the bench user has no second factor; and the
# API's per-user rate limit would otherwise stop the runs.
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("CARM_REQUIRE_MFA", "false")
os.environ.setdefault("API_RATE", "1000000/minute")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import get_commands  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.pagination import Cursor  # noqa: E402
from rest_framework.settings import api_settings  # noqa: E402

from accounts.models import Membership, ProgramAccount, Role, User  # noqa: E402
from demo.management.commands.generate_load import HEAVY_BN15, LIGHT_BN15  # noqa: E402
from financial import selectors  # noqa: E402
from financial.api import TransactionListApi  # noqa: E402
from financial.models import Posting  # noqa: E402
from financial.statements import last_period_end  # noqa: E402

PAGE_SIZE = 50
DEPTH_PAGES = 1_000
BENCH_EMAIL = "bench.bam@example.com"


# --- Measuring -----------------------------------------------------------------------------


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest rank: the smallest sample that at least `fraction` of them do not exceed."""
    ordered = sorted(samples)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def host_busy() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far; (0, 0) where /proc is missing."""
    try:
        ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = ticks[3] + ticks[4]  # idle + iowait
    return sum(ticks) - idle, sum(ticks)


def timed(action: Callable[[], object], *, runs: int, warmup: int) -> tuple[list, list, float]:
    """Wall-clock and this process's CPU milliseconds of each run, and how busy the whole
    machine was meanwhile: this process and PostgreSQL take about one core of the
    machine's cores, so much more means someone else was running too."""
    for _ in range(warmup):
        action()
    wall, cpu = [], []
    busy_before, total_before = host_busy()
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    busy_after, total_after = host_busy()
    busy = (busy_after - busy_before) / max(total_after - total_before, 1)
    return wall, cpu, busy


def queries_of(action: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def explain(action: Callable[[], object]) -> None:
    """EXPLAIN ANALYZE of the ledger queries a request runs, as it ran them."""
    with CaptureQueriesContext(connection) as captured:
        action()
    for query in captured:
        # A server-side cursor (the CSV export) runs its query inside DECLARE ... FOR.
        sql = query["sql"].split(" CURSOR WITH HOLD FOR ", 1)[-1]
        if '"financial_posting"' in sql and sql.startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n    ".join(line for (line,) in cursor.fetchall())
            print(f"    {sql[:160]}...\n    {plan}", flush=True)


def report(name: str, samples: tuple[list, list, float], queries: int | None = None) -> dict:
    wall, cpu, busy = samples
    row = {
        "name": name,
        "p50": percentile(wall, 0.50),
        "p95": percentile(wall, 0.95),
        "max": max(wall),
        "cpu_p50": percentile(cpu, 0.50),
        "runs": len(wall),
        "queries": queries,
        "host_busy": busy,
    }
    extra = f"  {queries} queries" if queries is not None else ""
    print(
        f"{name:<44} p50 {row['p50']:7.2f}  p95 {row['p95']:7.2f}  max {row['max']:7.2f}  "
        f"cpu p50 {row['cpu_p50']:7.2f} ms  (n={row['runs']}, host {busy:4.0%} busy){extra}",
        flush=True,
    )
    return row


# --- The data ------------------------------------------------------------------------------


def bench_database_only() -> None:
    name = settings.DATABASES["default"]["NAME"]
    if name == "carm" or name.startswith("test_"):
        sys.exit(f"bench/ledger.py writes a user and statements: not on database {name!r}.")


def load_accounts() -> tuple[ProgramAccount, ProgramAccount]:
    accounts = ProgramAccount.objects.select_related("business").in_bulk(
        [HEAVY_BN15, LIGHT_BN15], field_name="bn15"
    )
    if len(accounts) != 2:
        sys.exit("No load data: run `manage.py generate_load --accounts N --months M` first.")
    return accounts[HEAVY_BN15], accounts[LIGHT_BN15]


def bench_user(*accounts: ProgramAccount) -> User:
    """The BAM of the accounts' businesses, created on the first run."""
    user, created = User.objects.get_or_create(email=BENCH_EMAIL)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    for account in accounts:
        Membership.objects.get_or_create(
            user=user, business=account.business, defaults={"role": Role.BAM}
        )
    return user


def row_at(account: ProgramAccount, offset: int) -> Posting:
    """The posting at `offset` in the history's order (newest first)."""
    return Posting.objects.filter(program_account=account).order_by("-posted_at", "-id")[offset]


def page_cursor(posting: Posting) -> str:
    """The view's `after=` cursor: the rows after this one."""
    return f"{posting.posted_at.isoformat()}|{posting.pk}"


def api_cursor(url: str, posting: Posting) -> str:
    """The API's cursor for the rows after this one, encoded by the API's own paginator."""
    paginator = api_settings.DEFAULT_PAGINATION_CLASS()  # the API's own
    paginator.ordering = TransactionListApi.ordering
    paginator.base_url = url
    return paginator.encode_cursor(
        Cursor(
            offset=0,
            reverse=False,
            position=paginator._get_position_from_instance(posting, paginator.ordering),
        )
    )


def last_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return last.replace(day=1), last


# --- The steps -----------------------------------------------------------------------------


def get_ok(client: Client, url: str, *, stream: bool = False):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    if stream:
        return b"".join(response.streaming_content)
    return response


def history_steps(client: Client, heavy: ProgramAccount, light: ProgramAccount, args) -> list:
    runs, warmup = args.runs, args.warmup
    page = f"/en/program-accounts/{heavy.bn15}/transactions/"
    api = f"/api/v1/program-accounts/{heavy.bn15}/transactions/"
    depth = PAGE_SIZE * DEPTH_PAGES
    before, first, last = row_at(heavy, depth - 1), row_at(heavy, depth), row_at(heavy, depth + 49)
    deep_page = f"{page}?{urlencode({'after': page_cursor(before)})}"
    deep_api = api_cursor(api, before)

    # What is measured is the right page: its next link / first row are the expected rows.
    body = get_ok(client, deep_page).content.decode()
    assert urlencode({"after": page_cursor(last)}) in body, "deep page is not rows 50,000-50,049"
    results = get_ok(client, deep_api).json()["results"]
    assert [results[0]["id"], results[-1]["id"]] == [first.pk, last.pk], "deep API page is off"

    light_page = f"/en/program-accounts/{light.bn15}/transactions/"
    steps = [
        ("history page 1 (heavy, 100k postings)", page),
        (f"history page {DEPTH_PAGES + 1:,} by keyset (heavy)", deep_page),
        ("history page 1 (light, 100 postings)", light_page),
        ("API page 1 (heavy)", api),
        (f"API page {DEPTH_PAGES + 1:,} by cursor (heavy)", deep_api),
    ]
    rows = []
    for name, url in steps:
        queries = queries_of(lambda url=url: get_ok(client, url))
        samples = timed(lambda url=url: get_ok(client, url), runs=runs, warmup=warmup)
        rows.append(report(name, samples, queries))
        if args.explain:
            explain(lambda url=url: get_ok(client, url))
    return rows


def balance_steps(heavy: ProgramAccount, light: ProgramAccount, args) -> list:
    rows = []
    for name, account in (
        ("balance read (heavy, 100k postings)", heavy),
        ("balance read (light, 100)", light),
    ):
        samples = timed(
            lambda account=account: selectors.account_balance(account),
            runs=args.runs * 10,
            warmup=args.warmup * 10,
        )
        rows.append(
            report(name, samples, queries_of(lambda a=account: selectors.account_balance(a)))
        )
    ratio = rows[0]["p50"] / rows[1]["p50"]
    print(f"{'balance read heavy/light, p50':<44} {ratio:.2f}x", flush=True)
    return rows


def csv_step(client: Client, heavy: ProgramAccount, args) -> list:
    first, last = last_month(timezone.localdate())
    query = urlencode({"format": "csv", "posted_after": first, "posted_before": last})
    url = f"/en/program-accounts/{heavy.bn15}/transactions/?{query}"
    expected = Posting.objects.filter(
        program_account=heavy, posted_at__date__gte=first, posted_at__date__lte=last
    ).count()
    lines = get_ok(client, url, stream=True).count(b"\n")
    assert lines == expected + 1, f"CSV has {lines - 1} rows, the month {expected}"
    runs = max(args.runs // 5, 5)
    samples = timed(lambda: get_ok(client, url, stream=True), runs=runs, warmup=2)
    row = report(f"CSV {first:%Y-%m} ({expected:,} rows, heavy)", samples)
    if args.explain:
        explain(lambda: get_ok(client, url, stream=True))
    return [row]


def statements_step(args) -> list:
    """`issue_statements` for every account, once, in its own process, as the beat would."""
    if "issue_statements" not in get_commands():
        print(f"{'issue_statements (all accounts)':<44} skipped: no such command yet", flush=True)
        return []
    period_end = args.period_end or last_period_end(timezone.localdate())
    command = [sys.executable, "manage.py", "issue_statements", "--period-end", str(period_end)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    elapsed = time.perf_counter() - start
    if done.returncode:
        print(done.stdout, done.stderr, sep="\n")
        raise SystemExit(f"issue_statements failed ({done.returncode})")
    print(
        f"{f'issue_statements --period-end {period_end}':<44} {elapsed:8.1f} s  "
        f"{done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ''}",
        flush=True,
    )
    return [{"name": "issue_statements", "seconds": elapsed, "output": done.stdout.strip()}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs of each request")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first")
    parser.add_argument("--period-end", type=datetime.date.fromisoformat, default=None)
    parser.add_argument("--no-statements", action="store_true", help="skip issue_statements")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the queries")
    args = parser.parse_args()

    bench_database_only()
    # Production renders static URLs from collectstatic's manifest; the bench collects
    # nothing, and the plain storage renders the same pages without it.
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    heavy, light = load_accounts()
    client = Client()
    client.force_login(bench_user(heavy, light))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    print(
        f"bench/ledger.py {timezone.now():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, PostgreSQL {server}, "
        f"database {settings.DATABASES['default']['NAME']}: "
        f"{Posting.objects.count():,} postings, heavy {heavy.bn15} "
        f"{heavy.postings.count():,}, light {light.bn15} {light.postings.count():,}",
        flush=True,
    )
    print(f"load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
    history_steps(client, heavy, light, args)
    balance_steps(heavy, light, args)
    csv_step(client, heavy, args)
    print(f"load average after: {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
    if not args.no_statements:
        statements_step(args)


if __name__ == "__main__":
    main()
