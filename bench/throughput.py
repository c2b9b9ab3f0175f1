"""Throughput of the portal's pages from outside, next to the framework's floor.

Runs wrk against a running portal (gunicorn, DEBUG off) for each page, signed in as the
demo's maple.bam with French pages, each page measured right after `/healthz` in the same
run (the floor: a request through the whole middleware stack that reads the database and
Redis once each). Prints a Markdown table: requests per second, p50, p90 and p95 in
milliseconds, the page's share of the floor's rate, the web workers' CPU time per request
(user + system, read from /proc before and after), and the non-2xx/3xx answers and socket
errors wrk saw.

    python bench/throughput.py --base http://127.0.0.1:8100 --gunicorn-pid 1234 \
        [--connections 50] [--duration 15] [--threads 2]

docs/operations.md, "Throughput", gives the set-up, the commands and the figures.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ACCOUNT = "123456782RM0001"
PAGES = [
    ("/fr/", "home"),
    (f"/fr/program-accounts/{ACCOUNT}/", "program account"),
    (f"/fr/program-accounts/{ACCOUNT}/transactions/", "transaction history"),
    (f"/fr/program-accounts/{ACCOUNT}/financial-security/", "financial security"),
]
BROKER_PAGES = [("/fr/businesses/555123454/clients/", "broker's My clients")]

# wrk's Lua hook: the percentiles, the errors and the count, on lines this script reads.
REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("REQUESTS %d\\n", summary.requests))
  io.write(string.format("DURATION_US %d\\n", summary.duration))
  for _, p in pairs({50, 90, 95, 99}) do
    io.write(string.format("P%d_US %d\\n", p, latency:percentile(p)))
  end
  local e = summary.errors
  io.write(string.format("ERRORS %d %d %d %d %d\\n",
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def sign_in(base: str, email: str, password: str) -> str:
    browser = requests.Session()
    browser.get(f"{base}/en/accounts/login/", timeout=30)
    response = browser.post(
        f"{base}/en/accounts/login/",
        data={
            "login": email,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        sys.exit(f"sign-in as {email} failed: {response.status_code}")
    return browser.cookies["sessionid"]


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (proc(5))
    return total / ticks


def run_wrk(url: str, cookie: str, args, script: Path) -> dict:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        "-H",
        f"Cookie: sessionid={cookie}; django_language=fr",
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    numbers = dict(re.findall(r"^([A-Z0-9_]+) (.+)$", output, re.M))
    errors = [int(n) for n in numbers["ERRORS"].split()]
    requests_done = int(numbers["REQUESTS"])
    return {
        "requests": requests_done,
        "rate": requests_done / (int(numbers["DURATION_US"]) / 1e6),
        **{p: int(numbers[f"{p.upper()}_US"]) / 1000 for p in ("p50", "p90", "p95", "p99")},
        "non_2xx_3xx": errors[3],
        "socket_errors": errors[0] + errors[1] + errors[2] + errors[4],
    }


def measure(url: str, cookie: str, args, script: Path, pids: list[int]) -> dict:
    before = cpu_seconds(pids)
    result = run_wrk(url, cookie, args, script)
    result["cpu_ms"] = (cpu_seconds(pids) - before) * 1000 / max(result["requests"], 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8100")
    parser.add_argument("--gunicorn-pid", type=int, required=True)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--password", default="carm-demo-2026")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between runs")
    args = parser.parse_args()

    pids = worker_pids(args.gunicorn_pid)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(REPORT)
    script = Path(lua.name)
    cookies = {
        "importer": sign_in(args.base, "maple.bam@example.com", args.password),
        "broker": sign_in(args.base, "broker.bam@example.com", args.password),
    }
    rows = []
    for who, pages in (("importer", PAGES), ("broker", BROKER_PAGES)):
        for path, label in pages:
            floor = measure(f"{args.base}/healthz", cookies[who], args, script, pids)
            time.sleep(args.pause)
            page = measure(f"{args.base}{path}", cookies[who], args, script, pids)
            time.sleep(args.pause)
            rows.append((label, path, floor, page))
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
        f"{len(pids)} gunicorn workers, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
    )
    print(
        "| page | req/s | p50 ms | p90 ms | p95 ms | floor req/s | share of floor "
        "| CPU ms/request | non-2xx/3xx | socket errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, path, floor, page in rows:
        print(
            f"| {label} (`{path}`) | {page['rate']:.0f} | {page['p50']:.0f} | {page['p90']:.0f}"
            f" | {page['p95']:.0f} | {floor['rate']:.0f} | {page['rate'] / floor['rate']:.0%}"
            f" | {page['cpu_ms']:.1f} | {page['non_2xx_3xx']} | {page['socket_errors']} |"
        )
    print(
        "\nfloor (/healthz) CPU ms/request: "
        + ", ".join(f"{floor['cpu_ms']:.1f}" for _l, _p, floor, _pg in rows)
    )
    script.unlink()


if __name__ == "__main__":
    main()
