"""API key management pages, mounted under /dashboard/<workspace>/api-keys/."""

from django.urls import URLPattern, URLResolver, path

from terakoya.api import dashboard_views

app_name = "api_dashboard"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", dashboard_views.key_list, name="list"),
    path("<str:public_id>/revoke/", dashboard_views.key_revoke, name="revoke"),
]
