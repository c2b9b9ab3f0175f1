from django.urls import path

from financial import views

urlpatterns = [
    path("program-accounts/<str:bn15>/transactions/", views.transactions, name="transactions"),
    path(
        "program-accounts/<str:bn15>/daily-notice/<str:day>/",
        views.daily_notice,
        name="daily_notice",
    ),
    path(
        "program-accounts/<str:bn15>/declarations/new/",
        views.declaration_new,
        name="declaration_new",
    ),
    path("program-accounts/<str:bn15>/pay/", views.pay, name="pay"),
    path("program-accounts/<str:bn15>/payments/", views.payments, name="payments"),
    path(
        "program-accounts/<str:bn15>/payments/applied/",
        views.payments_applied,
        name="payments_applied",
    ),
    path(
        "program-accounts/<str:bn15>/payments/<int:pk>/",
        views.payment_detail,
        name="payment",
    ),
    path(
        "program-accounts/<str:bn15>/payments/<int:pk>/receipt.pdf",
        views.payment_receipt_pdf,
        name="payment_receipt_pdf",
    ),
    path("program-accounts/<str:bn15>/statements/", views.statements, name="statements"),
    path(
        "program-accounts/<str:bn15>/statements/<str:period_end>/",
        views.statement_detail,
        name="statement",
    ),
    path(
        "program-accounts/<str:bn15>/statements/<str:period_end>.pdf",
        views.statement_pdf,
        name="statement_pdf",
    ),
    path(
        "program-accounts/<str:bn15>/statements/<str:period_end>.csv",
        views.statement_csv,
        name="statement_csv",
    ),
    path("program-accounts/<str:bn15>/invoices/", views.invoices, name="invoices"),
    path(
        "program-accounts/<str:bn15>/invoices/<int:pk>/",
        views.invoice_detail,
        name="invoice",
    ),
    path("program-accounts/<str:bn15>/refunds/", views.refunds, name="refunds"),
    path(
        "program-accounts/<str:bn15>/refunds/<int:pk>/",
        views.refund_detail,
        name="refund",
    ),
    path("declarations/<str:transaction_number>/", views.declaration_detail, name="declaration"),
    path(
        "declarations/<str:transaction_number>/correct/",
        views.declaration_correct,
        name="declaration_correct",
    ),
]
