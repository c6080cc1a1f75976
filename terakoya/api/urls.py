"""The JSON API lives under /api/v1/ (django-ninja routers per app are added here)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
