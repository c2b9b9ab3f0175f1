"""Malformed data posted to every form of the portal (issue 16, item 6): the forms are
read from the pages themselves (each `<form method="post">` and its fields), then posted
with every field replaced in turn by a value crafted to break it. No answer may be a 5xx,
and nothing that moves money or access is written (no posting, payment, declaration,
bond, reduction request, refund request, decided relationship, or change to an employee's role).

Bounded: the pages below, their forms, their fields, `MALFORMED` values each.
"""

import re
from html import unescape

import pytest
from django.urls import reverse

from accounts.models import Membership
from delegation.models import Relationship, SuretyInvitation
from financial.models import Declaration, Payment, Posting, RefundRequest
from payments.models import PadAgreement
from security.models import ReductionRequest, SuretyBond

pytestmark = pytest.mark.django_db

MALFORMED = [
    "\x00",
    "x" * 10_000,
    "１２",
    "1e999",
    "-1",
    "NaN",
    "9999-12-31",
    "0001-01-01",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "💸",
]

FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
ACTION = re.compile(r"<form\b[^>]*action=\"([^\"]*)\"", re.I)
FIELD = re.compile(r"<(input|select|textarea)\b[^>]*name=\"([^\"]+)\"[^>]*>", re.I)
VALUE = re.compile(r"value=\"([^\"]*)\"")


def forms_on(html: str, page: str) -> list[tuple[str, dict]]:
    """Each POST form of a page: where it posts and its fields with their values."""
    found = []
    for match in FORM.finditer(html):
        tag = html[match.start() : match.start() + 400]
        action = ACTION.search(tag)
        url = unescape(action.group(1)) if action and action.group(1) else page
        fields = {}
        for field in FIELD.finditer(match.group(1)):
            value = VALUE.search(field.group(0))
            fields[field.group(2)] = unescape(value.group(1)) if value else ""
        found.append((url, fields))
    return found


def counts() -> dict:
    # Money and access; a free-text field's odd value ("-1" as an API key's name) may be
    # valid, so what such a form writes is not counted.
    models = (
        Posting,
        Payment,
        Declaration,
        SuretyBond,
        SuretyInvitation,
        ReductionRequest,
        PadAgreement,
        RefundRequest,
    )
    return {model.__name__: model.objects.count() for model in models} | {
        "relationships": Relationship.objects.exclude(status="pending").count()
    }


PAGES = [
    ("pay", {"bn15": "123456782RM0001"}),
    ("declaration_new", {"bn15": "123456782RM0001"}),
    ("profile", {}),
    ("api_keys", {}),
    ("employees", {"bn9": "123456782"}),
    ("security_reduction", {"bn15": "123456782RM0001"}),
    ("register_business", {}),
    ("request_access", {}),
    ("bn_apply", {}),
    ("rpp_apply", {"bn15": "123456782RM0002"}),
    ("pad_agreement_new", {"bn15": "123456782RM0001"}),
    ("payments_applied", {"bn15": "123456782RM0001"}),
    ("account_surety_invitations", {"bn15": "123456782RM0001"}),
    ("refunds", {"bn15": "123456782RM0001"}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=[name for name, _ in PAGES])
def test_malformed_posts_to_every_form_answer_without_a_server_error(
    client_for, importer_bam, rm1, rm2, reader, name, kwargs
):
    client = client_for(importer_bam, reauthenticated=True)
    client.raise_request_exception = False
    page_url = reverse(name, kwargs=kwargs)
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    forms = forms_on(page.content.decode(), page_url)
    assert forms, f"no form on {page_url}"
    before = counts()
    membership = Membership.objects.get(user=reader)
    roles_before = (
        membership.role,
        sorted(membership.program_accounts.values_list("pk", flat=True)),
    )
    for url, fields in forms:
        if "logout" in url or "sign-out" in url:
            continue
        for field in fields:
            if field == "csrfmiddlewaretoken":
                continue
            for value in MALFORMED:
                response = client.post(url, {**fields, field: value})
                assert response.status_code < 500, (url, field, value[:20], response.status_code)
    assert counts() == before
    membership.refresh_from_db()
    assert (
        membership.role,
        sorted(membership.program_accounts.values_list("pk", flat=True)),
    ) == roles_before
