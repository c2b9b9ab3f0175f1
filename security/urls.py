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
    path(
        "program-accounts/<str:bn15>/financial-security/bonds/<int:pk>/cancel/",
        views.importer_bond_cancel,
        name="importer_bond_cancel",
    ),
    path("sureties/bonds/", views.surety_bonds, name="surety_bonds"),
    path("sureties/bonds/<int:pk>/cancel/", views.surety_bond_cancel, name="surety_bond_cancel"),
]
