"""Contacts pages, mounted under /dashboard/<workspace>/contacts/."""

from django.urls import URLPattern, URLResolver, path

from terakoya.contacts import views

app_name = "contacts"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.contact_list, name="list"),
    path("add/", views.contact_add, name="add"),
    path("count/", views.contact_count, name="count"),
    path("export.csv", views.export, name="export"),
    path("trash/", views.trash, name="trash"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("bulk/<str:job_id>/", views.bulk_job, name="bulk_job"),
    path("segments/", views.segment_save, name="segment_save"),
    path("segments/<str:segment_id>/delete/", views.segment_delete, name="segment_delete"),
    path("<str:public_id>/", views.contact_detail, name="detail"),
    path("<str:public_id>/edit/", views.contact_edit, name="edit"),
    path("<str:public_id>/tags/", views.contact_tag_add, name="tag_add"),
    path("<str:public_id>/tags/<str:tag_id>/remove/", views.contact_tag_remove, name="tag_remove"),
    path("<str:public_id>/grants/", views.contact_grant, name="grant"),
    path("<str:public_id>/grants/<str:offer_id>/revoke/", views.contact_revoke, name="revoke"),
    path("<str:public_id>/addresses/", views.contact_address_add, name="address_add"),
    path(
        "<str:public_id>/addresses/<str:address_id>/delete/",
        views.contact_address_delete,
        name="address_delete",
    ),
    path("<str:public_id>/unsubscribe/", views.contact_unsubscribe, name="unsubscribe"),
    path("<str:public_id>/request-opt-in/", views.contact_request_opt_in, name="request_opt_in"),
    path("<str:public_id>/trash/", views.contact_trash, name="trash_one"),
    path("<str:public_id>/restore/", views.contact_restore, name="restore"),
]
