from __future__ import annotations

import codecs
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection  # noqa: F401  (read by the skipif conditions)

from terakoya.activity.models import ActivityEvent
from terakoya.catalog.models import Grant, Offer
from terakoya.contacts.imports import services
from terakoya.contacts.imports.models import ImportStatus
from terakoya.contacts.imports.tests.helpers import csv_bytes, run_file
from terakoya.contacts.models import ConsentEvent, ConsentState, Contact, ContactTag, Tag
from terakoya.core.factories import ContactFactory

pytestmark = pytest.mark.django_db

JAPANESE = (
    "メールアドレス,氏名,電話番号,タグ\n"
    'hanako@example.jp,山田 花子,090-1234-5678,"セミナー,VIP"\n'
    "taro@example.jp,鈴木太郎,,購入者\n"
)


def test_cp932_file_with_japanese_headers_and_names_is_imported(workspace, owner):
    # Given a Shift_JIS (CP932) file as Excel in Japan saves it
    raw = csv_bytes(JAPANESE, "cp932")
    # When it is uploaded
    job = services.create_import(workspace, uploaded_file=raw, filename="名簿.csv", actor=owner)
    # Then the encoding is detected and the Japanese headers are mapped
    assert job.encoding == "cp932"
    assert job.mapping == {
        "メールアドレス": "email",
        "氏名": "full_name",
        "電話番号": "phone",
        "タグ": "tags",
    }
    services.set_mapping(workspace, job, mapping=job.mapping, options={}, actor=owner)
    services.execute_import(workspace, job, actor=owner)
    # And the names are split family name first, the phone is E.164, tags are split
    hanako = Contact.objects.get(workspace=workspace, email="hanako@example.jp")
    assert (hanako.last_name, hanako.first_name, hanako.phone) == ("山田", "花子", "+819012345678")
    assert hanako.search_text == hanako.build_search_text()
    assert set(ContactTag.objects.filter(contact=hanako).values_list("tag__name", flat=True)) == {
        "セミナー",
        "VIP",
    }
    taro = Contact.objects.get(workspace=workspace, email="taro@example.jp")
    assert (taro.last_name, taro.first_name) == ("鈴木太郎", "")  # not separable without a space
    assert hanako.consent_state == ConsentState.NEVER_SUBSCRIBED


def test_utf8_bom_and_western_names(workspace):
    # Given a UTF-8 file with a BOM and a single Name column
    text = (
        "Email,Name,Phone\nEMMA@Example.com , Emma Clarke,+44 20 7946 0958\n"
        'x@example.com,"Clarke, John",\n'
    )
    job = run_file(workspace, codecs.BOM_UTF8 + text.encode())
    # Then the BOM is not part of the first header and names are split given-name first
    assert job.encoding == "utf-8-sig"
    emma = Contact.objects.get(workspace=workspace, email="emma@example.com")
    assert (emma.first_name, emma.last_name, emma.phone) == ("Emma", "Clarke", "+442079460958")
    john = Contact.objects.get(workspace=workspace, email="x@example.com")
    assert (john.first_name, john.last_name) == ("John", "Clarke")
    # And each new contact has its own creation time, in file order (newest-first lists)
    assert emma.created_at < john.created_at


def test_dry_run_counts_match_the_import_and_write_nothing(workspace, owner):
    # Given one existing contact with a blank phone and a file touching it, a new one, an
    # unchanged one and a bad line
    ContactFactory(workspace=workspace, email="old@example.com", first_name="Old", phone="")
    ContactFactory(workspace=workspace, email="same@example.com", first_name="Same", last_name="X")
    text = (
        "email,first_name,last_name,phone\n"
        "old@example.com,Changed,,090-0000-0000\nnew@example.com,New,,\n"
        "same@example.com,,,\nnot-an-email,,,\n"
    )
    job = services.create_import(
        workspace, uploaded_file=csv_bytes(text), filename="a.csv", actor=owner
    )
    services.set_mapping(workspace, job, mapping=job.mapping, options={}, actor=owner)
    # When the dry run runs
    result = services.dry_run(workspace, job)
    # Then it counts each outcome and shows samples, without writing anything
    assert result["counts"] == {
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "errors": 1,
        "combined": 0,
    }
    assert result["samples"]["updated"][0]["filled"] == ["phone"]
    assert Contact.objects.filter(workspace=workspace).count() == 2
    # And the import does exactly that: blanks filled, nothing overwritten
    services.execute_import(workspace, job, actor=owner)
    job.refresh_from_db()
    assert (job.created_count, job.updated_count, job.unchanged_count, job.error_count) == (
        1,
        1,
        1,
        1,
    )
    old = Contact.objects.get(workspace=workspace, email="old@example.com")
    assert (old.first_name, old.phone) == ("Old", "+819000000000")
    assert old.search_text == old.build_search_text()


