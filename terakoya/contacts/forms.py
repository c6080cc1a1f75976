from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from terakoya.catalog.models import Offer
from terakoya.contacts.bulk import ACTIONS
from terakoya.contacts.models import NOTE_MAX_LENGTH, ConsentState, Segment, Tag
from terakoya.contacts.names import asks_family_name_first

SORT_CHOICES = [
    ("newest", _("Newest")),
    ("oldest", _("Oldest")),
    ("name", _("Name")),
    ("email", _("Email")),
]
LANGUAGE_CHOICES = [("", _("Workspace default")), ("ja", _("Japanese")), ("en", _("English"))]


def family_name_first(form: forms.Form) -> None:
    """In the Japanese interface a form asks 姓 (last name) before 名 (first name)."""
    if asks_family_name_first():
        names = list(form.fields)
        i, j = names.index("first_name"), names.index("last_name")
        if j > i:
            names[i], names[j] = names[j], names[i]
            form.order_fields(names)


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    offer = forms.ChoiceField(label=_("Offer"), required=False)
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Created until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)
    # Set by the list view: the preset tab, and the segment whose conditions the form shows.
    preset: str = ""
    open_segment: str = ""

    def __init__(self, *args: Any, workspace: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_choice = [("", _("Any"))]
        self.fields["segment"].choices = any_choice + [  # type: ignore[attr-defined]
            (s.public_id, s.name) for s in Segment.objects.filter(workspace=workspace)
        ]
        self.fields["tag"].choices = any_choice + [  # type: ignore[attr-defined]
            (t.public_id, t.name) for t in Tag.objects.filter(workspace=workspace)
        ]
        self.fields["offer"].choices = any_choice + [  # type: ignore[attr-defined]
            (o.public_id, o.name) for o in Offer.objects.filter(workspace=workspace)
        ]


class ContactCreateForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=150)
    email = forms.CharField(label=_("Email"), max_length=254)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        help_text=_("Japanese numbers need no +81."),
    )
    language = forms.ChoiceField(label=_("Language"), required=False, choices=LANGUAGE_CHOICES)
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=1000, help_text=_("Separate tags with commas.")
    )
    offers = forms.MultipleChoiceField(
        label=_("Offers to grant"), required=False, widget=forms.CheckboxSelectMultiple
    )
    subscribe = forms.BooleanField(label=_("Subscribe to marketing email"), required=False)
    consent_source = forms.CharField(
        label=_("Where did this contact agree to receive marketing email?"),
        required=False,
        max_length=300,
        help_text=_(
            "For example: “signed up at our Tokyo seminar on 3 May”. Required when subscribing."
        ),
    )

    def __init__(self, *args: Any, workspace: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        family_name_first(self)
        self.fields["offers"].choices = [  # type: ignore[attr-defined]
            (o.public_id, o.name) for o in Offer.objects.filter(workspace=workspace)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("subscribe") and not (data.get("consent_source") or "").strip():
            self.add_error(
                "consent_source", _("Say where this contact agreed to receive marketing email.")
            )
        return data

    def tag_names(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in raw.replace("、", ",").split(",") if t.strip()]


class ContactEditForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=150)
    email = forms.CharField(label=_("Email"), max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    language = forms.ChoiceField(label=_("Language"), required=False, choices=LANGUAGE_CHOICES)
    time_zone = forms.CharField(label=_("Time zone"), required=False, max_length=64)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        family_name_first(self)


class AddressForm(forms.Form):
    label = forms.CharField(label=_("Label"), required=False, max_length=60)
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), required=False, max_length=20)
    country = forms.CharField(
        label=_("Country (2 letters)"), required=False, max_length=2, initial="JP"
    )
    region = forms.CharField(label=_("Prefecture / state"), required=False, max_length=100)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    line1 = forms.CharField(label=_("Address line 1"), required=False, max_length=200)
    line2 = forms.CharField(label=_("Address line 2"), required=False, max_length=200)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    is_default = forms.BooleanField(label=_("Default address"), required=False)


class TagForm(forms.Form):
    name = forms.CharField(label=_("Add a tag"), max_length=100)


class GrantForm(forms.Form):
    offer = forms.ChoiceField(label=_("Grant an offer"))

    def __init__(self, *args: Any, workspace: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offer"].choices = [  # type: ignore[attr-defined]
            (o.public_id, o.name) for o in Offer.objects.filter(workspace=workspace)
        ]


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Save this filter as a segment"), max_length=120)


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            ("", "—"),
            *ACTIONS.items(),
            ("export", _("Export")),
            ("merge", _("Merge contacts")),
        ],
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=100)
    offer = forms.ChoiceField(label=_("Offer"), required=False)
    confirm = forms.CharField(label=_("Type DELETE to confirm"), required=False, max_length=20)

    def __init__(self, *args: Any, workspace: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offer"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (o.public_id, o.name) for o in Offer.objects.filter(workspace=workspace)
        ]


CONSENT_PRESETS = [
    ("", _("All")),
    ("members", _("Members")),
    (ConsentState.SUBSCRIBED, _("Subscribed")),
    (ConsentState.UNSUBSCRIBED, _("Unsubscribed")),
    (ConsentState.NEVER_SUBSCRIBED, _("Never subscribed")),
]
