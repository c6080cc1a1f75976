"""Staff-side customer-login pages, mounted under /dashboard/<workspace>/customers/."""

from django.urls import URLPattern, URLResolver

app_name = "accounts_dashboard"

urlpatterns: list[URLPattern | URLResolver] = []
