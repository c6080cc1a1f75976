"""Merge pages, mounted under /dashboard/<workspace>/merge/."""

from django.urls import URLPattern, URLResolver, path

from terakoya.contacts.merge import views

app_name = "contact_merge"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.preview, name="preview"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/refresh/", views.refresh, name="refresh"),
    path("duplicates/dismiss/", views.dismiss, name="dismiss"),
    path("history/", views.history, name="history"),
    path("<str:merge_id>/", views.detail, name="detail"),
    path("<str:merge_id>/undo/", views.undo, name="undo"),
]
