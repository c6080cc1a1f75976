from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "terakoya.portal"
    label = "portal"
