from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactImportsConfig(AppConfig):
    name = "terakoya.contacts.imports"
    label = "contact_imports"
    verbose_name = _("Contact imports")
