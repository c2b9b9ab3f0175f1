"""The ledger's documents as HTTP responses, for pages and API alike: the transactions
CSV, a statement's PDF and CSV."""

from django.http import HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from carm.db import replica_rows
from carm.pdf import pdf_from_html
from financial.exports import csv_rows
from financial.models import Payment, Posting
from financial.selectors import statement_invoice_events, statement_postings


def transactions_csv_response(account, postings, *, request=None) -> StreamingHttpResponse:
    """The postings as CSV, streamed from the replica when it may serve the request
    (carm/db.py)."""
    header = [
        "posted_at",
        "kind",
        "transaction_number",
        "description",
        "amount",
        "duty",
        "excise_duty",
        "excise_tax",
        "sima",
        "surtax",
        "gst",
    ]
    # Plain tuples, no model instances: an export may hold a year of postings.
    rows = (
        [timezone.localtime(posted_at).isoformat(), *rest]
        for posted_at, *rest in replica_rows(postings.values_list(*header), request=request)
    )
    response = StreamingHttpResponse(
        csv_rows(header, rows, text_columns={3}), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{account.bn15}-transactions.csv"'
    return response


def statement_pdf_response(account, statement) -> HttpResponse:
    html = render_to_string(
        "financial/statement_pdf.html",
        {
            "account": account,
            "statement": statement,
            "invoice_events": statement_invoice_events(statement),
            "postings": statement_postings(statement),
        },
    )
    response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{account.bn15}-statement-{statement.period_end}.pdf"'
    )
    return response


def statement_csv_response(account, statement) -> HttpResponse:
    rows = [
        ["program_account", account.bn15],
        ["period_start", statement.period_start.isoformat()],
        ["period_end", statement.period_end.isoformat()],
        ["statement_date", statement.statement_date.isoformat()],
        ["due_date", statement.due_date.isoformat()],
        *(
            [f"{letter} {name}", amount]
            for letter, name, _label, amount in statement.summary_lines()
        ),
        *([f"revenue {name}", amount] for name, _label, amount in statement.revenue_split()),
        *(
            [f"invoices {name} (in {line})", amount]
            for name, _label, line, amount in statement.invoice_lines()
        ),
        *(
            [
                f"invoice {event.invoice.reference} {'cancelled' if event.cancelled else 'issued'}",
                event.amount,
            ]
            for event in statement_invoice_events(statement)
        ),
    ]
    response = HttpResponse(
        "".join(csv_rows(["line", "amount"], rows, text_columns=set())),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{account.bn15}-statement-{statement.period_end}.csv"'
    )
    return response


def receipt_html(account, payment, applications) -> str:
    """A settled payment's receipt as the HTML its PDF is printed from, in English and
    French alike."""
    rows = [
        (
            application.posting.posted_at,
            Posting.Kind(application.posting.kind).label,
            application.invoice.reference
            if application.invoice
            else application.posting.transaction_number,
            application.amount,
        )
        for application in applications
    ]
    return render_to_string(
        "financial/receipt_pdf.html",
        {
            "account": account,
            "payment": payment,
            "method": Payment.Method(payment.method).label,
            "rows": rows,
            "unapplied": payment.amount - sum(row[3] for row in rows),
        },
    )


def receipt_pdf_response(account, payment, applications) -> HttpResponse:
    html = receipt_html(account, payment, applications)
    response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{account.bn15}-receipt-{payment.receipt_number}.pdf"'
    )
    return response
