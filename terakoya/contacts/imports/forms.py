from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from terakoya.catalog.models import Offer
from terakoya.contacts.imports.parsing import FIELDS

MAX_UPLOAD_BYTES = 500 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, UTF-8 with BOM or Shift_JIS (Excel in Japan). The first row must hold the "
            "column names. Kajabi contact exports and Ghost member exports are recognised."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 500 MB."))
        return upload


class MappingForm(forms.Form):
    """One select per column, plus options for every row."""

    offers = forms.MultipleChoiceField(
        label=_("Grant these offers to every contact"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label=_("Add these tags to every contact"),
        required=False,
        max_length=500,
        help_text=_("Separate several tags with commas."),
    )
    consent_source = forms.CharField(
        label=_("Where did the consent in the consent column come from?"),
        required=False,
        max_length=300,
        help_text=_(
            "Required when a column is mapped to marketing email consent, e.g. “signed up at "
            "our 2024 seminar”. Only NEW contacts can be subscribed by an import; existing "
            "contacts keep their consent state."
        ),
    )

    def __init__(self, *args: Any, headers: list[str], workspace: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        self.column_fields: list[tuple[str, str]] = []
        for i, header in enumerate(headers):
            name = f"col_{i}"
            self.fields[name] = forms.ChoiceField(
                label=header, choices=list(FIELDS.items()), required=False
            )
            self.column_fields.append((name, header))
        self.fields["offers"].choices = [  # type: ignore[attr-defined]
            (o.public_id, o.name) for o in Offer.objects.filter(workspace=workspace)
        ]
        self.order_fields([n for n, _h in self.column_fields])

    def mapping(self) -> dict[str, str]:
        return {h: self.cleaned_data.get(n) or "" for n, h in self.column_fields}

    def options(self) -> dict[str, Any]:
        return {
            "offers": self.cleaned_data.get("offers") or [],
            "tags": self.cleaned_data.get("tags") or "",
            "consent_source": self.cleaned_data.get("consent_source") or "",
        }

    def column_rows(self) -> list[tuple[Any, str]]:
        return [(self[n], h) for n, h in self.column_fields]

    def option_fields(self) -> list[Any]:
        return [self["offers"], self["tags"], self["consent_source"]]
