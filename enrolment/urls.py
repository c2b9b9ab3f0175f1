from django.urls import path

from enrolment import views

urlpatterns = [
    path("applications/", views.applications, name="applications"),
    path("applications/business-number/", views.bn_apply, name="bn_apply"),
    path("applications/business-number/<int:pk>/", views.bn_application, name="bn_application"),
    path(
        "applications/program-account/<int:pk>/",
        views.account_application,
        name="account_application",
    ),
    path("applications/rpp/<int:pk>/", views.rpp_application, name="rpp_application"),
    path("businesses/<str:bn9>/program-accounts/new/", views.account_apply, name="account_apply"),
    path("program-accounts/<str:bn15>/rpp/", views.rpp_apply, name="rpp_apply"),
]
