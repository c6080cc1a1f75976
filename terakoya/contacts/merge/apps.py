from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactMergeConfig(AppConfig):
    name = "terakoya.contacts.merge"
    label = "contact_merge"
    verbose_name = _("Contact merges")
