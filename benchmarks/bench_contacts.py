"""Contacts at scale: CSV import (PostgreSQL vs a raw COPY + index build, and SQLite),
re-import of unchanged rows, substring search, exact email lookup and a segment count.

    python benchmarks/bench_contacts.py [--contacts 1000000] [--only name]

The CSV (Japanese and English names, phones, tags, a consent column) is generated in a
temporary directory and deleted afterwards; nothing is committed.
"""

from __future__ import annotations

import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
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

# The database is dropped and created again as f"{PG_DB}_{rows}" (several people benchmarking on
# one server give their own prefix).
PG_DB = os.environ.get("BENCH_CONTACTS_DB", "bench_contacts")
SQLITE_WORKER_ENV = "BENCH_CONTACTS_SQLITE_WORKER"
FAMILY = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤"]
GIVEN = ["花子", "太郎", "陽菜", "蓮", "結衣", "大翔", "美咲", "翔太", "さくら", "健"]
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
TAGS = [
    "vip",
    "webinar-2024",
    "newsletter",
    "セミナー参加",
    "購入者",
    "trial",
    "coaching",
    "early-bird",
    "オンライン講座",
    "beta",
]


def generate_csv(path: Path, n: int) -> None:
    rnd = random.Random(42)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Email", "First Name", "Last Name", "Phone", "Tags", "Subscribed"])
        for i in range(n):
            if i % 2:
                first, last = rnd.choice(GIVEN), rnd.choice(FAMILY)
            else:
                first, last = rnd.choice(FIRST), rnd.choice(LAST)
            phone = f"090-{rnd.randrange(10000):04d}-{i % 10000:04d}" if i % 3 == 0 else ""
            tags = "|".join(rnd.sample(TAGS, rnd.choice((1, 1, 2, 3))))
            w.writerow(
                [
                    f"person{i}@example{i % 97}.com",
                    first,
                    last,
                    phone,
                    tags,
                    "yes" if i % 3 == 1 else "no",
                ]
            )


MAPPING = {
    "Email": "email",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Phone": "phone",
    "Tags": "tags",
    "Subscribed": "consent",
}


def run_import(workspace: Any, csv_path: Path, owner: Any) -> tuple[float, Any]:
    from terakoya.contacts.imports import services

    started = time.perf_counter()
    with csv_path.open("rb") as fh:
        job = services.create_import(
            workspace, uploaded_file=fh, filename=csv_path.name, actor=owner
        )
    services.set_mapping(
        workspace,
        job,
        mapping=MAPPING,
        options={"consent_source": "benchmark signup"},
        actor=owner,
    )
    job = services.execute_import(workspace, job, actor=owner)
    return time.perf_counter() - started, job


def make_workspace() -> tuple[Any, Any]:
    from django_scopes import scopes_disabled

    from terakoya.staff.models import User
    from terakoya.workspaces.services import create_workspace

    with scopes_disabled():
        owner = User.objects.create_user("bench@example.com", "bench password 1234")
        ws = create_workspace(
            name="Bench",
            slug="bench",
            owner=owner,
            default_language="ja",
            time_zone="Asia/Tokyo",
            is_default=True,
        )
    return ws, owner


