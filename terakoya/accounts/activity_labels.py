"""The activity verbs of customer login (listed in terakoya/activity/labels.py); repeated here so
that their Japanese lives in this app's catalog."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "account.password_set": _("Customer password set"),
    "account.password_changed": _("Customer changed their password"),
    "account.password_reset": _("Customer reset their password"),
    "account.temporary_password_set": _("Temporary customer password set"),
    "account.reset_sent": _("Password reset email sent"),
    "account.logged_out_everywhere": _("Customer logged out everywhere"),
    "account.phone_verified": _("Customer confirmed a phone number"),
    "account.unlocked": _("Customer login unlocked"),
    "account.login_settings_changed": _("Customer login settings changed"),
}
