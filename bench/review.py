"""RPP annual review benchmark: the SQL floor, the review in this process, and the review
through Celery with one and with two worker processes, on a database loaded by
`generate_load`.

    DJANGO_SETTINGS_MODULE=carm.settings .venv/bin/python bench/review.py [--runs 3] [--bams]

(a) floor: `security.selectors.HIGHEST_MONTHS` over every RPP account, on a psycopg2
    connection of its own (rows fetched), in one statement and over the review's chunks
    back to back; the faster of the two is the least any review can take.
(b) in process: `annual_review(year=...)`, chunk after chunk.
(c) Celery: `rpp_annual_review.delay(year)` to the run's `ReviewRun.finished_at`, with a
    `celery worker --pool prefork --concurrency N` started (and ready) beforehand.
(d) with --bams: (b) with one BAM per RPP importer, so that each increase is notified as
    it would be in the portal (the load has no employees); rolled back after each run.

Before each run of (b), (c) and (d) the year's reviews, runs and "RPP – Annual Review"
notifications are deleted, so that every run reviews every account, and the floor (both
ways, the faster) is timed once more, so that each run is also given as a multiple of the
floor of the same minute. See bench/README.md.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carm.settings")
os.environ.setdefault("CARM_DEMO", "true")  # generate_load's data and helpers

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, ProgramAccount, Role, User  # noqa: E402
from carm.celery import app  # noqa: E402
from carm.jobs import chunks_of  # noqa: E402
from financial.models import Posting  # noqa: E402
from notifications.kinds import Kind  # noqa: E402
from notifications.models import Notification  # noqa: E402
from security import review  # noqa: E402
from security.models import ReviewRun, RppReview  # noqa: E402
from security.selectors import HIGHEST_MONTHS, highest_months_parameters, rpp_accounts  # noqa: E402
from security.tasks import rpp_annual_review  # noqa: E402

READY_WITHIN = 60  # seconds for a worker to answer a ping
RUN_WITHIN = 600  # seconds for a run to finish: a bound on waiting, not a target


# --- Measuring -----------------------------------------------------------------------------


def host_busy() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far; (0, 0) where /proc is missing."""
    try:
        ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = ticks[3] + ticks[4]  # idle + iowait
    return sum(ticks) - idle, sum(ticks)


def measured(
    name: str, runs: int, once: Callable[[], float], floor: Callable[[], float] | None = None
) -> dict:
    """Run `once` (which returns its own seconds) once untimed, then `runs` times; print
    and return them. The untimed run is a process's first: imports, a worker's database
    connection, cold plans (printed, not counted). With `floor`, the floor is timed again
    just before each run, and each run is also given as a multiple of it: the machine's
    speed drifts by tens of per cent from one minute to the next, and this keeps the drift
    out of the ratio."""
    print(f"  {name} warm-up: {once():.2f} s (not counted)", flush=True)
    seconds, ratios = [], []
    busy_before, total_before = host_busy()
    for number in range(1, runs + 1):
        before = floor() if floor else None
        seconds.append(once())
        line = f"  {name} run {number}: {seconds[-1]:.2f} s"
        if before:
            ratios.append(seconds[-1] / before)
            line += f" (floor just before {before:.2f} s: {ratios[-1]:.2f}x)"
        print(line, flush=True)
    busy_after, total_after = host_busy()
    busy = (busy_after - busy_before) / max(total_after - total_before, 1)
    row = {
        "name": name,
        "runs": seconds,
        "median": statistics.median(seconds),
        "ratio": statistics.median(ratios) if ratios else None,
        "busy": busy,
    }
    ratio = f"  {row['ratio']:.2f}x the floor (median)" if ratios else ""
    print(
        f"{name:<34} median {row['median']:6.2f} s  min {min(seconds):6.2f}  "
        f"max {max(seconds):6.2f}  (n={runs}, host {busy:4.0%} busy){ratio}",
        flush=True,
    )
    return row


# --- The data ------------------------------------------------------------------------------


def bench_database_only() -> None:
    name = settings.DATABASES["default"]["NAME"]
    if name == "carm" or name.startswith("test_"):
        sys.exit(f"bench/review.py deletes the year's reviews: not on database {name!r}.")


