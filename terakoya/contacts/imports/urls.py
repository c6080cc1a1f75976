"""Import pages, mounted under /dashboard/<workspace>/imports/."""

from django.urls import URLPattern, URLResolver, path

from terakoya.contacts.imports import views

app_name = "contact_imports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.import_list, name="list"),
    path("new/", views.upload, name="upload"),
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/run/", views.run, name="run"),
    path("<str:public_id>/progress/", views.progress, name="progress"),
    path("<str:public_id>/errors.csv", views.errors, name="errors"),
    path("<str:public_id>/file/", views.download_file, name="file"),
    path("<str:public_id>/rollback/", views.rollback, name="rollback"),
]
