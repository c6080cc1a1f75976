from __future__ import annotations

import pytest
from django.urls import reverse

from terakoya.contacts.merge.models import DismissedPair, Merge, MergeStatus
from terakoya.contacts.merge.queries import compute_suggestions
from terakoya.contacts.merge.tests.factories import account, full_contact
from terakoya.contacts.models import Contact
from terakoya.core.factories import ContactFactory, MembershipFactory
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db


def url(workspace, name, *args):  # type: ignore[no-untyped-def]
    return reverse(f"dashboard:contact_merge:{name}", args=[workspace.slug, *args])


def test_preview_shows_both_contacts_side_by_side(owner_client, workspace):
    # Given two duplicates
    p = full_contact(workspace, "hanako@example.com")
    s = full_contact(workspace, "hanako2@example.com", phone="+819012345678")
    account(s, "pw 12345678")
    # When the owner opens the preview
    r = owner_client.get(url(workspace, "preview"), {"contacts": f"{p.public_id},{s.public_id}"})
    # Then both columns, the result column and the confirmation are there
    body = r.content.decode()
    assert r.status_code == 200
    for text in (
        "hanako@example.com",
        "hanako2@example.com",
        "+819012345678",
        "Merged contact will have",
        "vip",
    ):
        assert text in body
    assert "Keep the password of hanako2@example.com" in body
    # And nothing was changed by looking
    assert Contact.objects.filter(workspace=workspace).count() == 2


def test_merge_through_the_page_with_typed_email(owner_client, workspace):
    p = ContactFactory(workspace=workspace, email="p@example.com")
    s = ContactFactory(workspace=workspace, email="s@example.com", phone="+819012345678")
    data = {"contacts": f"{p.public_id},{s.public_id}", "primary": s.public_id, "action": "merge"}
    # A wrong typed email is a clear error and changes nothing
    r = owner_client.post(url(workspace, "preview"), {**data, "confirm_email": "p@example.com"})
    assert r.status_code == 400 and "to confirm" in r.content.decode()
    assert Contact.objects.filter(workspace=workspace).count() == 2
    # The right one merges and shows the result with the checklist and undo
    r = owner_client.post(
        url(workspace, "preview"), {**data, "confirm_email": "S@example.com"}, follow=True
    )
    body = r.content.decode()
    assert "Merged from" in body and "p@example.com" in body and "Undo merge" in body
    merge = Merge.objects.get()
    assert merge.primary_contact_id == s.pk
    # Undo from the page
    r = owner_client.post(url(workspace, "undo", merge.public_id), follow=True)
    body = r.content.decode()
    assert "Merge undone" in body and "Added since the merge, kept on the primary contact" in body
    assert "Undo merge</button>" not in body
    merge.refresh_from_db()
    assert merge.status == MergeStatus.UNDONE
    assert Contact.objects.filter(workspace=workspace).count() == 2


def test_bad_input_never_500(owner_client, workspace):
    p = ContactFactory(workspace=workspace, email="p@example.com")
    for q in ("", "x", f"{p.public_id}", f"{p.public_id},{'z' * 300}", ",,,"):
        r = owner_client.get(url(workspace, "preview"), {"contacts": q})
        assert r.status_code in (200, 400)
    r = owner_client.post(url(workspace, "preview"), {"contacts": "a,b", "action": "merge"})
    assert r.status_code == 400
    assert owner_client.get(url(workspace, "detail", "nope")).status_code == 404
    assert owner_client.post(url(workspace, "dismiss"), {"contacts": "a"}).status_code == 404


def test_another_workspace_cannot_see_or_merge(owner_client, workspace, other_workspace):
    # Given contacts and a merge in another workspace
    a = ContactFactory(workspace=other_workspace, email="a@example.com")
    b = ContactFactory(workspace=other_workspace, email="b@example.com")
    mine = ContactFactory(workspace=workspace, email="m@example.com")
    from terakoya.contacts.merge.services import merge_contacts

    merge = merge_contacts(
        other_workspace,
        contact_ids=[a.public_id, b.public_id],
        primary_id=a.public_id,
        confirm_email=a.email,
        actor=None,
    )
    # Then alpha's owner cannot see it, nor merge their contacts with alpha's
    assert owner_client.get(url(workspace, "detail", merge.public_id)).status_code == 404
    assert owner_client.post(url(workspace, "undo", merge.public_id)).status_code == 404
    r = owner_client.post(
        url(workspace, "preview"),
        {
            "contacts": f"{mine.public_id},{a.public_id}",
            "action": "merge",
            "confirm_email": mine.email,
        },
    )
    assert r.status_code == 400
    assert Contact.objects.filter(pk__in=[mine.pk, a.pk]).count() == 2
    # And the beta dashboard is not theirs at all
    r = owner_client.get(reverse("dashboard:contact_merge:duplicates", args=[other_workspace.slug]))
    assert r.status_code == 404


def test_support_agents_cannot_merge(client, workspace):
    agent = MembershipFactory(workspace=workspace, role=Role.SUPPORT).user
    client.force_login(agent)
    assert client.get(url(workspace, "duplicates")).status_code == 403


