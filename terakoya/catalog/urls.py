"""Offer pages, mounted under /dashboard/<workspace>/offers/."""

from django.urls import URLPattern, URLResolver, path

from terakoya.catalog import views

app_name = "catalog"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.offer_list, name="list"),
    path("add/", views.offer_add, name="add"),
    path("<str:public_id>/", views.offer_edit, name="edit"),
]
