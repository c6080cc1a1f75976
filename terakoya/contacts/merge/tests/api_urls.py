"""The merge router mounted on a NinjaAPI of its own (the project API registers it too)."""

from django.urls import path
from ninja import NinjaAPI

from terakoya.api.main import ApiKeyAuth
from terakoya.contacts.merge.api import build_router

api = NinjaAPI(auth=ApiKeyAuth(), urls_namespace="merge-test-api", docs_url=None)
api.add_router("/", build_router())

urlpatterns = [path("api/v1/", api.urls)]
