from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "terakoya.dashboard"
    label = "dashboard"
