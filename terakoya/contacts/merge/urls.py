"""Merge pages, mounted under /dashboard/<workspace>/merge/."""

from django.urls import URLPattern, URLResolver

app_name = "contact_merge"

urlpatterns: list[URLPattern | URLResolver] = []
