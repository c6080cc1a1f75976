"""The JSON API lives under /api/v1/ (django-ninja routers per app are added here)."""

from django.urls import URLPattern, URLResolver, path

from terakoya.api.main import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/", api.urls),
]
