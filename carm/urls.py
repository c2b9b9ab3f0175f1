from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from carm import views as portal_views

urlpatterns = [
    path("healthz", portal_views.health, name="health"),
    path("readyz", portal_views.ready, name="ready"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/v1/", include("carm.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script as a file: no inline script (Content-Security-Policy).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns += i18n_patterns(
    path("", include("accounts.urls")),
    path("", include("delegation.urls")),
    path("", include("financial.urls")),
    path("", include("security.urls")),
    path("", include("enrolment.urls")),
    path("", include("cases.urls")),
    path("", include("payments.urls")),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("notifications.urls")),
    prefix_default_language=True,
)

# What no view answers: the portal's pages, or JSON under /api/ (carm/failures.py).
handler400 = "carm.failures.bad_request"
handler403 = "carm.failures.permission_denied"
handler404 = "carm.failures.page_not_found"
handler500 = "carm.failures.server_error"
