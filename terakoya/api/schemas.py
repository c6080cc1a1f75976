"""Request and response shapes of the JSON API (public ids only, never database keys)."""

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import field_validator

from terakoya.contacts.models import ConsentState

Id = str


def _clean_text(value: Any) -> Any:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("NUL characters are not allowed")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("invalid characters")
    return value


class SafeSchema(Schema):
    """Strings with NUL bytes or lone surrogates are refused (422), never sent to the database."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [_clean_text(v) for v in value]
        return _clean_text(value)


class ErrorOut(Schema):
    detail: str | list[dict[str, Any]] = Field(description="What went wrong")
    errors: dict[str, list[str]] | None = Field(
        default=None, description="Field name → messages, for invalid input"
    )


Language = Literal["", "ja", "en"]
Sort = Literal["newest", "oldest", "name", "email"]


class ContactFilters(SafeSchema):
    q: str = Field("", max_length=200, description="Substring of email, names or phone")
    segment: str | None = Field(None, max_length=24, description="Segment id")
    tag: str | None = Field(None, max_length=24, description="Tag id")
    offer: str | None = Field(None, max_length=24, description="Offer id (active grant)")
    consent: ConsentState | None = None
    member: bool | None = Field(None, description="Has an active grant")
    created_from: date | None = None
    created_to: date | None = None
    sort: Sort = "newest"
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


class ContactOut(Schema):
    id: Id
    email: str
    display_name: str = Field(
        description="The name as the pages show it: family name first for a name in Japanese "
        "script, given name first otherwise; empty when the contact has no name"
    )
    first_name: str
    last_name: str
    phone: str
    language: str
    time_zone: str
    consent_state: ConsentState
    unsubscribe_reason: str
    created_via: str
    tags: list[str]
    is_member: bool
    in_trash: bool
    created_at: datetime
    updated_at: datetime


class ContactPage(Schema):
    count: int
    items: list[ContactOut]


class ContactIn(SafeSchema):
    email: str = Field(..., max_length=254, json_schema_extra={"format": "email"})
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    phone: str = Field("", max_length=40)
    language: Language = ""
    tags: list[str] = Field(default_factory=list, max_length=50)
    offers: list[str] = Field(default_factory=list, max_length=50, description="Offer ids to grant")
    subscribe: bool = Field(
        False,
        description="Only at creation: the person agreed to marketing email (needs consent_source)",
    )
    consent_source: str = Field("", max_length=300)
    consent_wording: str = Field(
        "", max_length=2000, description="The wording the person agreed to"
    )


class ContactPatch(SafeSchema):
    email: str | None = Field(None, max_length=254, json_schema_extra={"format": "email"})
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    phone: str | None = Field(None, max_length=40)
    language: Language | None = None
    time_zone: str | None = Field(None, max_length=64)


class TagOut(Schema):
    id: Id
    name: str


class TagIn(SafeSchema):
    name: str = Field(..., min_length=1, max_length=100)


class OfferOut(Schema):
    id: Id
    name: str
    description: str
    internal_note: str
    created_at: datetime


class OfferIn(SafeSchema):
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    internal_note: str = Field("", max_length=5000)


class OfferPatch(SafeSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    internal_note: str | None = Field(None, max_length=5000)


class GrantOut(Schema):
    id: Id
    offer_id: Id
    offer_name: str
    source: str
    active: bool
    granted_at: datetime
    granted_by: str
    revoked_at: datetime | None
    revoked_by: str


class GrantIn(SafeSchema):
    offer_id: str = Field(..., max_length=24)


class ConsentEventOut(Schema):
    at: datetime
    from_state: str
    to_state: str
    method: str
    reason: str
    source: str
    wording: str
    actor: str
    ip: str | None


class ConsentOut(Schema):
    state: ConsentState
    unsubscribe_reason: str
    events: list[ConsentEventOut]


class MessageOut(Schema):
    detail: str
