"""Instructions a page costs the web process, counted by valgrind's callgrind.

Seconds on a shared 2-core machine move by a third from one minute to the next; the
instructions Python executes for the same request on the same data do not (three runs of
the same page agree within 0.3 %). So each page is served through Django's test Client
(middleware, session, view, template: everything but gunicorn and the network), ten times
to warm up, then twenty times with callgrind counting, and the count is divided by the
requests. PostgreSQL's and Redis's own work is not in it: they are other processes.

Beside the portal's pages, two that the portal does not have give the floor of a
signed-in page: `signed-in`, a view that answers "ok" behind `login_required` (the
middleware, the session and the user), and `shell`, one that renders `base.html` with
nothing in it (the header, the bell, the footer).

    .venv/bin/python bench/instructions.py [--requests 20] [PAGE ...]

on the demo's data (`seed_demo`), with the settings of docs/operations.md, "Throughput".
Needs valgrind (Debian's package). docs/operations.md gives the figures.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "123456782RM0001"
MAPLE, BROKER = "maple.bam@example.com", "broker.bam@example.com"
PAGES = {
    "healthz": (MAPLE, "/healthz"),
    "signed-in": (MAPLE, "/fr/bench-signed-in/"),
    "shell": (MAPLE, "/fr/bench-shell/"),
    "home": (MAPLE, "/fr/"),
    "account": (MAPLE, f"/fr/program-accounts/{ACCOUNT}/"),
    "history": (MAPLE, f"/fr/program-accounts/{ACCOUNT}/transactions/"),
    "security": (MAPLE, f"/fr/program-accounts/{ACCOUNT}/financial-security/"),
    "clients": (BROKER, "/fr/businesses/555123454/clients/"),
}
WARM_UP = 10


def measure(page: str, requests: int) -> float:
    """Millions of instructions a request of `page`, over `requests` requests."""
    with tempfile.TemporaryDirectory() as folder:
        signals = Path(folder)
        child = subprocess.Popen(  # noqa: S603 -- this script and its own arguments
            [
                _tool("valgrind"),
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={signals / 'callgrind.out'}",
                sys.executable,
                __file__,
                "--serve",
                page,
                str(requests),
                folder,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        _wait_for(signals / "ready", child)
        _control(child.pid, "-i", "on")
        (signals / "go").touch()
        _wait_for(signals / "done", child)
        _control(child.pid, "--dump")  # what the requests cost, in callgrind.out.1
        _control(child.pid, "-i", "off")
        (signals / "stop").touch()
        child.wait()
        for line in (signals / "callgrind.out.1").read_text().splitlines():
            if line.startswith("summary:"):
                return int(line.split()[1]) / requests / 1e6
    raise SystemExit(f"{page}: callgrind wrote no summary")


def _control(pid: int, *arguments: str) -> None:
    command = [_tool("callgrind_control"), *arguments, str(pid)]
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603


def _tool(name: str) -> str:
    if found := shutil.which(name):
        return found
    raise SystemExit(f"{name} is not installed (Debian's valgrind package)")


def _wait_for(path: Path, child: subprocess.Popen | None = None) -> None:
    """Until the other process touches `path`; the measuring side also stops waiting
    when the measured process (`child`) has ended."""
    while not path.exists():
        if child is not None and child.poll() is not None:
            raise SystemExit(f"the measured process stopped:\n{child.stderr.read()}")
        time.sleep(0.05)


def serve(page: str, requests: int, folder: str) -> None:
    """In the measured process: warm up, then the requests between the two signals."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carm.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("CARM_REQUIRE_MFA", "false")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import User

    signals = Path(folder)
    email, path = PAGES[page]
    # The test Client finds static files without collectstatic's manifest.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, ROOT_URLCONF=_floor_urls().__name__):
        browser = Client()
        browser.force_login(User.objects.get(email=email))
        for _ in range(WARM_UP):
            response = browser.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        (signals / "ready").touch()
        _wait_for(signals / "go")
        for _ in range(requests):
            browser.get(path)
        (signals / "done").touch()
        _wait_for(signals / "stop")


def _floor_urls() -> types.ModuleType:
    """The portal's routes and the two floor pages, as a URL configuration module."""
    from django.conf.urls.i18n import i18n_patterns
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.shortcuts import render
    from django.urls import path

    from carm import urls as portal

    module = types.ModuleType("bench_floor_urls")
    module.urlpatterns = [
        *i18n_patterns(
            path("bench-signed-in/", login_required(lambda request: HttpResponse("ok"))),
            path("bench-shell/", login_required(lambda request: render(request, "base.html"))),
        ),
        *portal.urlpatterns,
    ]
    for handler in ("handler400", "handler403", "handler404", "handler500"):
        setattr(module, handler, getattr(portal, handler))
    sys.modules[module.__name__] = module
    return module


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:  # the measured process, started by measure()
        page, requests, folder = sys.argv[2:5]
        serve(page, int(requests), folder)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("pages", nargs="*", metavar="PAGE", help=", ".join(PAGES))
    arguments = parser.parse_args()
    if unknown := set(arguments.pages) - set(PAGES):
        parser.error(f"no page {', '.join(sorted(unknown))}; the pages: {', '.join(PAGES)}")
    print("| page | million instructions a request |")
    print("|---|---:|")
    for page in arguments.pages or PAGES:
        print(f"| {page} (`{PAGES[page][1]}`) | {measure(page, arguments.requests):.2f} |")


if __name__ == "__main__":
    main()
