"""The import loader's own formats: rows in COPY text, tags in one staged column."""

from __future__ import annotations

import pytest
from django.db import connection

from terakoya.contacts.imports.loader import TAG_SEPARATOR, copy_text
from terakoya.contacts.imports.parsing import split_tags

TRICKY = [
    ("a\tb", "line\nbreak", None, 42),
    ("back\\slash", "cr\rhere", "山田 花子", -1),
    ("", "\\N", '=HYPERLINK("x")', 0),
]


def test_copy_text_escapes_what_copy_would_misread():
    # when tricky values are formatted
    text = copy_text(TRICKY).decode()

    # then one line per row, tabs only between fields, and every special character escaped
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == 4
    assert lines[0] == "a\\tb\tline\\nbreak\t\\N\t42"
    assert lines[1] == "back\\\\slash\tcr\\rhere\t山田 花子\t-1"
    assert lines[2] == '\t\\\\N\t=HYPERLINK("x")\t0'


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_text_round_trips_through_postgresql():
    # given the tricky rows copied into a table
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE copy_check (a text, b text, c text, d bigint)")
        with cur.cursor.copy("COPY copy_check FROM STDIN") as copy:
            copy.write(copy_text(TRICKY))
        # when read back
        cur.execute("SELECT a, b, c, d FROM copy_check")
        rows = cur.fetchall()

    # then they are exactly what was written
    assert rows == TRICKY


def test_no_tag_can_contain_the_separator():
    # given a tag cell with the separator inside a name
    tags = split_tags(f"vip{TAG_SEPARATOR}member, セミナー参加")

    # then cleaning splits on it (it is whitespace to str.split), so joining is unambiguous
    assert all(TAG_SEPARATOR not in tag for tag in tags)
    assert "セミナー参加" in tags