def test_rerunning_the_same_file_changes_nothing(workspace, owner):
    # Given a file imported once
    offer = Offer.objects.create(workspace=workspace, name="Course")
    options = {"offers": [offer.public_id], "tags": ["imported"]}
    first = run_file(workspace, JAPANESE, actor=owner, options=options)
    assert first.created_count == 2
    before = (Contact.objects.count(), ContactTag.objects.count(), Grant.objects.count())
    # When the same file is imported again
    second = run_file(workspace, JAPANESE, actor=owner, options=options)
    # Then every row is unchanged and nothing new exists
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 2)
    assert (Contact.objects.count(), ContactTag.objects.count(), Grant.objects.count()) == before


def test_an_import_never_subscribes_an_existing_contact(workspace, owner):
    # Given an existing never-subscribed contact and an unsubscribed one
    never = ContactFactory(workspace=workspace, email="never@example.com")
    gone = ContactFactory(
        workspace=workspace, email="gone@example.com", consent_state=ConsentState.UNSUBSCRIBED
    )
    text = (
        "email,subscribed\nnever@example.com,yes\ngone@example.com,yes\n"
        "fresh@example.com,yes\nno@example.com,no\n"
    )
    # When a file with a consent column is imported with a consent source
    run_file(
        workspace,
        text,
        actor=owner,
        mapping={"subscribed": "consent"},
        options={"consent_source": "2024 seminar"},
    )
    # Then existing contacts keep their state; only the new one is subscribed, with a ledger row
    never.refresh_from_db()
    gone.refresh_from_db()
    assert never.consent_state == ConsentState.NEVER_SUBSCRIBED
    assert gone.consent_state == ConsentState.UNSUBSCRIBED
    fresh = Contact.objects.get(workspace=workspace, email="fresh@example.com")
    assert fresh.consent_state == ConsentState.SUBSCRIBED
    event = ConsentEvent.objects.get(contact=fresh)
    assert (event.method, event.source, event.to_state) == ("import", "2024 seminar", "subscribed")
    assert (
        Contact.objects.get(email="no@example.com").consent_state == ConsentState.NEVER_SUBSCRIBED
    )
    assert ConsentEvent.objects.filter(workspace=workspace).count() == 1


def test_consent_column_needs_a_source_and_is_never_guessed(workspace, owner):
    # Given a Ghost member export (its consent column is not mapped automatically)
    text = (
        "id,email,name,note,subscribed_to_emails,complimentary_plan,labels\n"
        '1,g@example.com,Ghost Member,,true,,"a, b"\n'
    )
    job = services.create_import(
        workspace, uploaded_file=csv_bytes(text), filename="g.csv", actor=owner
    )
    assert job.preset == "ghost"
    assert job.mapping["subscribed_to_emails"] == ""
    assert (job.mapping["labels"], job.mapping["name"]) == ("tags", "full_name")
    # When the consent column is mapped without saying where consent came from
    with pytest.raises(ValidationError):
        services.set_mapping(
            workspace,
            job,
            mapping={**job.mapping, "subscribed_to_emails": "consent"},
            options={},
            actor=owner,
        )
    # Then without consent mapping the contact is imported never-subscribed
    services.set_mapping(workspace, job, mapping=job.mapping, options={}, actor=owner)
    services.execute_import(workspace, job, actor=owner)
    contact = Contact.objects.get(workspace=workspace, email="g@example.com")
    assert contact.consent_state == ConsentState.NEVER_SUBSCRIBED
    assert (contact.first_name, contact.last_name) == ("Ghost", "Member")


def test_kajabi_export_is_recognised(workspace, owner):
    text = (
        "Name,Email,Phone Number,Tags,Offers,Created At\n"
        'Ava Smith,ava@example.com,,"vip, webinar",Course,2024-01-01\n'
    )
    job = services.create_import(
        workspace, uploaded_file=csv_bytes(text), filename="k.csv", actor=owner
    )
    assert job.preset == "kajabi"
    assert job.mapping["Name"] == "full_name" and job.mapping["Tags"] == "tags"
    assert job.mapping["Email"] == "email"


