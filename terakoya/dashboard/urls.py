from django.urls import include, path

from terakoya.dashboard import views

app_name = "dashboard"

workspace_patterns = [
    path("", views.home, name="home"),
    path("settings/", views.workspace_settings, name="settings"),
    path("settings/test-email/", views.send_test, name="send_test_email"),
    path("activity/", views.activity, name="activity"),
    path("emails/", views.emails, name="emails"),
]

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:workspace_slug>/", include(workspace_patterns)),
]
