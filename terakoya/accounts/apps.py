from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "terakoya.accounts"
    label = "accounts"
    verbose_name = _("Customer accounts")

    def ready(self) -> None:
        from terakoya.accounts.emails import TOKEN_TRACKER, token_states
        from terakoya.mail.secrets import register_tracker

        register_tracker(TOKEN_TRACKER, token_states)
