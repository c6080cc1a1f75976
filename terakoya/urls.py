from django.conf import settings
from django.urls import include, path
from django.views.static import serve

from terakoya.core import views as core_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("healthz/live", core_views.live, name="live"),
    path("dashboard/", include("terakoya.staff.urls")),
    path("dashboard/", include("terakoya.dashboard.urls")),
    path("api/", include("terakoya.api.urls")),
    path("", include("terakoya.accounts.urls")),
    path("", include("terakoya.contacts.portal_urls")),
    path("", include("terakoya.portal.urls")),
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]

handler400 = "terakoya.core.views.bad_request"
handler403 = "terakoya.core.views.permission_denied"
handler404 = "terakoya.core.views.page_not_found"
handler500 = "terakoya.core.views.server_error"