def test_rollback_removes_only_what_the_import_added(workspace, owner):
    # Given an existing contact with a manual tag, and an import that adds a contact, a tag
    # to the existing one and an offer grant to both
    existing = ContactFactory(workspace=workspace, email="keep@example.com", first_name="Keep")
    manual = Tag.objects.create(workspace=workspace, name="manual")
    ContactTag.objects.create(workspace=workspace, contact=existing, tag=manual)
    offer = Offer.objects.create(workspace=workspace, name="Course")
    text = "email,tags\nkeep@example.com,from-import\nnew@example.com,from-import\n"
    job = run_file(workspace, text, actor=owner, options={"offers": [offer.public_id]})
    assert Grant.objects.filter(workspace=workspace).count() == 2
    # When it is rolled back
    summary = services.rollback_import(workspace, job, actor=owner)
    # Then the new contact is in the trash, the added tags and grants are gone and everything
    # else stays
    assert summary == {"contacts": 1, "kept": 0, "tags": 2, "grants": 2}
    live = Contact.objects.filter(workspace=workspace, deleted_at__isnull=True)
    assert list(live.values_list("email", flat=True)) == ["keep@example.com"]
    assert Contact.objects.get(email="new@example.com").deleted_at is not None
    assert list(
        ContactTag.objects.filter(contact=existing).values_list("tag__name", flat=True)
    ) == ["manual"]
    assert not Tag.objects.filter(workspace=workspace, name="from-import").exists()
    assert Grant.objects.filter(workspace=workspace).count() == 0
    job.refresh_from_db()
    assert job.status == ImportStatus.ROLLED_BACK
    # And one activity event per import and per rollback, not per row
    verbs = list(ActivityEvent.objects.filter(workspace=workspace).values_list("verb", flat=True))
    assert verbs.count("contacts.imported") == 1 and verbs.count("contacts.import_rolled_back") == 1
    with pytest.raises(ValidationError):
        services.rollback_import(workspace, job, actor=owner)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01\x02binary\x00junk\xff" * 100,
        codecs.BOM_UTF16_LE + "email\na@b.com\n".encode("utf-16-le"),
        b"email,name\n\x80\x80\x80,\x81\n",
        b"email,name\n",
        b'email,name\na@example.com,"' + b"x" * (10 * 1024 * 1024) + b'"\n',
    ],
    ids=["empty", "binary", "utf16", "wrong-encoding", "no-rows", "10mb-cell"],
)
def test_malformed_files_give_a_clear_error(workspace, owner, content):
    import io

    with pytest.raises(ValidationError) as exc:
        services.create_import(
            workspace, uploaded_file=io.BytesIO(content), filename="x.csv", actor=owner
        )
    assert exc.value.messages and all(m for m in exc.value.messages)


def test_missing_email_column_is_refused_at_mapping(workspace, owner):
    job = services.create_import(
        workspace, uploaded_file=csv_bytes("name,phone\nA,1\n"), filename="x.csv", actor=owner
    )
    with pytest.raises(ValidationError) as exc:
        services.set_mapping(workspace, job, mapping=job.mapping, options={}, actor=owner)
    assert "email" in " ".join(exc.value.messages)
    with pytest.raises(ValidationError):
        services.dry_run(workspace, job)


def test_quoted_newlines_bad_rows_and_errors_csv(workspace, owner):
    # Given a file with a quoted newline in a name, a bad email, a bad phone, a duplicate
    # line and a formula
    text = (
        "email,name,phone\n"
        'multi@example.com,"Emma\nClarke",\n'
        'bad-email,=HYPERLINK("http://evil"),\n'
        "p@example.com,Pat,not a phone\n"
        "multi@example.com,Again,\n"
    )
    job = run_file(workspace, text, actor=owner)
    # Then the good line is imported (the repeated one combined with it) and each bad one is
    # listed with its reason
    assert (job.created_count, job.error_count) == (1, 2)
    assert Contact.objects.get(email="multi@example.com").first_name == "Emma"
    report = services.errors_csv(job)
    lines = report.strip().splitlines()
    assert lines[0].startswith("email,name,phone,")
    assert "'=HYPERLINK" in report  # neutralized for spreadsheets
    assert len(lines) == 3
    # And the errors file can be uploaded again (the error column is ignored)
    again = services.create_import(
        workspace, uploaded_file=csv_bytes(report), filename="e.csv", actor=owner
    )
    assert again.total_rows == 2
    assert list(again.mapping.values()).count("email") == 1