def sqlite_worker(db_path: str, csv_path: str) -> None:
    """Runs in its own process, configured for a fresh SQLite database."""
    setup_django(f"sqlite:///{db_path}")
    from django_scopes import scopes_disabled

    ws, owner = make_workspace()
    with scopes_disabled():
        seconds, job = run_import(ws, Path(csv_path), owner)
    print(json.dumps({"seconds": seconds, "created": job.created_count}), flush=True)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def checkpoint() -> None:
    """Start each timed PostgreSQL section with the WAL checkpointed, so that neither the import
    nor its baseline pays for the other's full-page writes."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CHECKPOINT")


def export_final_rows(tmp: Path) -> dict[str, Path]:
    """Copy out every row the import wrote (contacts, their tags and consent events) to files,
    for the baseline below (not timed)."""
    from django.db import connection

    from terakoya.contacts.models import ConsentEvent, Contact, ContactTag

    connection.ensure_connection()
    raw = connection.connection
    files: dict[str, Path] = {}
    for model in (Contact, ContactTag, ConsentEvent):
        table = model._meta.db_table
        path = tmp / f"{table}.tsv"
        with raw.cursor() as cur, path.open("wb") as fh:
            with cur.copy(f"COPY (SELECT * FROM {table} ORDER BY id) TO STDOUT") as cp:  # noqa: S608
                for data in cp:
                    fh.write(data)
        files[table] = path
    raw.commit()
    return files


def baseline_copy(files: dict[str, Path]) -> float:
    """COPY the same final rows into index-less copies of the tables, then build every index
    the real tables have (the trigram GIN included)."""
    from django.db import connection

    raw = connection.connection
    with raw.cursor() as cur:
        index_defs: list[str] = []
        for real in files:
            base = f"base_{real}"
            cur.execute(f"DROP TABLE IF EXISTS {base}")
            cur.execute(f"CREATE UNLOGGED TABLE {base} (LIKE {real} INCLUDING DEFAULTS)")
            cur.execute(f"ALTER TABLE {base} SET LOGGED")
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [real])
            for name, definition in cur.fetchall():
                index_defs.append(
                    definition.replace(f"INDEX {name} ON", f"INDEX base_{name} ON").replace(
                        f"public.{real} ", f"public.{base} "
                    )
                )
        raw.commit()
        checkpoint()
        started = time.perf_counter()
        for real, path in files.items():
            with cur.copy(f"COPY base_{real} FROM STDIN") as cp, path.open("rb") as fh:
                while block := fh.read(1 << 20):
                    cp.write(block)
        for definition in index_defs:
            cur.execute(definition)
        for real in files:
            cur.execute(f"ANALYZE base_{real}")
        raw.commit()
        seconds = time.perf_counter() - started
        for real in files:
            cur.execute(f"DROP TABLE base_{real}")
        raw.commit()
    return seconds


def contact_count(ws: Any) -> int:
    from terakoya.contacts.models import Contact

    return Contact.objects.filter(workspace=ws).count()


def measure_page(ws: Any, owner: Any, queries: list[str], only: str) -> None:
    """The whole contacts page with a search, through the Django test client."""
    from django.core.cache import cache
    from django.test import Client, override_settings
    from django.urls import NoReverseMatch, reverse

    from terakoya.contacts.listing import count_cache_key

    with override_settings(STORAGES=PLAIN_STATIC):
        _measure_page(
            ws, owner, queries, only, Client, NoReverseMatch, reverse, cache, count_cache_key
        )


PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def _measure_page(
    ws: Any,
    owner: Any,
    queries: list[str],
    only: str,
    Client: Any,
    NoReverseMatch: Any,
    reverse: Any,
    cache: Any,
    count_cache_key: Any,
) -> None:
    try:
        list_url = reverse("dashboard:contacts:list", kwargs={"workspace_slug": ws.slug})
    except NoReverseMatch:
        list_url = ""
    if list_url and (not only or "page" in only or "search" in only):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(owner)
        count_url = reverse("dashboard:contacts:count", kwargs={"workspace_slug": ws.slug})
        page_samples = []
        home_samples = []
        count_samples = []
        for q in queries:
            for repeat in range(25):
                t0 = time.perf_counter()
                response = client.get(list_url, {"q": q})
                elapsed = time.perf_counter() - t0
                assert response.status_code == 200, response.status_code
                if repeat >= 5:
                    page_samples.append(elapsed)
            # The count the page asks for once shown; its cached figure is dropped first, so
            # this is the uncached cost (a second look within a minute is served from the cache).
            for _repeat in range(5):
                cache.delete(count_cache_key(ws, {"q": q}))
                t0 = time.perf_counter()
                assert client.get(count_url, {"q": q}).status_code == 200
                count_samples.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            client.get(reverse("dashboard:home", kwargs={"workspace_slug": ws.slug}))
            home_samples.append(time.perf_counter() - t0)
        page_p95 = p95(page_samples) * 1000
        emit(
            "contacts_page_search_p95_postgres",
            page_p95,
            "ms",
            baseline_name="dashboard_home_p95",
            baseline_value=p95(home_samples) * 1000,
            target="<= 100 ms for the whole contacts page with a search",
            ok=page_p95 <= 100,
            rows=contact_count(ws),
        )
        emit(
            "contacts_search_count_request_p95_postgres",
            p95(count_samples) * 1000,
            "ms",
            baseline_name="contacts_page_search_p95",
            baseline_value=page_p95,
            target="no target: the match count the page loads after it is shown (uncached)",
            ok=True,
            rows=contact_count(ws),
        )


def main() -> None:
    if os.environ.get(SQLITE_WORKER_ENV):
        worker_db, worker_csv = os.environ[SQLITE_WORKER_ENV].split("|")
        sqlite_worker(worker_db, worker_csv)
        return
    args = parse_args(__doc__ or "")
    n = args.contacts
    only = args.only
    with tempfile.TemporaryDirectory(prefix="bench-contacts-") as tmpdir:
        tmp = Path(tmpdir)
        csv_path = tmp / "contacts.csv"
        generate_csv(csv_path, n)
        print(f"# generated {n} rows ({csv_path.stat().st_size / 1e6:.0f} MB)", file=sys.stderr)

        # --- PostgreSQL ------------------------------------------------------------------------
        url = fresh_postgres(f"{PG_DB}_{n}")
        manage(django_env(url), "migrate", "--noinput")
        setup_django(url)
        from django.db import connection
        from django_scopes import scopes_disabled

        from terakoya.contacts.models import Contact, Tag
        from terakoya.contacts.queries import contact_queryset, count_contacts

        ws, owner = make_workspace()
        with scopes_disabled():
            checkpoint()
            import_seconds, job = run_import(ws, csv_path, owner)
            assert job.created_count == n, (job.created_count, job.error_count, job.errors[:3])
            files = export_final_rows(tmp)
            copy_seconds = baseline_copy(files)
            scale = n / 1_000_000
            if not only or "import" in only:
                # Judged by its ratio to the raw COPY + index build of the same rows on the same
                # machine, at 1M rows; below that, fixed costs (migrations' statistics, the
                # first chunk, ANALYZE) weigh more than the rows, so the ratio is reported
                # without a pass mark. The absolute time is the figure's value.
                ratio = import_seconds / copy_seconds
                emit(
                    "contacts_import_postgres",
                    import_seconds,
                    "s",
                    baseline_name="raw_copy_plus_index_build",
                    baseline_value=copy_seconds,
                    target="ratio <= 2 at 1M rows (judged at 1M rows and more; at fewer, "
                    "reported without a pass mark)",
                    ok=ratio <= 2 if n >= 1_000_000 else None,
                    rows=n,
                )
            reimport_seconds, job2 = run_import(ws, csv_path, owner)
            assert job2.unchanged_count == n, (job2.unchanged_count, job2.updated_count)
            if not only or "reimport" in only or "import" in only:
                emit(
                    "contacts_reimport_unchanged_postgres",
                    reimport_seconds,
                    "s",
                    baseline_name="first_import",
                    baseline_value=import_seconds,
                    target=f"<= {60 * scale:g} s at {n} rows (60 s at 1M)",
                    ok=reimport_seconds <= 60 * max(scale, 0.1),
                    rows=n,
                )

            # --- search ------------------------------------------------------------------------
            connection.close()
            queries = [
                "person12345",
                "clarke",
                "花子 山田",
                "さくら",
                "9012",
                "example42.com",
                "son99",
                "olivia",
            ]
            db_samples: list[float] = []
            base_samples: list[float] = []
            for q in queries:
                for repeat in range(40):
                    t0 = time.perf_counter()
                    list(contact_queryset(ws, q=q)[:50])
                    elapsed = time.perf_counter() - t0
                    if repeat >= 20:
                        db_samples.append(elapsed)
                t_list = []
                for _r in range(20):
                    t0 = time.perf_counter()
                    list(
                        Contact.objects.filter(workspace=ws, deleted_at__isnull=True).order_by(
                            "-created_at", "-id"
                        )[:50]
                    )
                    t_list.append(time.perf_counter() - t0)
                base_samples.extend(t_list)
            search_p95 = p95(db_samples) * 1000
            if not only or "search" in only:
                emit(
                    "contacts_search_p95_postgres",
                    search_p95,
                    "ms",
                    baseline_name="unfiltered_first_page_p95",
                    baseline_value=p95(base_samples) * 1000,
                    target="<= 50 ms (3+ character substrings, after 20 repeats on one connection)",
                    ok=search_p95 <= 50,
                    rows=n,
                    queries=queries,
                )
            try:
                measure_page(ws, owner, queries, only)
            except Exception as exc:  # the page belongs to another part; never lose the rest
                print(f"# contacts page not measured: {exc!r}", file=sys.stderr)

            # --- exact email lookup --------------------------------------------------------------
            rnd = random.Random(7)
            lookups = []
            for _i in range(500):
                email = f"person{rnd.randrange(n)}@example{rnd.randrange(97)}.com"
                t0 = time.perf_counter()
                Contact.objects.filter(workspace=ws, email=email).first()
                lookups.append(time.perf_counter() - t0)
            pk_lookups = []
            for _i in range(200):
                t0 = time.perf_counter()
                Contact.objects.filter(pk=rnd.randrange(1, n)).first()
                pk_lookups.append(time.perf_counter() - t0)
            email_p95 = p95(lookups[20:]) * 1000
            if not only or "email" in only:
                emit(
                    "contacts_email_lookup_p95_postgres",
                    email_p95,
                    "ms",
                    baseline_name="primary_key_lookup_p95",
                    baseline_value=p95(pk_lookups) * 1000,
                    target="<= 2 ms",
                    ok=email_p95 <= 2,
                    rows=n,
                )

            # --- segment count -------------------------------------------------------------------
            tag = Tag.objects.get(workspace=ws, name="vip")
            seg_samples = []
            filters: dict[str, Any] = {
                "tag": tag,
                "consent": "subscribed",
                "created_from": "2000-01-01",
            }
            for repeat in range(25):
                t0 = time.perf_counter()
                count = count_contacts(ws, **filters)
                if repeat >= 5:
                    seg_samples.append(time.perf_counter() - t0)
            plain = []
            for _r in range(5):
                t0 = time.perf_counter()
                Contact.objects.filter(workspace=ws).count()
                plain.append(time.perf_counter() - t0)
            seg_p95 = p95(seg_samples)
            if not only or "segment" in only:
                emit(
                    "contacts_segment_count_p95_postgres",
                    seg_p95 * 1000,
                    "ms",
                    baseline_name="count_all_contacts",
                    baseline_value=p95(plain) * 1000,
                    target="<= 1000 ms (tag + consent + created date)",
                    ok=seg_p95 <= 1,
                    rows=n,
                    matched=count,
                )
        connection.close()

        # --- SQLite --------------------------------------------------------------------------
        if not only or "sqlite" in only or "import" in only:
            db_path = tmp / "bench.sqlite3"
            sqlite_url = f"sqlite:///{db_path}"
            manage(django_env(sqlite_url), "migrate", "--noinput")
            env = django_env(sqlite_url, **{SQLITE_WORKER_ENV: f"{db_path}|{csv_path}"})
            out = subprocess.run(
                [sys.executable, __file__], env=env, check=True, capture_output=True, text=True
            )
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            sqlite_seconds = figures["seconds"]
            assert figures["created"] == n, figures
            emit(
                "contacts_import_sqlite",
                sqlite_seconds,
                "s",
                baseline_name="contacts_import_postgres",
                baseline_value=import_seconds,
                target=f"<= {45 * scale:g} s at {n} rows (45 s at 1M)",
                ok=sqlite_seconds <= 45 * max(scale, 0.1),
                rows=n,
            )


if __name__ == "__main__":
    main()
