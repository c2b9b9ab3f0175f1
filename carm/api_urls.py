"""The HTTP API, version 1."""

from django.urls import path

from accounts.api import ProgramAccountDetailApi, ProgramAccountListApi
from cases.api import (
    CaseDetailApi,
    CaseDocumentApi,
    CaseDocumentsApi,
    CaseListApi,
    CaseMessagesApi,
)
from delegation.api import RelationshipListApi
from financial.api import (
    CorrectionApi,
    DeclarationDetailApi,
    DeclarationListApi,
    InvoiceDetailApi,
    InvoiceListApi,
    PaymentDetailApi,
    PaymentListApi,
    PaymentReceiptApi,
    RefundListApi,
    StatementDetailApi,
    StatementListApi,
    TransactionListApi,
)
from notifications.api import NotificationListApi, NotificationReadApi
from security.api import BondApi, FinancialSecurityApi

urlpatterns = [
    path("program-accounts/", ProgramAccountListApi.as_view(), name="api-program-accounts"),
    path(
        "program-accounts/<str:bn15>/",
        ProgramAccountDetailApi.as_view(),
        name="api-program-account",
    ),
    path(
        "program-accounts/<str:bn15>/transactions/",
        TransactionListApi.as_view(),
        name="api-transactions",
    ),
    path(
        "program-accounts/<str:bn15>/declarations/",
        DeclarationListApi.as_view(),
        name="api-declarations",
    ),
    path("program-accounts/<str:bn15>/payments/", PaymentListApi.as_view(), name="api-payments"),
    path(
        "program-accounts/<str:bn15>/payments/<int:pk>/",
        PaymentDetailApi.as_view(),
        name="api-payment",
    ),
    path(
        "program-accounts/<str:bn15>/payments/<int:pk>/receipt.pdf",
        PaymentReceiptApi.as_view(),
        name="api-payment-receipt",
    ),
    path("program-accounts/<str:bn15>/refunds/", RefundListApi.as_view(), name="api-refunds"),
    path(
        "program-accounts/<str:bn15>/statements/",
        StatementListApi.as_view(),
        name="api-statements",
    ),
    path(
        "program-accounts/<str:bn15>/statements/<str:period_end>/",
        StatementDetailApi.as_view(),
        name="api-statement",
    ),
    path(
        "program-accounts/<str:bn15>/statements/<str:period_end>.pdf",
        StatementDetailApi.as_view(),
        {"document": "pdf"},
        name="api-statement-pdf",
    ),
    path(
        "program-accounts/<str:bn15>/statements/<str:period_end>.csv",
        StatementDetailApi.as_view(),
        {"document": "csv"},
        name="api-statement-csv",
    ),
    path(
        "program-accounts/<str:bn15>/invoices/",
        InvoiceListApi.as_view(),
        name="api-invoices",
    ),
    path(
        "program-accounts/<str:bn15>/invoices/<int:pk>/",
        InvoiceDetailApi.as_view(),
        name="api-invoice",
    ),
    path(
        "declarations/<str:transaction_number>/",
        DeclarationDetailApi.as_view(),
        name="api-declaration",
    ),
    path(
        "declarations/<str:transaction_number>/corrections/",
        CorrectionApi.as_view(),
        name="api-corrections",
    ),
    path(
        "program-accounts/<str:bn15>/financial-security/",
        FinancialSecurityApi.as_view(),
        name="api-financial-security",
    ),
    path("program-accounts/<str:bn15>/bonds/", BondApi.as_view(), name="api-bonds"),
    path("relationships/", RelationshipListApi.as_view(), name="api-relationships"),
    path("cases/", CaseListApi.as_view(), name="api-cases"),
    path("cases/<int:pk>/", CaseDetailApi.as_view(), name="api-case"),
    path("cases/<int:pk>/messages/", CaseMessagesApi.as_view(), name="api-case-messages"),
    path("cases/<int:pk>/documents/", CaseDocumentsApi.as_view(), name="api-case-documents"),
    path(
        "cases/<int:pk>/documents/<int:document_pk>/",
        CaseDocumentApi.as_view(),
        name="api-case-document",
    ),
    path("notifications/", NotificationListApi.as_view(), name="api-notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        NotificationReadApi.as_view(),
        name="api-notification-read",
    ),
]
