from django.urls import path

from cases import views

urlpatterns = [
    path("program-accounts/<str:bn15>/cases/", views.cases, name="cases"),
    path("program-accounts/<str:bn15>/cases/appeal/", views.appeal_new, name="appeal_new"),
    path("program-accounts/<str:bn15>/cases/ruling/", views.ruling_new, name="ruling_new"),
    path("program-accounts/<str:bn15>/rulings/", views.rulings, name="rulings"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/submit/", views.case_submit, name="case_submit"),
    path("cases/<int:pk>/withdraw/", views.case_withdraw, name="case_withdraw"),
    path("cases/<int:pk>/documents/<int:document_pk>/", views.document, name="case_document"),
]