def rpp_ids() -> list[int]:
    ids = list(rpp_accounts().order_by("pk").values_list("pk", flat=True))
    if not ids:
        sys.exit("No RPP account: run `manage.py generate_load --accounts N --months M` first.")
    return ids


def clear(year: int) -> None:
    """Forget the year's review, so that the next run does it all again."""
    RppReview.objects.filter(year=year).delete()
    ReviewRun.objects.filter(year=year).delete()
    Notification.objects.filter(
        kind=Kind.RPP_ANNUAL_REVIEW, dedupe_key__startswith="rpp-review:"
    ).filter(dedupe_key__endswith=f":{year}").delete()


def check_complete(run: ReviewRun, accounts: int) -> None:
    """A timed run counts only if it reviewed every RPP account itself."""
    created = RppReview.objects.filter(run=run).count()
    if (run.accounts, created, run.chunks_done) != (accounts, accounts, run.chunks):
        sys.exit(
            f"Run {run.pk} incomplete: {run.accounts} reviewed, {created} by this run, "
            f"{run.chunks_done}/{run.chunks} chunks."
        )


# --- (a) the floor -------------------------------------------------------------------------


class Floor:
    """The bare SQL of every account's highest month, on a psycopg2 connection of its own,
    rows fetched: `HIGHEST_MONTHS` over all RPP accounts in one statement, and over the
    review's chunks back to back. The floor is the faster of the two: the one statement
    scans the table and spills its aggregate to disk at the default work_mem, the chunks
    scan an index; which wins depends on the minute."""

    def __init__(self, ids: list[int], year: int) -> None:
        # The portal's own connection settings (its PostgreSQL options too).
        self.connection = psycopg2.connect(**connection.get_connection_params())
        self.connection.autocommit = True
        self.ids = ids
        self.statements = [highest_months_parameters(ids, year)]
        self.chunks = [
            highest_months_parameters(chunk, year) for chunk in chunks_of(ids, review.CHUNK)
        ]

    def _timed(self, statements: list[dict]) -> float:
        rows = 0
        with self.connection.cursor() as cursor:
            start = time.perf_counter()
            for parameters in statements:
                cursor.execute(HIGHEST_MONTHS, parameters)
                rows += len(cursor.fetchall())
            seconds = time.perf_counter() - start
        assert rows <= len(self.ids)
        return seconds

    def one_statement(self) -> float:
        return self._timed(self.statements)

    def chunked(self) -> float:
        return self._timed(self.chunks)

    def once(self) -> float:
        return min(self.one_statement(), self.chunked())

    def explain(self) -> None:
        with self.connection.cursor() as cursor:
            explain = "EXPLAIN (ANALYZE, BUFFERS) " + HIGHEST_MONTHS
            cursor.execute(explain, self.statements[0])
            for (line,) in cursor.fetchall():  # the account list makes one line very long
                print(f"    {line[:200]}{'…' if len(line) > 200 else ''}", flush=True)


def floor_steps(floor: Floor, runs: int, explain: bool) -> list[dict]:
    floor.once()  # untimed: the same cache state as the runs that follow
    rows = [
        measured("(a) floor: one statement", runs, floor.one_statement),
        measured("(a) floor: the chunks", runs, floor.chunked),
    ]
    if explain:
        floor.explain()
    return rows


# --- (b) in process ------------------------------------------------------------------------


def in_process_step(ids: list[int], year: int, runs: int, floor: Floor) -> dict:
    def once() -> float:
        clear(year)
        start = time.perf_counter()
        summary = review.annual_review(year=year)
        seconds = time.perf_counter() - start
        check_complete(ReviewRun.objects.get(year=year), len(ids))
        assert summary.accounts == len(ids)
        return seconds

    return measured("(b) in process", runs, once, floor.once)


def with_bams_step(ids: list[int], year: int, runs: int, floor: Floor) -> dict:
    """(b) again, each RPP importer with one BAM, so that every increase is notified.
    The load has no employees; the users and memberships are created in a transaction
    that is rolled back after each run, with everything the run wrote (emails, queued on
    commit, never leave)."""
    businesses = dict(ProgramAccount.objects.filter(pk__in=ids).values_list("business_id", "bn15"))

    def once() -> float:
        clear(year)
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(email=f"bench.review.{bn15}@example.com", password="!")  # noqa: S106
                for bn15 in businesses.values()
            )
            Membership.objects.bulk_create(
                Membership(user=user, business_id=business, role=Role.BAM)
                for user, business in zip(users, businesses, strict=True)
            )
            start = time.perf_counter()
            review.annual_review(year=year)
            seconds = time.perf_counter() - start
            sent = Notification.objects.filter(kind=Kind.RPP_ANNUAL_REVIEW).count()
            print(f"    {sent:,} notifications", flush=True)
            transaction.set_rollback(True)
        return seconds

    return measured("(d) in process, a BAM each", runs, once, floor.once)


