"""Public contact pages on the customer center host (e.g. confirming marketing email)."""

from django.urls import URLPattern, URLResolver, path

from terakoya.contacts import views

app_name = "contacts_public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("email/confirm/<str:token>/", views.confirm_subscription, name="confirm_subscription"),
]
