"""Public contact pages on the customer center host (e.g. confirming marketing email)."""

from django.urls import URLPattern, URLResolver

app_name = "contacts_public"

urlpatterns: list[URLPattern | URLResolver] = []
