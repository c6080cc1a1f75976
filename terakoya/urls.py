from django.conf import settings
from django.urls import include, path

from terakoya.core import views as core_views
from terakoya.portal import views as portal_views

urlpatterns = [
    # Django's switch, plus: a logged-in customer's choice becomes their contact's language.
    path("i18n/setlang/", portal_views.set_language, name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("healthz/live", core_views.live, name="live"),
    path("dashboard/", include("terakoya.staff.urls")),
    path("dashboard/", include("terakoya.dashboard.urls")),
    path("api/", include("terakoya.api.urls")),
    path("", include("terakoya.accounts.urls")),
    path("", include("terakoya.contacts.portal_urls")),
    path("", include("terakoya.portal.urls")),
    # Public files only (logos); private uploads have no URL (terakoya/core/private_files.py).
    path(settings.MEDIA_URL.lstrip("/") + "<path:path>", core_views.public_media),
]

handler400 = "terakoya.core.views.bad_request"
handler403 = "terakoya.core.views.permission_denied"
handler404 = "terakoya.core.views.page_not_found"
handler500 = "terakoya.core.views.server_error"
