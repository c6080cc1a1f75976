"""Reads of the merge app: alternate-email lookup and duplicate suggestions.

Suggestions are set-based: one streaming pass writes normalized keys per contact (MatchKey),
then one GROUP BY per key finds the groups; only groups of 2..MAX_GROUP contacts give pairs.
Nothing compares contacts pairwise, so the cost grows with n, not n².
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import defaultdict
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from terakoya.contacts.merge.models import (
    AlternateEmail,
    DismissedPair,
    DuplicateReason,
    DuplicateSuggestion,
    MatchKey,
    SuggestionRun,
)
from terakoya.contacts.models import Contact, normalize_email

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

# A phone or name shared by more contacts than this is a shared line or a common name,
# not a duplicate: such groups are skipped.
MAX_GROUP = 10
CHUNK = 20_000
GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
_SPACES = re.compile(r"[\s\u3000・･.\-]+")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def resolve_alternate_email(workspace: Workspace, email: str) -> Contact | None:
    """The contact an email was merged into, or None. Import and signup call this after an
    exact email lookup found nothing, so a merged-away email never becomes a new duplicate."""
    value = normalize_email(email)
    if not value:
        return None
    alt = (
        AlternateEmail.objects.with_scopes_disabled()
        .filter(workspace=workspace, email=value, contact__deleted_at__isnull=True)
        .select_related("contact")
        .first()
    )
    return alt.contact if alt else None


def email_key(email: str) -> str:
    """Case, full-width characters (NFKC), and for Gmail the dots and +tag do not matter."""
    value = unicodedata.normalize("NFKC", email or "").strip().lower()
    local, _sep, domain = value.rpartition("@")
    if not local:
        return value
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def _kana_fold(text: str) -> str:
    # Katakana → hiragana, so ヤマダ and やまだ are the same name written the same way.
    return "".join(chr(ord(ch) - 0x60) if "\u30a1" <= ch <= "\u30f6" else ch for ch in text)


def name_key(first: str, last: str) -> str:
    """Family + given name, NFKC (half-width kana, full-width letters), no spaces, kana folded."""
    text = unicodedata.normalize("NFKC", f"{last}{first}").lower()
    return _kana_fold(_SPACES.sub("", text))


def keys_for(email: str, first: str, last: str, phone: str) -> tuple[str, str, str, str]:
    name = name_key(first or "", last or "")
    domain = email_key(email).rpartition("@")[2]
    name_domain = f"{name}@{domain}" if name and domain else ""
    ja_name = name if name and _JAPANESE.search(name) and len(name) >= 2 else ""
    return phone or "", email_key(email), name_domain[:400], ja_name[:300]


def rebuild_match_keys(workspace: Workspace) -> int:
    """One streaming pass over the contacts: rewrite their normalized keys."""
    MatchKey.objects.with_scopes_disabled().filter(workspace=workspace).delete()
    rows = (
        Contact.objects.with_scopes_disabled()
        .filter(workspace=workspace, deleted_at__isnull=True)
        .values_list("pk", "email", "first_name", "last_name", "phone")
        .order_by()
    )
    batch: list[MatchKey] = []
    n = 0
    for pk, email, first, last, phone in rows.iterator(chunk_size=CHUNK):
        p, e, nd, ja = keys_for(email, first, last, phone)
        batch.append(
            MatchKey(
                workspace_id=workspace.pk,
                contact_id=pk,
                phone=p,
                email_key=e,
                name_domain_key=nd,
                ja_name_key=ja,
                public_id=f"mk{pk}"[:24],
            )
        )
        n += 1
        if len(batch) >= CHUNK:
            MatchKey.objects.with_scopes_disabled().bulk_create(batch, batch_size=5000)
            batch = []
    if batch:
        MatchKey.objects.with_scopes_disabled().bulk_create(batch, batch_size=5000)
    return n


KEY_REASONS = [
    ("phone", DuplicateReason.SAME_PHONE),
    ("email_key", DuplicateReason.EMAIL_VARIANT),
    ("name_domain_key", DuplicateReason.NAME_DOMAIN),
    ("ja_name_key", DuplicateReason.JA_NAME),
]


def find_pairs(workspace: Workspace) -> dict[tuple[int, int], set[str]]:
    """GROUP BY each key; every group of 2..MAX_GROUP contacts gives its pairs with a reason."""
    pairs: dict[tuple[int, int], set[str]] = defaultdict(set)
    base = MatchKey.objects.with_scopes_disabled().filter(workspace=workspace)
    for column, reason in KEY_REASONS:
        groups = (
            base.exclude(**{column: ""})
            .values(column)
            .annotate(n=Count("pk"))
            .filter(n__gt=1, n__lte=MAX_GROUP)
            .values(column)
        )
        members: dict[str, list[int]] = defaultdict(list)
        for key, contact_id in (
            base.filter(**{f"{column}__in": groups}).values_list(column, "contact_id").order_by()
        ):
            members[key].append(contact_id)
        for ids in members.values():
            ids.sort()
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    pairs[(a, b)].add(str(reason))
    return pairs


def compute_suggestions(workspace: Workspace) -> SuggestionRun:
    """Rebuild keys and the suggestion list of one workspace (the background task runs this)."""
    started = time.monotonic()
    with transaction.atomic():
        n = rebuild_match_keys(workspace)
        pairs = find_pairs(workspace)
        dismissed = set(
            DismissedPair.objects.with_scopes_disabled()
            .filter(workspace=workspace)
            .values_list("contact_a_id", "contact_b_id")
        )
        DuplicateSuggestion.objects.with_scopes_disabled().filter(workspace=workspace).delete()
        DuplicateSuggestion.objects.with_scopes_disabled().bulk_create(
            [
                DuplicateSuggestion(
                    workspace=workspace, contact_a_id=a, contact_b_id=b, reasons=sorted(reasons)
                )
                for (a, b), reasons in pairs.items()
                if (a, b) not in dismissed
            ],
            batch_size=5000,
        )
        run = SuggestionRun.objects.with_scopes_disabled().create(
            workspace=workspace,
            finished_at=timezone.now(),
            contacts=n,
            pairs=len(pairs),
            seconds=time.monotonic() - started,
        )
    return run


def suggestions(workspace: Workspace):  # type: ignore[no-untyped-def]
    return (
        DuplicateSuggestion.objects.with_scopes_disabled()
        .filter(
            workspace=workspace,
            contact_a__deleted_at__isnull=True,
            contact_b__deleted_at__isnull=True,
        )
        .select_related("contact_a", "contact_b")
        .order_by("-id")
    )


def last_run(workspace: Workspace) -> SuggestionRun | None:
    return SuggestionRun.objects.with_scopes_disabled().filter(workspace=workspace).first()
