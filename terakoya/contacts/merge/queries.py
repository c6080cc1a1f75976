"""Reads of the merge app: alternate-email lookup and duplicate suggestions.

Suggestions are set-based: one streaming pass writes normalized keys per contact into a
temporary table, then one GROUP BY finds the groups; only groups of 2..MAX_GROUP contacts
give pairs.
Nothing compares contacts pairwise, so the cost grows with n, not n².
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from terakoya.contacts.merge.models import (
    AlternateEmail,
    DismissedPair,
    DuplicateReason,
    DuplicateSuggestion,
    Merge,
    MergeStatus,
    SuggestionRun,
)
from terakoya.contacts.merge.policies import fast_public_id
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


def merged_into(workspace: Workspace, public_id: str) -> Contact | None:
    """The contact a merged-away contact (by its public id) lives on now, following later
    merges of that primary; None if it was never merged away (or the merge was undone)."""
    seen: set[str] = set()
    wanted = str(public_id)[:40]
    if not wanted.isascii() or not wanted.isalnum():
        return None  # not a public id (NUL bytes and the like never reach the database)
    while wanted and wanted not in seen and len(seen) < 10:
        seen.add(wanted)
        merges = (
            Merge.objects.with_scopes_disabled()
            .filter(workspace=workspace)
            .exclude(status=MergeStatus.UNDONE)
            .annotate(merged_text=Cast("merged_contacts", TextField()))
            .filter(merged_text__contains=wanted)
            .order_by("-created_at", "-id")
        )
        merge = next(
            (
                m
                for m in merges
                if any(c.get("public_id") == wanted for c in m.merged_contacts or [])
            ),
            None,
        )
        if merge is None:
            return None
        primary = (
            Contact.objects.with_scopes_disabled()
            .filter(workspace=workspace, pk=merge.primary_contact_id)
            .first()
        )
        if primary is not None:
            return primary
        wanted = merge.primary_public_id
    return None


def alternate_email_map(workspace_id: int, emails: list[str]) -> dict[str, int]:
    """Bulk form for imports: normalized email → id of the live contact it was merged into,
    for those of `emails` that are alternate emails (one query)."""
    wanted = {normalize_email(e) for e in emails if e}
    if not wanted:
        return {}
    return dict(
        AlternateEmail.objects.with_scopes_disabled()
        .filter(workspace_id=workspace_id, email__in=wanted, contact__deleted_at__isnull=True)
        .values_list("email", "contact_id")
    )


def alternate_emails_by_contact(workspace_id: int, contact_ids: list[int]) -> dict[int, list[str]]:
    """Bulk form for the import's search text: contact id → its alternate emails (sorted, as
    Contact.build_search_text reads them), for those of `contact_ids` that have any."""
    found: dict[int, list[str]] = {}
    if not contact_ids:
        return found
    rows = (
        AlternateEmail.objects.with_scopes_disabled()
        .filter(workspace_id=workspace_id, contact_id__in=contact_ids)
        .order_by("contact_id", "email")
        .values_list("contact_id", "email")
    )
    for contact_id, email in rows:
        found.setdefault(contact_id, []).append(email)
    return found


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


# Katakana → hiragana, so ヤマダ and やまだ are the same name written the same way.
_KANA_FOLD = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def _kana_fold(text: str) -> str:
    return text.translate(_KANA_FOLD)


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


KEY_REASONS = [
    DuplicateReason.SAME_PHONE,
    DuplicateReason.EMAIL_VARIANT,
    DuplicateReason.NAME_DOMAIN,
    DuplicateReason.JA_NAME,
]
# Fixed identifiers only: no value is ever formatted into these statements.
CREATE_SQL = (
    "CREATE TEMPORARY TABLE contact_merge_keys_tmp "
    "(contact_id bigint NOT NULL, kind smallint NOT NULL, k text NOT NULL)"
)
COPY_SQL = "COPY contact_merge_keys_tmp (contact_id, kind, k) FROM STDIN"
INSERT_SQL = "INSERT INTO contact_merge_keys_tmp (contact_id, kind, k) VALUES (%s, %s, %s)"
GROUPS_SQL = (
    "SELECT t.kind, t.k, t.contact_id FROM contact_merge_keys_tmp t JOIN ("
    " SELECT kind, k FROM contact_merge_keys_tmp GROUP BY kind, k"
    " HAVING COUNT(*) BETWEEN 2 AND %s"
    ") g ON g.kind = t.kind AND g.k = t.k ORDER BY t.kind, t.k, t.contact_id"
)


def _key_chunks(workspace: Workspace) -> Iterator[list[tuple[int, int, str]]]:
    """(contact id, reason index, key) for every non-empty key of every live contact, one
    chunk of contacts at a time (keyset pagination, so no cursor stays open during COPY)."""
    last = 0
    base = Contact.objects.with_scopes_disabled().filter(
        workspace=workspace, deleted_at__isnull=True
    )
    while True:
        rows = list(
            base.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "email", "first_name", "last_name", "phone")[:CHUNK]
        )
        if not rows:
            return
        last = rows[-1][0]
        out = []
        for pk, email, first, last_name, phone in rows:
            for kind, key in enumerate(keys_for(email, first, last_name, phone)):
                if key:
                    out.append((pk, kind, key))
        yield out


def _load_keys(cursor: Any, workspace: Workspace) -> None:
    """Stream the keys into the temporary table (COPY on PostgreSQL)."""
    for chunk in _key_chunks(workspace):
        if connection.vendor == "postgresql":
            with cursor.copy(COPY_SQL) as copy:
                for row in chunk:
                    copy.write_row(row)
        else:
            cursor.executemany(INSERT_SQL, chunk)


def find_pairs(workspace: Workspace) -> tuple[int, dict[tuple[int, int], set[str]]]:
    """Keys into a temporary table, then one GROUP BY: every group of 2..MAX_GROUP contacts
    sharing a key gives its pairs, with the key's reason. Must run inside a transaction."""
    pairs: dict[tuple[int, int], set[str]] = defaultdict(set)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS contact_merge_keys_tmp")
        cursor.execute(CREATE_SQL)
        _load_keys(cursor, workspace)
        cursor.execute("SELECT COUNT(DISTINCT contact_id) FROM contact_merge_keys_tmp")
        n = cursor.fetchone()[0]
        cursor.execute(GROUPS_SQL, [MAX_GROUP])
        group: list[int] = []
        current: tuple[int, str] | None = None

        def flush() -> None:
            if current is None:
                return
            reason = str(KEY_REASONS[current[0]])
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    pairs[(a, b)].add(reason)

        for kind, key, contact_id in cursor.fetchall():
            if (kind, key) != current:
                flush()
                current, group = (kind, key), []
            group.append(contact_id)
        flush()
        cursor.execute("DROP TABLE contact_merge_keys_tmp")
    return n, pairs


def compute_suggestions(workspace: Workspace) -> SuggestionRun:
    """Rebuild keys and the suggestion list of one workspace (the background task runs this)."""
    started = time.monotonic()
    with transaction.atomic():
        n, pairs = find_pairs(workspace)
        dismissed = set(
            DismissedPair.objects.with_scopes_disabled()
            .filter(workspace=workspace)
            .values_list("contact_a_id", "contact_b_id")
        )
        DuplicateSuggestion.objects.with_scopes_disabled().filter(workspace=workspace).delete()
        DuplicateSuggestion.objects.with_scopes_disabled().bulk_create(
            [
                DuplicateSuggestion(
                    public_id=fast_public_id(),
                    workspace=workspace,
                    contact_a_id=a,
                    contact_b_id=b,
                    reasons=sorted(reasons),
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
