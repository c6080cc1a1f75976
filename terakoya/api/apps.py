from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "terakoya.api"
    label = "api"
