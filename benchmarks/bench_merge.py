"""Duplicate suggestions at scale (PostgreSQL): the background job that fills "Possible
duplicates", against a plain full scan + GROUP BY of the same contacts table measured in the
same run; plus one merge of two contacts with a long history against a plain UPDATE.

    python benchmarks/bench_merge.py [--contacts 1000000] [--only suggestions|merge]

Every 50th contact gets a twin (Gmail dot/+tag variant, same phone, same name in another
script), so the job has real pairs to find. Target: ≤ 5 minutes at 1,000,000 contacts.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (  # noqa: E402
    django_env,
    emit,
    fresh_postgres,
    manage,
    parse_args,
    setup_django,
)

PG_DB = "bench_merge"
FAMILY = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤"]
KANJI = "花子太郎陽菜蓮結衣大翔美咲翔健一二三四五六七八九十明香里奈真由希光"
FIRST = ["Emma", "Olivia", "Liam", "Noah", "Ava", "Mia", "Lucas", "Ethan", "Grace", "Leo"]
LAST = [
    "Clarke",
    "Smith",
    "Brown",
    "Taylor",
    "Wilson",
    "Evans",
    "Walker",
    "Wright",
    "Hall",
    "Green",
]
TWIN_EVERY = 50
TARGET_SECONDS_AT_1M = 300.0


def make_contacts(workspace: Any, n: int) -> int:
    from terakoya.contacts.models import Contact

    rnd = random.Random(7)
    batch: list[Contact] = []
    twins = 0
    for i in range(n):
        if i % 2:
            first = "".join(rnd.choice(KANJI) for _ in range(2))
            last = rnd.choice(FAMILY)
        else:
            first, last = f"{rnd.choice(FIRST)}{i % 1000}", rnd.choice(LAST)
        phone = f"+8190{i:08d}" if i % 3 == 0 else ""
        email = f"person.{i}@gmail.com" if i % 5 == 0 else f"person{i}@example{i % 97}.com"
        batch.append(
            Contact(workspace=workspace, email=email, first_name=first, last_name=last, phone=phone)
        )
        if i % TWIN_EVERY == 0:
            twins += 1
            twin_email = (
                f"person{i}+shop@gmail.com" if i % 5 == 0 else f"Person{i}.alt@example{i % 97}.com"
            )
            batch.append(
                Contact(
                    workspace=workspace,
                    email=twin_email.lower(),
                    first_name=first,
                    last_name=last,
                    phone=phone or f"+8180{i:08d}",
                )
            )
        if len(batch) >= 5000:
            for c in batch:
                c.search_text = c.build_search_text()
            Contact.objects.bulk_create(batch, batch_size=5000)
            batch = []
    if batch:
        for c in batch:
            c.search_text = c.build_search_text()
        Contact.objects.bulk_create(batch, batch_size=5000)
    return twins


def baseline_scan(workspace: Any) -> float:
    """A plain pass over the same table: read the same columns, GROUP BY phone."""
    from django.db.models import Count

    from terakoya.contacts.models import Contact

    started = time.perf_counter()
    rows = Contact.objects.filter(workspace=workspace).values_list(
        "pk", "email", "first_name", "last_name", "phone"
    )
    count = sum(1 for _ in rows.iterator(chunk_size=20_000))
    groups = list(
        Contact.objects.filter(workspace=workspace)
        .exclude(phone="")
        .values("phone")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("phone", "n")
    )
    assert count and groups is not None
    return time.perf_counter() - started


def bench_suggestions(workspace: Any, n: int, twins: int) -> None:
    from terakoya.contacts.merge.tasks import compute_duplicate_suggestions

    baseline = baseline_scan(workspace)
    started = time.perf_counter()
    # The background job itself (the test/bench task backend runs it at enqueue).
    compute_duplicate_suggestions.enqueue(workspace.pk)
    seconds = time.perf_counter() - started
    from terakoya.contacts.merge.models import DuplicateSuggestion, SuggestionRun

    pairs = DuplicateSuggestion.objects.filter(workspace=workspace).count()
    run = SuggestionRun.objects.filter(workspace=workspace).first()
    target = TARGET_SECONDS_AT_1M * max(1.0, n / 1_000_000)
    emit(
        "merge.duplicate_suggestions",
        seconds,
        "s",
        baseline_name="full scan of the same columns + GROUP BY phone",
        baseline_value=baseline,
        target=f"≤ {TARGET_SECONDS_AT_1M:.0f} s at 1,000,000 contacts (background job)",
        ok=seconds <= target and pairs >= twins,
        contacts=run.contacts if run else None,
        pairs=pairs,
        planted_twins=twins,
    )


def bench_merge(workspace: Any) -> None:
    """One merge of two contacts whose history is 20,000 activity rows + 2,000 tags."""
    from django.db import connection

    from terakoya.activity.models import ActivityEvent
    from terakoya.contacts.merge.services import merge_contacts
    from terakoya.contacts.models import Contact, ContactTag, Tag

    rows = 20_000
    p = Contact.objects.create(workspace=workspace, email="bench-primary@example.org")
    s = Contact.objects.create(workspace=workspace, email="bench-secondary@example.org")
    c = Contact.objects.create(workspace=workspace, email="bench-control@example.org")
    for who in (s, c):
        ActivityEvent.objects.bulk_create(
            [
                ActivityEvent(workspace=workspace, verb="bench.event", contact=who)
                for _ in range(rows)
            ],
            batch_size=5000,
        )
    tags = Tag.objects.bulk_create(
        [Tag(workspace=workspace, name=f"bench-{i}") for i in range(2000)]
    )
    ContactTag.objects.bulk_create(
        [ContactTag(workspace=workspace, contact=s, tag=t) for t in tags]
    )
    # Baseline: the bare UPDATE that moves the same number of rows (no journal, no checks).
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE activity_activityevent SET contact_id = %s WHERE contact_id = %s", [p.pk, c.pk]
        )
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    merge_contacts(
        workspace,
        contact_ids=[p.public_id, s.public_id],
        primary_id=p.public_id,
        confirm_email=p.email,
        actor="benchmark",
    )
    seconds = time.perf_counter() - started
    emit(
        "merge.merge_two_contacts_22k_rows",
        seconds,
        "s",
        baseline_name="bare UPDATE of 20,000 activity rows",
        baseline_value=baseline,
        target="≤ 30 s for a contact with 22,000 related rows (journaled, one transaction)",
        ok=seconds <= 30,
    )


def main() -> None:
    args = parse_args(__doc__ or "")
    url = fresh_postgres(PG_DB)
    env = django_env(url)
    manage(env, "migrate", "--noinput")
    # The job runs in this process, exactly as the worker would run it.
    os.environ["TERAKOYA_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    setup_django(url)
    from django_scopes import scopes_disabled

    from terakoya.workspaces.models import Workspace

    with scopes_disabled():
        workspace = Workspace.objects.create(name="Bench", slug="bench", default_language="ja")
        twins = make_contacts(workspace, args.contacts)
        if args.only in ("", "suggestions"):
            bench_suggestions(workspace, args.contacts, twins)
        if args.only in ("", "merge"):
            bench_merge(workspace)


if __name__ == "__main__":
    main()
