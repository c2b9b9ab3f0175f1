"""Every page any test renders is checked against the Content Security Policy: the header
is there and strict, and the HTML has nothing the policy would block (issue 16).

A test-only middleware (tests/settings.py): a page that breaks the rule fails whichever
test rendered it, so every page the suite reaches is checked, in both languages and for
every persona the tests use.
"""

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
STYLE_ELEMENT = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle=", re.I)
EVENT_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+=", re.I)
JAVASCRIPT_URL = re.compile(r"(href|src|action)=\"\s*javascript:", re.I)


def policy_problems(response: HttpResponse) -> list[str]:
    """What is wrong with this HTML response and its policy (empty: nothing)."""
    header = response.get("Content-Security-Policy", "")
    if not header:
        return ["no Content-Security-Policy header"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in header.split(";") if part.strip()
    )
    problems = []
    for name in ("script-src", "style-src"):
        sources = directives.get(name, directives.get("default-src", ""))
        if "'unsafe-inline'" in sources or "'unsafe-eval'" in sources:
            problems.append(f"{name} allows {sources}")
    for name in ("default-src", "object-src", "base-uri", "frame-ancestors", "form-action"):
        if name not in directives:
            problems.append(f"no {name}")
    body = response.content.decode(errors="replace")
    for label, pattern in (
        ("an inline <script>", INLINE_SCRIPT),
        ("a <style> without the nonce", STYLE_ELEMENT),
        ("a style= attribute", STYLE_ATTRIBUTE),
        ("an on…= event attribute", EVENT_ATTRIBUTE),
        ("a javascript: URL", JAVASCRIPT_URL),
    ):
        match = pattern.search(body)
        if match:
            problems.append(f"{label}: {body[match.start() : match.start() + 120]!r}")
    return problems


class CheckContentSecurityPolicy:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        html = response.get("Content-Type", "").startswith("text/html")
        if html and not response.streaming and response.content:
            problems = policy_problems(response)
            assert not problems, f"{request.path}: " + "; ".join(problems)
        return response
