from django.urls import URLPattern, URLResolver, include, path

from terakoya.dashboard import views

app_name = "dashboard"

workspace_patterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("settings/", views.workspace_settings, name="settings"),
    path("settings/test-email/", views.send_test, name="send_test_email"),
    path("activity/", views.activity, name="activity"),
    path("emails/", views.emails, name="emails"),
    path("contacts/", include("terakoya.contacts.urls")),
    path("imports/", include("terakoya.contacts.imports.urls")),
    path("merge/", include("terakoya.contacts.merge.urls")),
    path("offers/", include("terakoya.catalog.urls")),
    path("customers/", include("terakoya.accounts.dashboard_urls")),
    path("api-keys/", include("terakoya.api.dashboard_urls")),
]

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:workspace_slug>/", include(workspace_patterns)),
]