def test_contacts_in_the_trash_are_not_revived(workspace, owner):
    from django.utils import timezone

    ContactFactory(workspace=workspace, email="trashed@example.com", deleted_at=timezone.now())
    job = run_file(workspace, "email,first_name\ntrashed@example.com,Tom\n", actor=owner)
    assert job.error_count == 1 and job.updated_count == 0


def test_jobs_and_contacts_stay_in_their_workspace(workspace, other_workspace, owner):
    # Given the same email in another workspace
    ContactFactory(workspace=other_workspace, email="shared@example.com", first_name="Other")
    # When this workspace imports it
    job = run_file(workspace, "email,first_name\nshared@example.com,Mine\n", actor=owner)
    # Then it is a new contact here and the other workspace's contact is untouched
    assert job.created_count == 1
    assert (
        Contact.objects.get(workspace=other_workspace, email="shared@example.com").first_name
        == "Other"
    )
    # And the other workspace cannot run, map or roll back this job
    with pytest.raises(ValidationError):
        services.rollback_import(other_workspace, job, actor=None)
    with pytest.raises(ValidationError):
        services.set_mapping(other_workspace, job, mapping=job.mapping, options={}, actor=None)
    # And offers of another workspace cannot be granted
    foreign = Offer.objects.create(workspace=other_workspace, name="Theirs")
    job2 = services.create_import(
        workspace, uploaded_file=csv_bytes("email\na@example.com\n"), filename="x.csv", actor=owner
    )
    with pytest.raises(ValidationError):
        services.set_mapping(
            workspace,
            job2,
            mapping=job2.mapping,
            options={"offers": [foreign.public_id]},
            actor=owner,
        )