# --- (c) through Celery --------------------------------------------------------------------


def start_worker(concurrency: int, log: Path) -> tuple[subprocess.Popen, str]:
    name = f"bench-review-{concurrency}-{os.getpid()}"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "carm",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "WARNING",
                "-n",
                f"{name}@%h",
            ],
            cwd=ROOT,
            env=os.environ,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + READY_WITHIN
    while not any(name in reply for answer in app.control.ping(timeout=0.5) for reply in answer):
        if process.poll() is not None or time.monotonic() > deadline:
            print(log.read_text(errors="replace")[-3000:])
            sys.exit(f"The worker ({concurrency}) did not start.")
    return process, name


def celery_step(ids: list[int], year: int, runs: int, floor: Floor, concurrency: int) -> dict:
    app.control.purge()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "worker.log"
        process, _name = start_worker(concurrency, log)
        try:

            def once() -> float:
                clear(year)
                start = time.time()
                rpp_annual_review.delay(year)
                deadline = time.monotonic() + RUN_WITHIN
                while True:
                    run = ReviewRun.objects.filter(year=year, finished_at__isnull=False).first()
                    if run is not None:
                        break
                    if process.poll() is not None or time.monotonic() > deadline:
                        print(log.read_text(errors="replace")[-3000:])
                        sys.exit(f"The run through {concurrency} worker(s) did not finish.")
                    time.sleep(0.25)  # the time is finished_at, whenever it is seen
                check_complete(run, len(ids))
                return run.finished_at.timestamp() - start

            label = f"(c) Celery, {concurrency} worker process" + ("es" if concurrency > 1 else "")
            return measured(label, runs, once, floor.once)
        finally:
            process.terminate()
            process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each step")
    parser.add_argument("--year", type=int, default=2026, help="the review year")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the floor")
    parser.add_argument(
        "--bams", action="store_true", help="also (d): a BAM per importer, rolled back"
    )
    parser.add_argument(
        "--workers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2],
        help="the worker processes of each (c) step, comma-separated (default 1,2)",
    )
    args = parser.parse_args()

    bench_database_only()
    ids = rpp_ids()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    in_window = Posting.objects.filter(
        program_account_id__in=ids,
        posted_at__gte=highest_months_parameters([], args.year)["start"],
        posted_at__lt=highest_months_parameters([], args.year)["end"],
    ).count()
    print(
        f"bench/review.py {timezone.now():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, PostgreSQL {server}, "
        f"database {settings.DATABASES['default']['NAME']}: {Posting.objects.count():,} "
        f"postings, {len(ids):,} RPP accounts with {in_window:,} postings in the {args.year} "
        f"window, chunks of {review.CHUNK:,}",
        flush=True,
    )
    print(f"load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
    floor = Floor(ids, args.year)
    rows = [
        *floor_steps(floor, args.runs, args.explain),
        in_process_step(ids, args.year, args.runs, floor),
        *(celery_step(ids, args.year, args.runs, floor, n) for n in args.workers),
    ]
    increased = RppReview.objects.filter(year=args.year, increased=True).count()
    sent = Notification.objects.filter(
        kind=Kind.RPP_ANNUAL_REVIEW, dedupe_key__endswith=f":{args.year}"
    ).count()
    print(f"each run: {increased:,} requirements increased, {sent} notifications sent", flush=True)
    if args.bams:
        rows.append(with_bams_step(ids, args.year, args.runs, floor))
    print(f"load average after: {' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
    print("summary (median seconds, median multiple of the floor timed just before each run):")
    for row in rows:
        ratio = f"{row['ratio']:5.2f}x" if row["ratio"] else "     -"
        print(f"  {row['name']:<34} {row['median']:6.2f} s  {ratio}", flush=True)


if __name__ == "__main__":
    main()
