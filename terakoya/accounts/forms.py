from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from terakoya.accounts import texts
from terakoya.accounts.models import LoginSettings
from terakoya.accounts.tokens import normalize_code

PASSWORD_MAX = 1024


def _validators_help() -> str:
    return " ".join(password_validators_help_texts())


# Built when a form is rendered, in that request's language (not once at import, in English).
validators_help = lazy(_validators_help, str)


def _password_field(label: Any, autocomplete: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=PASSWORD_MAX,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        **kwargs,
    )


class PasswordLoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = _password_field(_("Password"), "current-password")


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class CodeForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": "[0-9０-９ -]*",
            }
        ),
    )

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if not code:
            raise ValidationError(_("Enter the 6 digits from the email or text message."))
        return code


class NewPasswordForm(forms.Form):
    """New password twice; the validators say what is wrong (no composition rules)."""

    new_password1 = _password_field(_("New password"), "new-password", help_text=validators_help())
    new_password2 = _password_field(_("New password again"), "new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("new_password1"), data.get("new_password2")
        if one and two and one != two:
            self.add_error("new_password2", _("The two passwords do not match."))
        elif one:
            try:
                validate_password(one)
            except ValidationError as exc:
                self.add_error("new_password1", exc)
        return data


class ChangePasswordForm(NewPasswordForm):
    current_password = _password_field(_("Current password"), "current-password")
    field_order = ["current_password", "new_password1", "new_password2"]


class TemporaryPasswordForm(NewPasswordForm):
    send_email = forms.BooleanField(
        label=_("Also send it to the customer by email"), required=False
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("Sign-in codes can also be sent to this number once you confirm it."),
    )


class PhoneCodeForm(forms.Form):
    code = CodeForm.base_fields["code"]

    def clean_code(self) -> str:
        return CodeForm.clean_code(self)  # type: ignore[arg-type]


class LoginSettingsForm(forms.ModelForm):
    class Meta:
        model = LoginSettings
        fields = ["allow_password", "allow_email_code", "allow_sms_code", "reset_link_minutes"]

    reset_link_minutes = forms.IntegerField(
        label=_("Reset link valid for (minutes)"), min_value=5, max_value=24 * 60
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("allow_password") and not data.get("allow_email_code"):
            raise ValidationError(
                _("Keep at least one way to log in: password, or email link and code.")
            )
        return data


class TextOverridesForm(forms.Form):
    """One optional field per language × page × part; empty means "use the default"."""

    def __init__(self, *args: Any, languages: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages = languages
        for code, _name in languages:
            for page, parts in texts.PAGES.items():
                for part in parts:
                    widget = (
                        forms.Textarea(attrs={"rows": 2}) if part == "intro" else forms.TextInput()
                    )
                    self.fields[f"{code}__{texts.field_name(page, part)}"] = forms.CharField(
                        label=texts.PART_LABELS[part],
                        required=False,
                        max_length=texts.MAX_LENGTH[part],
                        widget=widget,
                    )

    @classmethod
    def initial_from(cls, overrides: dict[str, dict[str, str]]) -> dict[str, str]:
        return {
            f"{code}__{key}": value
            for code, values in (overrides or {}).items()
            for key, value in values.items()
        }

    def overrides(self) -> dict[str, dict[str, str]]:
        result: dict[str, dict[str, str]] = {}
        for name, value in self.cleaned_data.items():
            code, key = name.split("__", 1)
            if value and value.strip():
                result.setdefault(code, {})[key] = value.strip()
        return result

    def grouped(self) -> list[dict[str, Any]]:
        """For the template: language → page → bound fields (with the default as placeholder)."""
        groups = []
        for code, name in self.languages:
            pages = []
            for page in texts.PAGES:
                default = texts.defaults(page, code)
                fields = []
                for part in texts.PAGES[page]:
                    bound = self[f"{code}__{texts.field_name(page, part)}"]
                    bound.field.widget.attrs["placeholder"] = default[part]
                    bound.field.widget.attrs["lang"] = code  # the wording's language
                    fields.append(bound)
                pages.append({"key": page, "label": texts.PAGE_LABELS[page], "fields": fields})
            groups.append({"code": code, "name": name, "pages": pages})
        return groups
