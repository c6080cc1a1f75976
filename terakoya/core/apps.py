from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "terakoya.core"
    label = "core"