def test_start_import_runs_in_the_background_task(
    workspace, owner, django_capture_on_commit_callbacks
):
    job = services.create_import(
        workspace,
        uploaded_file=csv_bytes("email\na@example.com\nb@example.com\n"),
        filename="x.csv",
        actor=owner,
    )
    services.set_mapping(workspace, job, mapping=job.mapping, options={}, actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.start_import(workspace, job, actor=owner)
    job.refresh_from_db()
    status = services.import_status(job)
    assert (status["status"], status["processed_rows"], status["percent"], status["created"]) == (
        "done",
        2,
        100,
        2,
    )
    with pytest.raises(ValidationError):
        services.start_import(workspace, job, actor=owner)


def test_errors_csv_round_trip_keeps_phone_numbers(workspace, owner):
    # Given a line that fails only because of its language, with an international phone
    job = run_file(workspace, "email,phone,language\nintl@example.com,+44 20 7946 0958,xx\n")
    assert job.error_count == 1
    report = services.errors_csv(job)
    assert "'+44 20 7946 0958" in report  # guarded for spreadsheets
    # When the fixed file is uploaded again
    fixed = report.replace(",xx,", ",en,")
    again = run_file(workspace, fixed)
    # Then the phone is read back without the guard
    assert again.created_count == 1
    assert (
        Contact.objects.get(workspace=workspace, email="intl@example.com").phone == "+442079460958"
    )


def test_a_generic_file_is_not_taken_for_a_preset(workspace, owner):
    text = "Email,First Name,Last Name,Tags\na@example.com,A,B,x\n"
    job = services.create_import(
        workspace, uploaded_file=csv_bytes(text), filename="g.csv", actor=owner
    )
    assert job.preset == ""
    assert job.mapping == {
        "Email": "email",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Tags": "tags",
    }


def test_a_contact_added_while_a_chunk_is_written_is_left_alone(workspace, owner, monkeypatch):
    # Given a file of new contacts, and staff adding one of those emails just before the write
    from terakoya.contacts import services as contact_services
    from terakoya.contacts.imports import writer

    real_write = writer.write

    def write_after_staff(ctx, plan):
        if not Contact.objects.filter(workspace=workspace, email="late@example.com").exists():
            contact_services.create_contact(workspace, email="late@example.com", first_name="Kei")
        real_write(ctx, plan)

    monkeypatch.setattr(writer, "write", write_after_staff)
    offer = Offer.objects.create(workspace=workspace, name="Course")

    # When the import runs, with a consent column, an offer and tags
    job = run_file(
        workspace,
        "email,first name,subscribed,tags\nlate@example.com,Late,yes,vip\n"
        "new@example.com,New,yes,vip\n",
        actor=owner,
        mapping={"first name": "first_name", "subscribed": "consent", "tags": "tags"},
        options={"consent_source": "seminar", "offers": [offer.public_id]},
    )

    # Then the import finished, the staff's contact is untouched, not subscribed by the import
    assert job.status == ImportStatus.DONE
    late = Contact.objects.get(workspace=workspace, email="late@example.com")
    assert (late.first_name, late.consent_state) == ("Kei", ConsentState.NEVER_SUBSCRIBED)
    assert not ConsentEvent.objects.filter(contact=late).exists()
    assert not Grant.objects.filter(contact=late).exists()
    # and the other contact was created with its tag, grant and ledger row
    new = Contact.objects.get(workspace=workspace, email="new@example.com")
    assert new.consent_state == ConsentState.SUBSCRIBED
    assert list(ContactTag.objects.filter(contact=new).values_list("tag__name", flat=True)) == [
        "vip"
    ]
    assert Grant.objects.filter(contact=new, offer=offer, import_job=job).count() == 1
    assert ConsentEvent.objects.filter(contact=new, method="import").count() == 1


def test_imported_rows_keep_the_file_order_and_get_distinct_public_ids(workspace, owner):
    # Given a file whose emails are not in alphabetical order
    emails = ["zoe@example.com", "adam@example.com", "mia@example.com"]
    text = "email,tags\n" + "".join(f"{e},a|b\n" for e in emails)

    # When imported
    run_file(workspace, text, actor=owner, mapping={"tags": "tags"})

    # Then "oldest first" is the file's order, and every row has its own public id
    contacts = list(Contact.objects.filter(workspace=workspace).order_by("created_at", "id"))
    assert [c.email for c in contacts] == emails
    assert len({c.created_at for c in contacts}) == 3
    ids = [c.public_id for c in contacts]
    assert len(set(ids)) == 3 and all(len(i) == 24 and i.isalnum() for i in ids)
    # and each got its own tags
    links = ContactTag.objects.filter(workspace=workspace).values_list("contact_id", "tag__name")
    assert sorted(links) == sorted((c.id, t) for c in contacts for t in "ab")


def test_an_import_reads_domestic_numbers_in_the_workspace_country(workspace, owner):
    # Given a workspace in the United Kingdom
    workspace.country = "GB"
    workspace.save(update_fields=["country"])

    # When a file with a UK number without country code is imported
    run_file(workspace, "email,phone\nuk@example.com,020 7946 0018\n", actor=owner)

    # Then the number is stored as a UK number
    assert Contact.objects.get(email="uk@example.com").phone == "+442079460018"


def test_a_file_is_written_in_chunks_the_first_one_small(workspace, owner, monkeypatch):
    # Given chunks of 2 rows first, then 3, and a file of 8 contacts, one already known
    monkeypatch.setattr(services, "FIRST_CHUNK_ROWS", 2)
    monkeypatch.setattr(services, "CHUNK_ROWS", 3)
    ContactFactory(workspace=workspace, email="p4@example.com", first_name="")
    lines = "".join(f"p{i}@example.com,Name{i},vip|新規\n" for i in range(8))
    seen: list[tuple[int, int]] = []

    # When it is imported
    job = services.create_import(
        workspace,
        uploaded_file=csv_bytes("email,first_name,tags\n" + lines),
        filename="c.csv",
        actor=owner,
    )
    services.set_mapping(workspace, job, mapping=job.mapping, options={}, actor=owner)
    job = services.execute_import(
        workspace, job, actor=owner, progress=lambda done, total: seen.append((done, total))
    )

    # Then each chunk was committed and reported in turn, and every row landed with its tags
    assert seen == [(2, 8), (5, 8), (8, 8)]
    assert (job.created_count, job.updated_count) == (7, 1)
    tagged = ContactTag.objects.filter(workspace=workspace, tag__name="新規")
    assert tagged.count() == 8
    assert Contact.objects.get(workspace=workspace, email="p4@example.com").first_name == "Name4"


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_chunks_are_written_by_two_connections(
    workspace, other_workspace, owner, monkeypatch
):
    # Given small chunks, a file of 11 rows (one an existing contact, one a repeated email),
    # an offer to grant and a consent column, and a note of which thread writes each chunk
    from terakoya.contacts.imports import writer

    monkeypatch.setattr(services, "FIRST_CHUNK_ROWS", 2)
    monkeypatch.setattr(services, "CHUNK_ROWS", 3)
    ContactFactory(workspace=workspace, email="p5@example.com", first_name="")
    stranger = ContactFactory(workspace=other_workspace, email="p3@example.com", first_name="")
    Tag.objects.create(workspace=other_workspace, name="vip")
    offer = Offer.objects.create(workspace=workspace, name="Course")
    threads: list[str] = []
    real_write = writer.write

    def noted(ctx, plan):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        real_write(ctx, plan)

    monkeypatch.setattr(writer, "write", noted)
    lines = "".join(
        f"p{i}@example.com,Name{i},vip|新規,{'no' if i % 2 else 'yes'}\n" for i in range(10)
    )
    seen: list[int] = []
    job = services.create_import(
        workspace,
        uploaded_file=csv_bytes(
            "email,first_name,tags,subscribed\n" + lines + "P0@example.com,Again,later,\n"
        ),
        filename="c.csv",
        actor=owner,
    )
    services.set_mapping(
        workspace,
        job,
        mapping={**job.mapping, "subscribed": "consent"},
        options={"consent_source": "seminar", "offers": [offer.public_id]},
        actor=owner,
    )

    # When it is imported outside any transaction (as the task and the CLI do)
    job = services.execute_import(
        workspace, job, actor=owner, progress=lambda done, total: seen.append(done)
    )

    # Then two helper connections wrote the chunks, and progress only went forward
    assert set(threads) == {"writer_0", "writer_1"}
    assert seen == sorted(seen) and seen[-1] == 11
    # and every row landed once, with its tags, grant and consent, as if written one by one
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.updated_count, job.error_count) == (9, 1, 0)
    # (the repeated email, in another chunk, was combined with its first line after the rest)
    assert job.result["counts"]["combined"] == 1
    contacts = Contact.objects.filter(workspace=workspace)
    assert contacts.count() == 10
    assert ContactTag.objects.filter(workspace=workspace, tag__name="新規").count() == 10
    assert Grant.objects.filter(offer=offer, import_job=job).count() == 10
    subscribed = contacts.filter(consent_state=ConsentState.SUBSCRIBED)
    assert sorted(subscribed.values_list("email", flat=True)) == [
        f"p{i}@example.com" for i in (0, 2, 4, 6, 8)
    ]
    assert ConsentEvent.objects.filter(contact__in=subscribed, method="import").count() == 5
    assert contacts.get(email="p5@example.com").first_name == "Name5"
    p0 = contacts.get(email="p0@example.com")
    assert p0.first_name == "Name0" and p0.contact_tags.filter(tag__name="later").exists()
    # and the same email in another workspace was left alone, its tag not borrowed
    stranger.refresh_from_db()
    assert (stranger.first_name, stranger.consent_state) == ("", ConsentState.NEVER_SUBSCRIBED)
    assert not ContactTag.objects.filter(contact=stranger).exists()
    assert not ContactTag.objects.filter(workspace=workspace, tag__workspace=other_workspace)

    # and a rollback still removes exactly what the import added (its contacts to the trash)
    services.rollback_import(workspace, job, actor=owner)
    live = contacts.filter(deleted_at__isnull=True)
    assert list(live.values_list("email", flat=True)) == ["p5@example.com"]
    assert not ContactTag.objects.filter(workspace=workspace).exists()


