"""Staff-side customer-login pages, mounted under /dashboard/<workspace>/customers/."""

from django.urls import URLPattern, URLResolver, path

from terakoya.accounts import dashboard_views as views

app_name = "accounts_dashboard"

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/", views.login_settings, name="settings"),
    path("<str:public_id>/access/", views.access, name="access"),
    path("<str:public_id>/access/send-reset/", views.send_reset, name="send_reset"),
    path("<str:public_id>/access/unlock/", views.unlock, name="unlock"),
    path(
        "<str:public_id>/access/temporary-password/",
        views.temporary_password,
        name="temporary_password",
    ),
]
