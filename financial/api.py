from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from carm.db import replica_read
from delegation.permissions import Action, can, get_program_account_for
from delegation.services import access_log_viewed
from financial import selectors, services
from financial.documents import (
    receipt_pdf_response,
    statement_csv_response,
    statement_pdf_response,
    transactions_csv_response,
)
from financial.errors import FinancialError
from financial.forms import HistoryFilterForm
from financial.models import Declaration
from financial.serializers import (
    CorrectionInSerializer,
    DeclarationDetailSerializer,
    DeclarationInSerializer,
    DeclarationSerializer,
    InvoiceSerializer,
    PaymentInSerializer,
    PaymentSerializer,
    PostingSerializer,
    RefundRequestInSerializer,
    RefundRequestSerializer,
    StatementSerializer,
    VersionSerializer,
)


def idempotency_key_parameter(one_per: str, differing: str) -> OpenApiParameter:
    """The Idempotency-Key header of a POST that must happen once (payments, refunds)."""
    return OpenApiParameter(
        "Idempotency-Key",
        {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
        OpenApiParameter.HEADER,
        required=True,
        description=f"1 to 255 visible ASCII characters, one per {one_per}: the same key "
        "again gets the first answer (Idempotent-Replayed: true), another "
        f"{differing} with it a 409.",
    )


class TransactionListApi(generics.ListAPIView):
    """Postings newest first; filters posted_after, posted_before, kind, transaction_number;
    `?format=csv` for a CSV export. Only what the caller may see."""

    serializer_class = PostingSerializer
    ordering = ("-posted_at", "-id")

    def get_queryset(self):
        account = get_program_account_for(
            self.request.user, self.kwargs["bn15"], Action.VIEW_OWN_TRANSACTIONS
        )
        self.account = account
        filters = HistoryFilterForm(self.request.query_params)
        if not filters.is_valid():
            raise ValidationError(filters.errors)
        access_log_viewed(
            user=self.request.user, program_account=account, action=Action.VIEW_OWN_TRANSACTIONS
        )
        return selectors.history(
            self.request.user,
            account,
            **{name: value for name, value in filters.cleaned_data.items() if value},
        )

    def list(self, request, *args, **kwargs):
        # The authorization and the access log on the primary; the postings' page (or
        # export) on the replica when there is one (carm/db.py).
        postings = self.filter_queryset(self.get_queryset())
        if request.query_params.get("format") == "csv":
            return transactions_csv_response(self.account, postings, request=request)
        return replica_read(lambda: self._page_of(postings), request=request)

    def _page_of(self, postings) -> Response:
        page = self.paginate_queryset(postings)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class DeclarationListApi(generics.ListCreateAPIView):
    """Declarations on the account the caller may see; POST files a new one."""

    serializer_class = DeclarationSerializer
    ordering = ("-filed_at", "-id")

    def get_queryset(self):
        account = get_program_account_for(
            self.request.user, self.kwargs["bn15"], Action.VIEW_OWN_TRANSACTIONS
        )
        access_log_viewed(
            user=self.request.user, program_account=account, action=Action.VIEW_OWN_TRANSACTIONS
        )
        return selectors.with_lines(selectors.declarations_visible_to(self.request.user, account))

    @extend_schema(request=DeclarationInSerializer, responses={201: DeclarationSerializer})
    def post(self, request: Request, bn15: str) -> Response:
        account = get_program_account_for(request.user, bn15, Action.FILE_DECLARATION)
        incoming = DeclarationInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        declaration = services.declaration_file(
            actor=request.user, program_account=account, **incoming.validated_data
        )
        filed = selectors.with_lines(Declaration.objects.filter(pk=declaration.pk)).get()
        return Response(DeclarationSerializer(filed).data, status=status.HTTP_201_CREATED)


class DeclarationDetailApi(generics.RetrieveAPIView):
    serializer_class = DeclarationDetailSerializer

    def get_object(self):
        number = self.kwargs["transaction_number"]
        declaration = selectors.get_declaration_for(self.request.user, number)
        access_log_viewed(
            user=self.request.user, program_account=declaration.program_account, what=number
        )
        return selectors.with_lines(Declaration.objects.filter(pk=declaration.pk)).get()


class CorrectionApi(APIView):
    @extend_schema(request=CorrectionInSerializer, responses={201: VersionSerializer})
    def post(self, request: Request, transaction_number: str) -> Response:
        declaration = selectors.get_declaration_for(
            request.user, transaction_number, Action.CORRECT_DECLARATION
        )
        incoming = CorrectionInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        version = services.declaration_correct(
            actor=request.user, declaration=declaration, **incoming.validated_data
        )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


class PaymentListApi(generics.ListAPIView):
    """The account's payments, newest first, each with its status and what it paid
    (statements, balance and payments visibility needed); POST pays."""

    serializer_class = PaymentSerializer
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        self.account = get_program_account_for(
            self.request.user, self.kwargs["bn15"], Action.VIEW_STATEMENTS
        )
        access_log_viewed(
            user=self.request.user, program_account=self.account, action=Action.VIEW_STATEMENTS
        )
        return selectors.payments_visible_to(self.request.user, self.account).prefetch_related(
            "chosen"
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        for payment in page:
            payment.program_account = self.account
        return selectors.with_applications(page)

    @extend_schema(
        request=PaymentInSerializer,
        responses={201: PaymentSerializer},
        parameters=[idempotency_key_parameter("payment", "body")],
    )
    def post(self, request: Request, bn15: str) -> Response:
        account = get_program_account_for(request.user, bn15, Action.PAY)
        key = request.headers.get("Idempotency-Key", "")
        if not key:
            raise FinancialError("idempotency_key")
        incoming = PaymentInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        payment, created = services.payment_create(
            actor=request.user,
            program_account=account,
            idempotency_key=key,
            **incoming.validated_data,
        )
        selectors.with_applications([payment])
        if not can(request.user, Action.VIEW_STATEMENTS, account):
            payment.applications = []  # what it paid is for those who see the payments
        # A replay gets the first answer again, marked as such.
        headers = {} if created else {"Idempotent-Replayed": "true"}
        return Response(
            PaymentSerializer(payment).data, status=status.HTTP_201_CREATED, headers=headers
        )


class PaymentDetailApi(generics.RetrieveAPIView):
    """One payment: its status, the reason it was returned, what it paid."""

    serializer_class = PaymentSerializer

    def get_object(self):
        account, payment = selectors.get_payment_for(
            self.request.user, self.kwargs["bn15"], self.kwargs["pk"]
        )
        access_log_viewed(
            user=self.request.user,
            program_account=account,
            action=Action.VIEW_STATEMENTS,
            what=payment.receipt_number,
        )
        return selectors.with_applications([payment])[0]


class PaymentReceiptApi(APIView):
    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        description="A settled payment's receipt as a PDF in English and French; 404 for a "
        "payment without one (pending or returned).",
    )
    def get(self, request: Request, bn15: str, pk: int):
        account, payment = selectors.get_payment_for(request.user, bn15, pk)
        if not payment.has_receipt:
            raise NotFound
        access_log_viewed(
            user=request.user,
            program_account=account,
            action=Action.VIEW_STATEMENTS,
            what=payment.receipt_number,
        )
        return receipt_pdf_response(account, payment, selectors.payment_applications(payment))


class StatementListApi(generics.ListAPIView):
    """The account's Statements of Account, newest first (statements, balance and payments
    visibility needed)."""

    serializer_class = StatementSerializer
    ordering = ("-period_end",)
    page_size = 24

    def get_queryset(self):
        account = get_program_account_for(
            self.request.user, self.kwargs["bn15"], Action.VIEW_STATEMENTS
        )
        access_log_viewed(
            user=self.request.user, program_account=account, action=Action.VIEW_STATEMENTS
        )
        return selectors.statements_visible_to(self.request.user, account)


class StatementDetailApi(generics.RetrieveAPIView):
    """One statement as JSON; the same path ending in .pdf or .csv gives the document."""

    serializer_class = StatementSerializer

    def get_object(self):
        self.account, statement = selectors.get_statement_for(
            self.request.user, self.kwargs["bn15"], self.kwargs["period_end"]
        )
        access_log_viewed(
            user=self.request.user, program_account=self.account, action=Action.VIEW_STATEMENTS
        )
        return statement

    def retrieve(self, request, *args, **kwargs):
        document = self.kwargs.get("document")
        if document is None:
            return super().retrieve(request, *args, **kwargs)
        statement = self.get_object()
        make = statement_pdf_response if document == "pdf" else statement_csv_response
        return replica_read(lambda: make(self.account, statement), request=request)


class InvoiceListApi(generics.ListAPIView):
    """Invoices CBSA issued on the account, newest first, each with its status read from
    the ledger (statements, balance and payments visibility needed)."""

    serializer_class = InvoiceSerializer
    ordering = ("-issued_at", "-id")

    def get_queryset(self):
        self.account = get_program_account_for(
            self.request.user, self.kwargs["bn15"], Action.VIEW_STATEMENTS
        )
        access_log_viewed(
            user=self.request.user, program_account=self.account, action=Action.VIEW_STATEMENTS
        )
        return selectors.invoices_visible_to(self.request.user, self.account)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        for invoice in page:
            invoice.program_account = self.account
        return selectors.with_invoice_status(page, timezone.localdate())


class InvoiceDetailApi(generics.RetrieveAPIView):
    serializer_class = InvoiceSerializer

    def get_object(self):
        account, invoice = selectors.get_invoice_for(
            self.request.user, self.kwargs["bn15"], self.kwargs["pk"]
        )
        access_log_viewed(
            user=self.request.user,
            program_account=account,
            action=Action.VIEW_STATEMENTS,
            what=invoice.reference,
        )
        return selectors.with_invoice_status([invoice], timezone.localdate())[0]


class RefundListApi(generics.ListAPIView):
    """The account's refund requests, newest first (statements, balance and payments
    visibility needed); POST asks for a refund of the credit (Business Account Managers
    only), with an Idempotency-Key like a payment."""

    serializer_class = RefundRequestSerializer
    ordering = ("-requested_at", "-id")

    def get_queryset(self):
        self.account = get_program_account_for(
            self.request.user, self.kwargs["bn15"], Action.VIEW_STATEMENTS
        )
        access_log_viewed(
            user=self.request.user, program_account=self.account, action=Action.VIEW_STATEMENTS
        )
        return selectors.refunds_visible_to(self.request.user, self.account)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        for refund in page:
            refund.program_account = self.account
        return page

    @extend_schema(
        request=RefundRequestInSerializer,
        responses={201: RefundRequestSerializer},
        parameters=[idempotency_key_parameter("request", "amount")],
    )
    def post(self, request: Request, bn15: str) -> Response:
        account = get_program_account_for(request.user, bn15, Action.MANAGE_BANKING)
        key = request.headers.get("Idempotency-Key", "")
        if not key:
            raise FinancialError("refund_idempotency_key")
        incoming = RefundRequestInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        refund, created = services.refund_request_create(
            actor=request.user,
            program_account=account,
            idempotency_key=key,
            **incoming.validated_data,
        )
        headers = {} if created else {"Idempotent-Replayed": "true"}
        return Response(
            RefundRequestSerializer(refund).data, status=status.HTTP_201_CREATED, headers=headers
        )
