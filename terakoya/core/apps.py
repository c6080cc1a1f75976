from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "terakoya.core"
    label = "core"

    def ready(self) -> None:
        from terakoya.core import private_files  # noqa: F401  (registers its system check)