def test_duplicates_page_merge_link_and_dismiss(owner_client, workspace):
    a = ContactFactory(workspace=workspace, email="a@x.com", phone="+819011112222")
    b = ContactFactory(workspace=workspace, email="b@y.com", phone="+819011112222")
    compute_suggestions(workspace)
    r = owner_client.get(url(workspace, "duplicates"))
    body = r.content.decode()
    assert "Same phone number" in body and "Review merge" in body
    assert (
        f"contacts={a.public_id}%2C{b.public_id}" in body
        or f"contacts={b.public_id}%2C{a.public_id}" in body
    )
    owner_client.post(url(workspace, "dismiss"), {"contacts": f"{a.public_id},{b.public_id}"})
    assert DismissedPair.objects.count() == 1
    assert (
        "No possible duplicates" in owner_client.get(url(workspace, "duplicates")).content.decode()
    )
    # Check again runs the background job
    owner_client.post(url(workspace, "refresh"))
    assert (
        "No possible duplicates" in owner_client.get(url(workspace, "duplicates")).content.decode()
    )


def test_nav_has_duplicates(owner_client, workspace):
    r = owner_client.get(url(workspace, "history"))
    assert "Duplicates" in r.content.decode()


def test_preview_in_japanese(owner_client, workspace):
    p = ContactFactory(workspace=workspace, email="p@example.com")
    s = ContactFactory(workspace=workspace, email="s@example.com")
    owner_client.cookies["terakoya_language"] = "ja"
    r = owner_client.get(
        url(workspace, "preview"),
        {"contacts": f"{p.public_id},{s.public_id}"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert "連絡先を統合" in r.content.decode()


def _customer_session(client, account):  # type: ignore[no-untyped-def]
    from terakoya.accounts.sessions import session_key

    session = client.session
    session[session_key(account.workspace)] = {
        "account": account.pk,
        "epoch": account.session_epoch,
    }
    session.save()


def test_merge_ends_the_secondarys_sessions_and_undo_does_not_revive_them(portal_client, workspace):
    from conftest import client_for_host
    from terakoya.contacts.merge.services import merge_contacts, undo_merge

    # Given a customer logged in as the secondary contact, and one as the primary
    p = ContactFactory(workspace=workspace, email="p@example.com")
    s = ContactFactory(workspace=workspace, email="s@example.com")
    pa, sa = account(p, "pw p 12345"), account(s, "pw s 12345")
    primary_browser = client_for_host(workspace.host)
    _customer_session(portal_client, sa)
    _customer_session(primary_browser, pa)
    assert portal_client.get("/account/").status_code == 200
    # When staff merge them
    merge = merge_contacts(
        workspace,
        contact_ids=[p.public_id, s.public_id],
        primary_id=p.public_id,
        confirm_email=p.email,
        actor=None,
    )
    # Then the secondary's session is over, the primary's still works
    assert portal_client.get("/account/").status_code == 302
    assert primary_browser.get("/account/").status_code == 200
    # And after undo the old session stays ended
    _customer_session(portal_client, sa)  # the old cookie content again
    undo_merge(workspace, merge=merge, actor=None)
    assert portal_client.get("/account/").status_code == 302


def test_history_of_one_contact(owner_client, workspace):
    from terakoya.contacts.merge.services import merge_contacts

    p = ContactFactory(workspace=workspace, email="p@example.com")
    s = ContactFactory(workspace=workspace, email="s@example.com")
    other = ContactFactory(workspace=workspace, email="o@example.com")
    merge_contacts(
        workspace,
        contact_ids=[p.public_id, s.public_id],
        primary_id=p.public_id,
        confirm_email=p.email,
        actor=None,
    )
    body = owner_client.get(url(workspace, "history"), {"contact": p.public_id}).content.decode()
    assert "s@example.com" in body
    body = owner_client.get(
        url(workspace, "history"), {"contact": other.public_id}
    ).content.decode()
    assert "s@example.com" not in body and "No merges yet." in body


def test_merge_page_puts_one_period_after_a_twelve_hour_time(owner_client, workspace, owner):
    import datetime as dt
    import re

    import time_machine

    from terakoya.contacts.merge.services import merge_contacts, undo_merge

    # given a merge made and undone in the afternoon (English shows "p.m.")
    p = ContactFactory(workspace=workspace, email="p@example.com")
    s = ContactFactory(workspace=workspace, email="s@example.com")
    with time_machine.travel(dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC), tick=False):
        merge = merge_contacts(
            workspace,
            contact_ids=[p.public_id, s.public_id],
            primary_id=p.public_id,
            confirm_email=p.email,
            actor=owner,
        )
        merge = undo_merge(workspace, merge=merge, actor=owner)
    # when staff open the merge's page
    response = owner_client.get(url(workspace, "detail", merge.public_id))
    body = response.content.decode()
    # then the times read "… p.m. by …", never "p.m.."
    assert response.status_code == 200
    assert "p.m." in body
    assert "p.m.." not in body and "a.m.." not in body
    assert re.search(r"Merged on [^<]*p\.m\. by ", body)
    assert re.search(r"Undone on [^<]*p\.m\. by ", body)