def test_an_import_that_breaks_half_way_can_still_be_rolled_back(workspace, owner, monkeypatch):
    # Given chunks of 2 rows, each chunk bringing a new tag, and a write that fails on the second
    from terakoya.contacts.imports import writer

    monkeypatch.setattr(services, "FIRST_CHUNK_ROWS", 2)
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    real_write = writer.write
    calls: list[int] = []

    def breaks_second_time(ctx, plan):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        real_write(ctx, plan)

    monkeypatch.setattr(writer, "write", breaks_second_time)
    text = "email,tags\na@example.com,first\nb@example.com,first\nc@example.com,second\n"

    # When the import runs and fails on its second chunk (the task then marks it failed)
    with pytest.raises(RuntimeError):
        run_file(workspace, text, actor=owner, mapping={"tags": "tags"})
    job = services.ImportJob.objects.get(workspace=workspace)
    services.mark_failed(workspace, job.pk, "stopped")
    job.refresh_from_db()

    # Then the first chunk stayed, and the tags created so far are on record
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "a@example.com",
        "b@example.com",
    ]
    assert len(job.result["created_tag_ids"]) == 2
    # and a rollback trashes the contacts and removes both new tags, the unused one included
    services.rollback_import(workspace, job, actor=owner)
    assert not Contact.objects.filter(workspace=workspace, deleted_at__isnull=True).exists()
    assert Contact.objects.filter(workspace=workspace).count() == 2
    assert not Tag.objects.filter(workspace=workspace).exists()
