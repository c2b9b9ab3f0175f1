from django.urls import path

from payments import views

urlpatterns = [
    path(
        "program-accounts/<str:bn15>/pre-authorized-debit/",
        views.pad_agreement,
        name="pad_agreement",
    ),
    path(
        "program-accounts/<str:bn15>/pre-authorized-debit/new/",
        views.pad_agreement_new,
        name="pad_agreement_new",
    ),
    path(
        "program-accounts/<str:bn15>/pre-authorized-debit/<int:pk>/cancel/",
        views.pad_agreement_cancel,
        name="pad_agreement_cancel",
    ),
]
