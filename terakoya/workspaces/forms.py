from __future__ import annotations

import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from terakoya.workspaces.domains import clean_custom_domain
from terakoya.workspaces.models import Workspace

COMMON_TIME_ZONES = [
    "Asia/Tokyo",
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Australia/Sydney",
    "Pacific/Auckland",
]
MAX_LOGO_BYTES = 2 * 1024 * 1024


def time_zone_choices() -> list[tuple[str, str]]:
    rest = sorted(zoneinfo.available_timezones() - set(COMMON_TIME_ZONES))
    return [(tz, tz) for tz in COMMON_TIME_ZONES + rest]


def country_choices() -> list[tuple[str, str]]:
    """Every country phonenumbers knows, named in the active language (Babel's CLDR names)."""
    import phonenumbers
    from babel import Locale

    names = Locale.parse(get_language() or "en", sep="-").territories
    return sorted(
        ((code, names.get(code, code)) for code in phonenumbers.SUPPORTED_REGIONS),
        key=lambda item: item[1],
    )


class WorkspaceSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    country = forms.ChoiceField(
        label=_("Country"),
        choices=country_choices,
        help_text=_(
            "Phone numbers written without a country code (such as 090-1234-5678) are read as "
            "numbers of this country, and new addresses start in it."
        ),
    )

    class Meta:
        model = Workspace
        fields = ["name", "logo", "default_language", "time_zone", "country", "custom_domain"]
        help_texts = {
            "custom_domain": _(
                "Point the domain's DNS at this server, then enter it here. Leave empty to use "
                "the workspace address."
            ),
            "default_language": _("Used for customers who have not chosen a language."),
        }

    def clean_logo(self) -> object:
        logo = self.cleaned_data.get("logo")
        if logo and getattr(logo, "size", 0) > MAX_LOGO_BYTES:
            raise ValidationError(_("The logo must be at most 2 MB."))
        return logo

    def clean_custom_domain(self) -> str | None:
        return clean_custom_domain(self.cleaned_data.get("custom_domain"), workspace=self.instance)
