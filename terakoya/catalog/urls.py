"""Offer pages, mounted under /dashboard/<workspace>/offers/."""

from django.urls import URLPattern, URLResolver

app_name = "catalog"

urlpatterns: list[URLPattern | URLResolver] = []
