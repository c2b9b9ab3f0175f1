from django.urls import path

from security import views

urlpatterns = [
    path(
        "program-accounts/<str:bn15>/financial-security/",
        views.financial_security,
        name="financial_security",
    ),
    path(
        "program-accounts/<str:bn15>/financial-security/update/",
        views.reduction,
        name="security_reduction",
    ),
    path("sureties/bonds/", views.surety_bonds, name="surety_bonds"),
]
