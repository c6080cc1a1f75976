"""The set-based links of core.link_checks hold like foreign keys, on SQLite and PostgreSQL,
and also keep both ends in one workspace."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from terakoya.contacts.migrations._links import LINKS
from terakoya.contacts.models import ConsentEvent, ConsentMethod, Contact, ContactTag, Tag
from terakoya.core.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def refused(action: Any) -> bool:
    """Run `action` in a savepoint; True when the database refused it (and it was undone)."""
    try:
        with transaction.atomic():
            action()
    except IntegrityError:
        return True
    return False


def test_every_link_has_its_triggers_after_the_migrations():
    # Given the migrated database (on SQLite a table rebuild would have dropped triggers)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {row[0] for row in cur.fetchall()}

    # Then every link is checked on insert, update, parent delete and parent id change
    for link in LINKS:
        for suffix in ("insert", "update", "parent_delete", "parent_id"):
            assert f"{link.name}_{suffix}" in names


def test_a_tag_needs_an_existing_contact_and_tag_of_its_own_workspace(workspace, other_workspace):
    # Given a contact and a tag in each of two workspaces
    contact = ContactFactory(workspace=workspace)
    tag = Tag.objects.create(workspace=workspace, name="vip")
    stranger = ContactFactory(workspace=other_workspace)
    foreign_tag = Tag.objects.create(workspace=other_workspace, name="vip")

    def link(**kwargs: Any) -> None:
        ContactTag.objects.create(
            **{"workspace": workspace, "contact": contact, "tag": tag, **kwargs}
        )

    # When links are made to a missing row or across workspaces, then each is refused
    assert refused(lambda: link(contact_id=contact.pk + 1000))
    assert refused(lambda: link(tag_id=tag.pk + 1000))
    assert refused(lambda: link(tag=foreign_tag))
    assert refused(lambda: link(contact=stranger))
    assert refused(lambda: link(workspace=other_workspace))
    assert not ContactTag.objects.exists()

    # And the right link is accepted
    link()
    assert ContactTag.objects.filter(contact=contact, tag=tag).count() == 1


def test_one_bad_row_refuses_the_whole_statement(workspace):
    # Given two contacts and a tag
    first, second = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    tag = Tag.objects.create(workspace=workspace, name="vip")

    # When three links are inserted in one statement, one of them to a missing contact
    rows = [
        ContactTag(workspace=workspace, contact_id=c, tag=tag)
        for c in (first.pk, second.pk + 1000, second.pk)
    ]

    # Then the statement is refused and nothing is written
    assert refused(lambda: ContactTag.objects.bulk_create(rows))
    assert not ContactTag.objects.exists()


def test_moving_a_link_is_checked_like_inserting_it(workspace, other_workspace):
    # Given a tagged contact, another contact, and a contact of another workspace
    contact, other = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    stranger = ContactFactory(workspace=other_workspace)
    tag = Tag.objects.create(workspace=workspace, name="vip")
    ContactTag.objects.create(workspace=workspace, contact=contact, tag=tag)
    links = ContactTag.objects.filter(contact=contact)

    # When the link is moved to a missing contact or across workspaces, then it is refused
    assert refused(lambda: links.update(contact_id=contact.pk + 1000))
    assert refused(lambda: links.update(contact=stranger))

    # And a move inside the workspace (as a merge does) is accepted
    links.update(contact=other)
    assert ContactTag.objects.get().contact_id == other.pk


def test_a_contact_or_tag_deleted_in_sql_takes_its_links_along(workspace):
    # Given two contacts with the same two tags
    first, second = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    vip, trial = (Tag.objects.create(workspace=workspace, name=n) for n in ("vip", "trial"))
    for contact in (first, second):
        for tag in (vip, trial):
            ContactTag.objects.create(workspace=workspace, contact=contact, tag=tag)

    # When their ids are changed under the links, then it is refused
    assert refused(lambda: Contact.objects.filter(pk=first.pk).update(id=first.pk + 1000))
    assert refused(lambda: Tag.objects.filter(pk=vip.pk).update(id=vip.pk + 1000))

    # When a contact and a tag are deleted in SQL, bypassing Django (as a flush does)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM contacts_contact WHERE id = %s", [first.pk])
        cur.execute("DELETE FROM contacts_tag WHERE id = %s", [vip.pk])

    # Then their links went with them (on_delete=CASCADE) and no link points at nothing
    assert list(ContactTag.objects.values_list("contact_id", "tag_id")) == [(second.pk, trial.pk)]


def test_a_contact_stays_in_an_existing_workspace(workspace, other_workspace):
    # Given a contact
    contact = ContactFactory(workspace=workspace)

    # When it is created in a missing workspace or moved to another one, then it is refused
    assert refused(
        lambda: Contact.objects.create(workspace_id=other_workspace.pk + 1000, email="x@ex.com")
    )
    assert refused(lambda: Contact.objects.filter(pk=contact.pk).update(workspace=other_workspace))

    # And an ordinary edit of the contact is accepted
    Contact.objects.filter(pk=contact.pk).update(first_name="花子")
    contact.refresh_from_db()
    assert (contact.workspace_id, contact.first_name) == (workspace.pk, "花子")


def test_a_consent_event_belongs_to_a_contact_of_its_workspace_and_a_real_actor(
    workspace, other_workspace
):
    # Given a contact in each workspace and a staff user
    contact = ContactFactory(workspace=workspace)
    stranger = ContactFactory(workspace=other_workspace)
    actor = UserFactory()

    def event(**kwargs: Any) -> ConsentEvent:
        values = {
            "workspace": workspace,
            "contact": contact,
            "from_state": "never_subscribed",
            "to_state": "subscribed",
            "method": ConsentMethod.STAFF_CREATE,
            "actor_user": actor,
            **kwargs,
        }
        return ConsentEvent.objects.create(**values)

    # When an event names a contact of another workspace or a missing actor, then it is refused
    assert refused(lambda: event(contact=stranger))
    assert refused(lambda: event(actor_user_id=actor.pk + 1000))

    # And a valid event is kept; deleting its actor, through Django or in SQL, leaves it
    # without one (on_delete=SET_NULL)
    kept, kept_too = event(), event(actor_user=UserFactory())
    actor.delete()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM staff_user WHERE id = %s", [kept_too.actor_user_id])
    kept.refresh_from_db()
    kept_too.refresh_from_db()
    assert (kept.actor_user_id, kept_too.actor_user_id) == (None, None)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_delete_waits_for_the_link_and_takes_it_along(workspace):
    # Given a committed contact and tag, and two other connections
    contact = ContactFactory(workspace=workspace)
    tag = Tag.objects.create(workspace=workspace, name="vip")
    tagger, deleter = _connect(), _connect()
    outcome: dict[str, Any] = {}

    # When one transaction tags the contact and, before it commits, another deletes the contact
    tagger.execute(TAG_SQL, [workspace.pk, contact.pk, tag.pk])

    def delete() -> None:
        deleter.execute("DELETE FROM contacts_contacttag WHERE contact_id = %s", [contact.pk])
        deleter.execute("DELETE FROM contacts_contact WHERE id = %s", [contact.pk])
        deleter.commit()
        outcome["deleted"] = True

    _run_while_blocked(delete, blocked=deleter, then_commit=tagger)

    # Then the delete waited for the tag to commit and removed it too: no tag points at nothing
    assert outcome == {"deleted": True}
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not ContactTag.objects.exists()
    tagger.close()
    deleter.close()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_a_link_to_a_contact_being_deleted_waits_and_then_fails(workspace):
    # Given a committed contact and tag, and two other connections
    contact = ContactFactory(workspace=workspace)
    tag = Tag.objects.create(workspace=workspace, name="vip")
    tagger, deleter = _connect(), _connect()
    outcome: dict[str, Any] = {}

    # When one transaction deletes the contact and, before it commits, another tags it
    deleter.execute("DELETE FROM contacts_contact WHERE id = %s", [contact.pk])

    def link() -> None:
        try:
            tagger.execute(TAG_SQL, [workspace.pk, contact.pk, tag.pk])
            tagger.commit()
            outcome["linked"] = True
        except psycopg.errors.ForeignKeyViolation:
            tagger.rollback()
            outcome["refused"] = True

    _run_while_blocked(link, blocked=tagger, then_commit=deleter)

    # Then the tag waited for the delete and was then refused
    assert outcome == {"refused": True}
    assert not ContactTag.objects.exists()
    tagger.close()
    deleter.close()


TAG_SQL = (
    "INSERT INTO contacts_contacttag (created_at, updated_at, workspace_id, contact_id, tag_id) "
    "VALUES (now(), now(), %s, %s, %s)"
)


def _run_while_blocked(
    action: Any, *, blocked: psycopg.Connection[Any], then_commit: psycopg.Connection[Any]
) -> None:
    """Run `action` (which uses `blocked`) in a thread until it waits for a lock, then commit
    the transaction holding that lock and let `action` finish."""
    thread = threading.Thread(target=action)
    thread.start()
    _wait_until_blocked(blocked)
    then_commit.commit()
    thread.join(10)


def _connect() -> psycopg.Connection[Any]:
    s = connection.settings_dict
    return psycopg.connect(dbname=s["NAME"], user=s["USER"], host=s["HOST"], port=s["PORT"] or 5432)


def _wait_until_blocked(conn: psycopg.Connection[Any]) -> None:
    """Until `conn`'s current statement waits for a lock (or 5 s pass)."""
    pid = conn.info.backend_pid
    deadline = time.monotonic() + 5
    with connection.cursor() as cur:
        while time.monotonic() < deadline:
            cur.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cur.fetchone()
            if row and row[0] == "Lock":
                return
            time.sleep(0.02)
    raise AssertionError("the other transaction never waited for the lock")
