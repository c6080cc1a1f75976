"""API key management pages, mounted under /dashboard/<workspace>/api-keys/."""

from django.urls import URLPattern, URLResolver

app_name = "api_dashboard"

urlpatterns: list[URLPattern | URLResolver] = []
