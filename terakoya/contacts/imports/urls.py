"""Import pages, mounted under /dashboard/<workspace>/imports/."""

from django.urls import URLPattern, URLResolver

app_name = "contact_imports"

urlpatterns: list[URLPattern | URLResolver] = []
