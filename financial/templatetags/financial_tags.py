import html

from django import template
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop

from carm.formats import NOTHING, day, money
from financial import descriptions

register = template.Library()

# Written in both languages on the statement's PDF: listed here for the catalogue.
PDF_TEXTS = (
    gettext_noop("Statement of Account"),
    gettext_noop("Business"),
    gettext_noop("Program account"),
    gettext_noop("Statement date"),
    gettext_noop("Billing period"),
    gettext_noop("Payment due"),
    gettext_noop("Summary"),
    gettext_noop("Revenue split of the period"),
    gettext_noop("Transactions of the period"),
    gettext_noop("No transaction in the period."),
    gettext_noop("Date"),
    gettext_noop("Transaction"),
    gettext_noop("Kind"),
    gettext_noop("Amount"),
    gettext_noop(
        "Electronic payments count until 23:59 Eastern time on the due date. Interest "
        "applies to amounts unpaid after the due date."
    ),
    gettext_noop("Payment receipt"),
    gettext_noop("Receipt number"),
    gettext_noop("Method"),
    gettext_noop("Amount"),
    gettext_noop("Received"),
    gettext_noop("What it paid"),
    gettext_noop("Still unapplied, a credit on the account"),
    gettext_noop("Paid by"),
)


def _in(language: str, text) -> str:
    with translation.override(language):
        return str(text) if isinstance(text, Promise) else gettext(text)


@register.simple_tag
def bilingual(text) -> str:
    """The text in English and in French, for documents both languages read alike."""
    english, french = capfirst(_in("en", text)), capfirst(_in("fr", text))
    return english if english == french else f"{english} / {french}"


@register.filter
def described(description: str) -> str:
    """A posting's description in the reader's language (financial/descriptions.py)."""
    return descriptions.described(description or "")


@register.simple_tag
def bilingual_description(description: str) -> str:
    """A posting's description in English and in French, where they differ."""
    written = descriptions.described
    english, french = (
        _written_in("en", written, description),
        _written_in("fr", written, description),
    )
    return english if english == french else f"{english} / {french}"


def _written_in(language: str, write, description: str) -> str:
    with translation.override(language):
        return write(description or "")


@register.simple_tag
def history_rows(postings, daily_notice_url: str, payment_url: str, declaration_url: str):
    """The transaction history's rows: the day (to its daily notice), the kind (to its
    payment), the transaction number (to its declaration), the description in the reader's
    language and the amount.

    Written here rather than as a template loop, with the standard library's escaping
    (what django.utils.html.escape does, without its check for lazy text on each call),
    and each day, kind and description written once a page: fifty rows of five cells
    through the template engine, then through format_html, were most of the page's time
    (docs/operations.md, "Throughput"). Every value is escaped, so the formats and
    descriptions it writes must stay plain text, never HTML marked safe."""
    daily_notice_url, payment_url, declaration_url = (
        html.escape(daily_notice_url),
        html.escape(payment_url),
        html.escape(declaration_url),
    )
    days: dict = {}
    kinds: dict = {}
    texts: dict = {}
    rows = []
    for posting in postings:
        posted = timezone.localtime(posting.posted_at).date()
        if posted not in days:
            days[posted] = (
                f'<a href="{daily_notice_url}{posted.isoformat()}/">{html.escape(day(posted))}</a>'
            )
        kind = kinds.get(posting.kind)
        if kind is None:
            kind = kinds[posting.kind] = html.escape(str(posting.kind_label))
        payment_id = getattr(posting, "payment_id", None)  # set where the reader sees money
        if payment_id:
            kind = f'<a href="{payment_url}{int(payment_id)}/">{kind}</a>'
        number = posting.transaction_number
        if number:
            number = html.escape(number)
            number = f'<a href="{declaration_url}{number}/">{number}</a>'
        else:
            number = NOTHING
        description = posting.description or ""
        text = texts.get(description)
        if text is None:
            text = texts[description] = html.escape(descriptions.described(description))
        rows.append(
            f"<tr><td>{days[posted]}</td><td>{kind}</td><td>{number}</td><td>{text}</td>"
            f'<td class="carm-num">{html.escape(money(posting.amount))}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 -- every value in it is escaped above
