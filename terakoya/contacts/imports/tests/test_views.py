from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse

from terakoya.contacts.imports import services
from terakoya.contacts.imports.models import ImportJob, ImportStatus
from terakoya.contacts.imports.tests.helpers import csv_bytes, run_file
from terakoya.contacts.models import Contact
from terakoya.core.factories import MembershipFactory
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db

CP932 = "メールアドレス,姓,名,タグ\nhanako@example.jp,山田,花子,セミナー\nbad,鈴木,一郎,\n".encode(
    "cp932"
)


def url(name, workspace, *args):
    return reverse(f"dashboard:contact_imports:{name}", args=[workspace.slug, *args])


def test_upload_map_dry_run_run_and_result(
    workspace, owner_client, django_capture_on_commit_callbacks
):
    # Given the import list with its entry point
    response = owner_client.get(url("list", workspace))
    assert response.status_code == 200 and "Import contacts" in response.content.decode()
    # When a CP932 file is uploaded
    upload = io.BytesIO(CP932)
    upload.name = "名簿.csv"
    response = owner_client.post(url("upload", workspace), {"file": upload})
    job = ImportJob.objects.get(workspace=workspace)
    assert response.status_code == 302 and response["Location"].endswith(f"/{job.public_id}/")
    # Then the mapping page suggests fields and shows example values
    page = owner_client.get(url("detail", workspace, job.public_id)).content.decode()
    assert "山田" in page and 'value="email" selected' in page
    # When the mapping is submitted, the dry run shows counts without writing
    data = {f"col_{i}": job.mapping[h] for i, h in enumerate(job.headers)}
    data["tags"] = "imported"
    response = owner_client.post(url("detail", workspace, job.public_id), data, follow=True)
    page = response.content.decode()
    assert 'id="count-created">1<' in page and 'id="count-errors">1<' in page
    assert Contact.objects.filter(workspace=workspace).count() == 0
    # When the import is run
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url("run", workspace, job.public_id))
    assert response.status_code == 302
    # Then the result page shows the counts, the errors and the rollback button
    page = owner_client.get(url("detail", workspace, job.public_id)).content.decode()
    assert 'id="result-created">1<' in page and "Roll back this import" in page
    assert 'max="100" value="100"' in page
    contact = Contact.objects.get(workspace=workspace)
    assert (contact.last_name, contact.first_name) == ("山田", "花子")
    # And the errors CSV downloads with a BOM and the original columns
    response = owner_client.get(url("errors", workspace, job.public_id))
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffメールアドレス,姓,名,タグ,") and "bad,鈴木,一郎" in body
    # And the progress partial asks htmx to refresh once finished
    response = owner_client.get(url("progress", workspace, job.public_id), HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    # And the rollback, once the number shown is typed, moves the contact to the trash
    page = owner_client.get(url("rollback", workspace, job.public_id)).content.decode()
    assert "1 contact created by this import will be moved to the trash" in page
    response = owner_client.post(
        url("rollback", workspace, job.public_id), {"confirm": "1"}, follow=True
    )
    assert "rolled back" in response.content.decode()
    assert Contact.objects.filter(workspace=workspace, deleted_at__isnull=True).count() == 0


def test_bad_files_and_mappings_show_errors_not_500(workspace, owner_client):
    junk = io.BytesIO(b"\x00\xff\x00junk" * 50)
    junk.name = "junk.csv"
    response = owner_client.post(url("upload", workspace), {"file": junk})
    assert response.status_code == 200 and "binary data" in response.content.decode()
    job = services.create_import(
        workspace, uploaded_file=csv_bytes("name\nA\n"), filename="n.csv", actor=None
    )
    response = owner_client.post(url("detail", workspace, job.public_id), {"col_0": "full_name"})
    assert response.status_code == 200 and "email address" in response.content.decode()
    response = owner_client.post(url("detail", workspace, job.public_id), {"col_0": "not-a-field"})
    assert response.status_code == 200
    response = owner_client.post(url("run", workspace, job.public_id), follow=True)
    assert response.status_code == 200 and "Map the columns first" in response.content.decode()


def test_pages_in_japanese(workspace, owner_client):
    owner_client.cookies["terakoya_language"] = "ja"
    job = services.create_import(
        workspace, uploaded_file=io.BytesIO(CP932), filename="a.csv", actor=None
    )
    page = owner_client.get(
        url("detail", workspace, job.public_id), HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()
    assert "列" in page and "メールアドレス" in page
    page = owner_client.get(url("list", workspace), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "連絡先をインポート" in page


def test_another_workspace_cannot_see_or_touch_the_import(workspace, other_workspace, owner):
    # Given an import in the first workspace and an owner of the second
    job = run_file(workspace, "email\na@example.com\n", actor=owner)
    other_owner = MembershipFactory(workspace=other_workspace, role=Role.OWNER).user
    client = Client()
    client.force_login(other_owner)
    # Then through the second workspace's URLs every page of that job is a 404
    for name in ("detail", "progress", "errors"):
        assert client.get(url(name, other_workspace, job.public_id)).status_code == 404
    for name in ("run", "rollback"):
        assert client.post(url(name, other_workspace, job.public_id)).status_code == 404
    # And through the first workspace's URLs it is a 404 too (not a member)
    assert client.get(url("detail", workspace, job.public_id)).status_code == 404
    # And the second workspace's list does not show it
    assert job.original_name not in client.get(url("list", other_workspace)).content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE


def test_support_agents_cannot_import(workspace):
    agent = MembershipFactory(workspace=workspace, role=Role.SUPPORT).user
    client = Client()
    client.force_login(agent)
    assert client.get(url("list", workspace)).status_code == 403


def test_large_files_are_checked_in_the_background(
    workspace, owner_client, settings, django_capture_on_commit_callbacks, monkeypatch
):
    # Given a file larger than what is checked during the request
    monkeypatch.setattr(services, "INLINE_DRY_RUN_ROWS", 1)
    job = services.create_import(
        workspace,
        uploaded_file=csv_bytes("email\na@example.com\nb@example.com\n"),
        filename="big.csv",
        actor=None,
    )
    # When the mapping is submitted
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        owner_client.post(url("detail", workspace, job.public_id), {"col_0": "email"})
    # Then the page says it is checking and refreshes itself
    page = owner_client.get(url("detail", workspace, job.public_id)).content.decode()
    assert 'id="checking"' in page and 'http-equiv="refresh"' in page
    # And once the task ran, the counts are there
    for callback in callbacks:
        callback()
    page = owner_client.get(url("detail", workspace, job.public_id)).content.decode()
    assert 'id="count-created">2<' in page and 'id="checking"' not in page


def test_large_imports_are_rolled_back_in_the_background(
    workspace, owner_client, owner, django_capture_on_commit_callbacks, monkeypatch
):
    # Given an import larger than what is rolled back during the request
    monkeypatch.setattr(services, "INLINE_ROLLBACK_ROWS", 1)
    job = run_file(workspace, "email\na@example.com\nb@example.com\n", actor=owner)
    # When the owner rolls it back
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner_client.post(
            url("rollback", workspace, job.public_id), {"confirm": "2"}, follow=True
        )
    # Then the page shows it is rolling back and keeps polling
    page = response.content.decode()
    assert "being rolled back" in page and "hx-trigger" in page
    assert Contact.objects.filter(workspace=workspace).count() == 2
    # And once the task ran, the contacts are in the trash
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == ImportStatus.ROLLED_BACK
    assert Contact.objects.filter(workspace=workspace, deleted_at__isnull=True).count() == 0
    assert Contact.objects.filter(workspace=workspace).count() == 2


@pytest.mark.parametrize("chunk_rows", [50_000, 1], ids=["same-chunk", "across-chunks"])
def test_a_repeated_email_in_the_file_updates_the_same_contact(
    workspace,
    other_workspace,
    owner_client,
    django_capture_on_commit_callbacks,
    monkeypatch,
    chunk_rows,
):
    # Given a file where an email comes back in capitals, with other tags and the blank filled,
    # and an existing contact repeated too; chunks of `chunk_rows` lines
    from terakoya.catalog.models import Grant, Offer

    monkeypatch.setattr(services, "FIRST_CHUNK_ROWS", chunk_rows)
    monkeypatch.setattr(services, "CHUNK_ROWS", chunk_rows)
    existing = Contact.objects.create(workspace=workspace, email="old@example.com")
    theirs = Contact.objects.create(workspace=other_workspace, email="john.smith@example.com")
    offer = Offer.objects.create(workspace=workspace, name="Course")
    text = (
        "email,first_name,last_name,tags\n"
        "john.smith@example.com,John,,alpha\n"
        "old@example.com,,Old,one\n"
        "JOHN.SMITH@example.com,Johnny,Smith,beta\n"
        "Old@Example.com,Olga,,two\n"
        "john.smith@EXAMPLE.com,,,gamma\n"
    )
    upload = io.BytesIO(text.encode())
    upload.name = "dupes.csv"
    owner_client.post(url("upload", workspace), {"file": upload})
    job = ImportJob.objects.get(workspace=workspace)
    data = {f"col_{i}": job.mapping[h] for i, h in enumerate(job.headers)}
    data["offers"] = [offer.public_id]
    # When the file is checked
    page = owner_client.post(url("detail", workspace, job.public_id), data, follow=True)
    page = page.content.decode()
    # Then the repeated lines are reported as combined, not as errors
    assert 'id="count-created">1<' in page and 'id="count-errors">0<' in page
    assert 'id="count-combined">3<' in page
    assert "Line 4 (john.smith@example.com): combined with line 2" in page
    assert "Line 6 (john.smith@example.com): combined with line 2" in page
    # When it is run
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url("run", workspace, job.public_id))
    job.refresh_from_db()
    # Then one contact got every line's tags, its blanks filled, and one grant
    assert (job.created_count, job.updated_count, job.error_count) == (1, 1, 0)
    john = Contact.objects.get(workspace=workspace, email="john.smith@example.com")
    assert (john.first_name, john.last_name) == ("John", "Smith")
    assert set(john.contact_tags.values_list("tag__name", flat=True)) == {"alpha", "beta", "gamma"}
    assert Grant.objects.filter(contact=john).count() == 1
    existing.refresh_from_db()
    assert (existing.first_name, existing.last_name) == ("Olga", "Old")
    assert set(existing.contact_tags.values_list("tag__name", flat=True)) == {"one", "two"}
    assert Grant.objects.filter(contact=existing).count() == 1
    # And the result page says so
    page = owner_client.get(url("detail", workspace, job.public_id)).content.decode()
    assert 'id="result-combined">3<' in page and "combined with line 2" in page
    # And the same email in another workspace is untouched
    theirs.refresh_from_db()
    assert (theirs.first_name, theirs.contact_tags.count()) == ("", 0)


def test_a_finished_import_is_described_in_the_past_tense(workspace, owner, owner_client):
    # Given a finished import that created and updated contacts
    Contact.objects.create(workspace=workspace, email="old@example.com")
    job = run_file(workspace, "email,first_name\nold@example.com,Old\nnew@example.com,New\n")
    # When its page is opened in Japanese
    owner_client.cookies["terakoya_language"] = "ja"
    page = owner_client.get(
        url("detail", workspace, job.public_id), HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()
    # Then it says what was done, not what will be
    assert "作成した連絡先" in page and "更新した連絡先" in page
    assert "される連絡先" not in page
    # And in English too
    owner_client.cookies["terakoya_language"] = "en"
    page = owner_client.get(
        url("detail", workspace, job.public_id), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Contacts created" in page and "Contacts updated" in page


def test_duplicates_an_import_creates_are_suggested_once_it_is_done(
    workspace, other_workspace, owner_client, django_capture_on_commit_callbacks
):
    # Given an existing contact, and the same person under another email in another workspace
    Contact.objects.create(
        workspace=workspace, email="john@corp.com", first_name="John", last_name="Smith"
    )
    Contact.objects.create(
        workspace=other_workspace, email="j.smith@corp.com", first_name="John", last_name="Smith"
    )
    # And a file bringing the same person under another address
    job = services.create_import(
        workspace,
        uploaded_file=csv_bytes("email,first_name,last_name\njsmith@corp.com,John,Smith\n"),
        filename="people.csv",
        actor=None,
    )
    owner_client.post(
        url("detail", workspace, job.public_id),
        {"col_0": "email", "col_1": "first_name", "col_2": "last_name"},
    )
    # When the import is run through the page (its task and what it queues run)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url("run", workspace, job.public_id))
    # Then the possible duplicates page already suggests the pair, and only this workspace's
    page = owner_client.get(
        reverse("dashboard:contact_merge:duplicates", args=[workspace.slug])
    ).content.decode()
    assert "john@corp.com" in page and "jsmith@corp.com" in page
    assert "j.smith@corp.com" not in page


def _checked_page(client, workspace, content: bytes) -> str:  # type: ignore[no-untyped-def]
    """Upload `content`, keep the suggested mapping and return the dry run's page."""
    upload = io.BytesIO(content)
    upload.name = "file.csv"
    response = client.post(url("upload", workspace), {"file": upload})
    assert response.status_code == 302, response.content.decode()
    job = ImportJob.objects.filter(workspace=workspace).first()
    data = {f"col_{i}": job.mapping[h] for i, h in enumerate(job.headers)}
    response = client.post(url("detail", workspace, job.public_id), data, follow=True)
    return response.content.decode()


def test_line_numbers_count_rows_as_a_spreadsheet_does(workspace, owner_client):
    # Given a quoted name with a line break on row 2 and a bad email on row 3
    text = 'email,name\na@example.com,"Emma\nClarke"\nbad-email,X\n'
    # When it is checked
    page = _checked_page(owner_client, workspace, text.encode())
    # Then the bad line is reported as row 3, as Excel shows it, not as physical line 4
    assert "<td>3</td><td>bad-email</td>" in page
    assert "<td>4</td>" not in page


def test_an_unclosed_quote_is_a_warning_in_the_dry_run(workspace, owner_client):
    # Given a quote that is never closed: the csv reader swallows the rest of the file
    text = 'email,name\na@example.com,"Emma\nb@example.com,Bob\nc@example.com,Cy\n'
    # When it is checked
    page = _checked_page(owner_client, workspace, text.encode())
    # Then the page warns about line 2 instead of silently showing one garbled row
    assert "data-warning" in page and "Line 2 has a cell that runs over 3 lines" in page
    # And a well-formed file with a quoted line break gets no warning
    ImportJob.objects.all().delete()
    page = _checked_page(owner_client, workspace, b'email,name\na@example.com,"Emma\nClarke"\n')
    assert "data-warning" not in page


def test_latin1_bytes_read_as_shift_jis_are_a_warning_in_the_dry_run(workspace, owner_client):
    # Given an ASCII file with a few Latin-1 bytes (é, ñ): not UTF-8, so read as Shift_JIS
    text = (
        b"email,first_name\nrenee@example.com,Ren\xe9e\nmax@example.com,Max\n"
        b"m@example.com,Mu\xf1oz\n"
    )
    # When it is checked
    page = _checked_page(owner_client, workspace, text)
    # Then the page warns that the names on lines 2 and 4 may be garbled
    assert "data-warning" in page and "names on lines 2, 4 may come out garbled" in page
    # And a real Shift_JIS file gets no warning
    ImportJob.objects.all().delete()
    assert "data-warning" not in _checked_page(owner_client, workspace, CP932)


def test_a_ghost_note_becomes_the_contact_note(
    workspace, other_workspace, owner_client, django_capture_on_commit_callbacks
):
    # Given a contact with a note, one without, and a contact of another workspace
    Contact.objects.create(workspace=workspace, email="kept@example.com", note="Own words")
    blank = Contact.objects.create(workspace=workspace, email="blank@example.com")
    theirs = Contact.objects.create(workspace=other_workspace, email="new@example.com")
    # And a Ghost member export with notes (one over two lines)
    text = (
        "id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,"
        "created_at,deleted_at,labels,tiers\n"
        '1,new@example.com,Hana Sato,"Met at the Tokyo seminar\nPrefers email",false,,,,,,\n'
        "2,kept@example.com,,From Ghost,false,,,,,,\n"
        "3,blank@example.com,,Filled by Ghost,false,,,,,,\n"
    )
    upload = io.BytesIO(text.encode())
    upload.name = "ghost.csv"
    owner_client.post(url("upload", workspace), {"file": upload})
    job = ImportJob.objects.get(workspace=workspace)
    # Then the note column is mapped to the contact note
    assert job.preset == "ghost" and job.mapping["note"] == "note"
    data = {f"col_{i}": job.mapping[h] for i, h in enumerate(job.headers)}
    owner_client.post(url("detail", workspace, job.public_id), data)
    # When the import runs
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url("run", workspace, job.public_id))
    # Then the new contact has the note, shown on its page
    new = Contact.objects.get(workspace=workspace, email="new@example.com")
    assert new.note == "Met at the Tokyo seminar\nPrefers email"
    page = owner_client.get(
        reverse("dashboard:contacts:detail", args=[workspace.slug, new.public_id])
    ).content.decode()
    assert "Met at the Tokyo seminar" in page
    # And a blank note is filled, an existing one is not overwritten
    blank.refresh_from_db()
    assert blank.note == "Filled by Ghost"
    assert Contact.objects.get(workspace=workspace, email="kept@example.com").note == "Own words"
    # And the other workspace's contact of the same email is untouched
    theirs.refresh_from_db()
    assert theirs.note == ""
