from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from terakoya.accounts.models import CustomerAccount, LoginAttempt
from terakoya.activity.models import ActivityEvent
from terakoya.catalog.models import Grant
from terakoya.contacts.merge import policies
from terakoya.contacts.merge.models import AlternateEmail, Merge, MergeEntry, MergeStatus
from terakoya.contacts.merge.policies import contact_relations, serialize_row
from terakoya.contacts.merge.preview import MergeError
from terakoya.contacts.merge.queries import resolve_alternate_email
from terakoya.contacts.merge.services import merge_contacts, purge_old_journals, undo_merge
from terakoya.contacts.merge.tests.factories import (
    account,
    attempt,
    full_contact,
    grant,
    offer,
    tag,
)
from terakoya.contacts.models import Address, Contact, ContactTag
from terakoya.core.factories import ContactFactory
from terakoya.mail.models import OutboxMessage

pytestmark = pytest.mark.django_db


def snapshot(contact_ids: list[int]) -> dict[str, Any]:
    """Every contact row and every row pointing at them, serialized (updated_at ignored)."""
    out: dict[str, Any] = {}
    for c in Contact._base_manager.filter(pk__in=contact_ids):
        row = serialize_row(c)
        row["fields"].pop("updated_at")
        out[f"contact:{c.pk}"] = row
    for f in contact_relations():
        for obj in f.model._base_manager.filter(**{f"{f.attname}__in": contact_ids}):
            row = serialize_row(obj)
            row["fields"].pop("updated_at", None)
            out[f"{obj._meta.label}:{obj.pk}"] = row
    for a in LoginAttempt._base_manager.all():
        out[f"attempt:{a.pk}"] = serialize_row(a)
    return out


def do_merge(workspace, contacts, primary, actor=None, **kw):  # type: ignore[no-untyped-def]
    return merge_contacts(
        workspace,
        contact_ids=[c.public_id for c in contacts],
        primary_id=primary.public_id,
        confirm_email=kw.pop("confirm_email", primary.email),
        actor=actor or "tester",
        **kw,
    )


def test_merge_keeps_everything_on_the_primary(workspace, owner):
    # Given a primary and two duplicates, each with tags, grants, addresses, consent and activity
    p = full_contact(workspace, "hanako@example.com", phone="")
    s1 = full_contact(workspace, "hanako.old@example.com", phone="+819012345678", language="ja")
    s2 = full_contact(workspace, "h.yamada@example.com")
    moved_counts = {
        "grants": Grant.objects.filter(contact__in=[p, s1, s2]).count(),
        "addresses": Address.objects.filter(contact__in=[p, s1, s2]).count(),
    }
    # When the owner merges them into the primary
    merge = do_merge(workspace, [p, s1, s2], p, actor=owner)
    # Then the duplicates are gone and everything is on the primary
    assert not Contact.objects.filter(pk__in=[s1.pk, s2.pk]).exists()
    p.refresh_from_db()
    assert p.email == "hanako@example.com"
    assert p.phone == "+819012345678" and p.language == "ja"  # blanks filled from the others
    assert Grant.objects.filter(contact=p).count() == moved_counts["grants"]
    assert Address.objects.filter(contact=p).count() == moved_counts["addresses"]
    assert Address.objects.filter(contact=p, is_default=True).count() == 1
    tags = sorted(ContactTag.objects.filter(contact=p).values_list("tag__name", flat=True))
    assert tags == ["only-h.yamada", "only-hanako", "only-hanako.old", "vip"]  # union, no duplicate
    # The others' ledger events stay for the record, plus the merge's own: which state it kept.
    assert p.consent_events.count() == 4
    assert p.consent_events.filter(method="merge").count() == 1
    # And their emails are alternate emails that resolve to the primary
    assert resolve_alternate_email(workspace, "Hanako.Old@example.com") == p
    assert resolve_alternate_email(workspace, "h.yamada@example.com") == p
    assert resolve_alternate_email(workspace, "nobody@example.com") is None
    # And the journal holds a full snapshot of each merged-away contact
    snaps = MergeEntry.objects.filter(merge=merge, op="delete", model_label="contacts.Contact")
    assert {e.row["fields"]["email"] for e in snaps} == {s1.email, s2.email}
    assert ActivityEvent.objects.filter(contact=p, verb="contact.merged").exists()


def test_alternate_email_is_per_workspace(workspace, other_workspace):
    # Given a merge in workspace alpha
    p = ContactFactory(workspace=workspace, email="a@example.com")
    s = ContactFactory(workspace=workspace, email="b@example.com")
    do_merge(workspace, [p, s], p)
    # Then the alternate email matches only in alpha (import/signup use it to avoid a duplicate)
    assert resolve_alternate_email(workspace, " B@example.com ") == p
    assert resolve_alternate_email(other_workspace, "b@example.com") is None


def test_import_can_match_merged_away_emails_in_bulk(workspace, other_workspace):
    from terakoya.contacts.merge.queries import alternate_email_map

    # Given a merge: s's email now belongs to p
    p = ContactFactory(workspace=workspace, email="p@example.com")
    s = ContactFactory(workspace=workspace, email="s@example.com")
    do_merge(workspace, [p, s], p)
    # When an import (or signup) looks up the emails it did not find as contacts
    found = alternate_email_map(workspace.pk, ["S@example.com", "new@example.com"])
    # Then the merged-away email maps to the merged contact, the new one to nothing
    assert found == {"s@example.com": p.pk}
    assert alternate_email_map(other_workspace.pk, ["s@example.com"]) == {}


def test_staff_can_pick_another_contacts_value_per_field(workspace):
    p = ContactFactory(workspace=workspace, email="p@example.com", first_name="Hana", last_name="Y")
    s = ContactFactory(
        workspace=workspace, email="s@example.com", first_name="Hanako", last_name="Yamada"
    )
    # When staff pick the secondary's first name and email
    do_merge(
        workspace,
        [p, s],
        p,
        choices={"first_name": s.public_id, "email": s.public_id},
        confirm_email="s@example.com",
    )
    p.refresh_from_db()
    # Then those two come from the secondary, the rest stays the primary's
    assert (p.email, p.first_name, p.last_name) == ("s@example.com", "Hanako", "Y")
    assert resolve_alternate_email(workspace, "p@example.com") == p


def test_typed_confirmation_must_match_and_bad_input_changes_nothing(workspace):
    p = ContactFactory(workspace=workspace, email="p@example.com")
    s = ContactFactory(workspace=workspace, email="s@example.com")
    with pytest.raises(MergeError):
        do_merge(workspace, [p, s], p, confirm_email="wrong@example.com")
    with pytest.raises(MergeError):
        do_merge(workspace, [p], p)
    with pytest.raises(MergeError):
        do_merge(workspace, [p, s], p, choices={"consent_state": s.public_id})
    with pytest.raises(MergeError):
        merge_contacts(
            workspace,
            contact_ids=[p.public_id, "nope"],
            primary_id=p.public_id,
            confirm_email=p.email,
            actor=None,
        )
    assert Contact.objects.filter(workspace=workspace).count() == 2
    assert not Merge.objects.exists()


def test_contacts_of_two_workspaces_can_never_be_merged(workspace, other_workspace):
    # Given a contact in each workspace
    p = ContactFactory(workspace=workspace, email="p@example.com")
    foreign = ContactFactory(workspace=other_workspace, email="f@example.com")
    # When someone tries to merge them (in either workspace)
    with pytest.raises(MergeError):
        do_merge(workspace, [p, foreign], p)
    with pytest.raises(MergeError):
        do_merge(other_workspace, [p, foreign], foreign)
    # Then both still exist, untouched
    assert Contact.objects.filter(pk__in=[p.pk, foreign.pk]).count() == 2


def test_failure_half_way_leaves_every_contact_exactly_as_it_was(workspace, monkeypatch):
    # Given three contacts with related rows
    contacts = [full_contact(workspace, f"c{i}@example.com") for i in range(3)]
    acc = account(contacts[1], "pw secret 1")
    attempt(acc)
    before = snapshot([c.pk for c in contacts])
    # When a policy late in the run fails (after others already moved rows)
    plan = policies.policy_plan()
    boom_at = plan[-3][0]

    original = policies.policy_plan

    def failing_plan():  # type: ignore[no-untyped-def]
        out = []
        for f, pol in original():
            if f is boom_at:

                def explode(ctx, field):  # type: ignore[no-untyped-def]
                    raise RuntimeError("injected fault")

                pol = policies.Policy("boom", "boom", explode)
            out.append((f, pol))
        return out

    monkeypatch.setattr("terakoya.contacts.merge.services.policy_plan", failing_plan)
    with pytest.raises(RuntimeError):
        do_merge(workspace, contacts, contacts[0])
    # Then every contact and every related row is exactly as before, and no journal exists
    assert snapshot([c.pk for c in contacts]) == before
    assert not Merge.objects.exists() and not AlternateEmail.objects.exists()


def test_one_active_grant_per_offer_keeps_the_earliest(workspace):
    course = offer(workspace, "Course")
    p = ContactFactory(workspace=workspace, email="p@example.com")
    s = ContactFactory(workspace=workspace, email="s@example.com")
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        early = grant(s, course)
    late = grant(p, course)
    merge = do_merge(workspace, [p, s], p)
    early.refresh_from_db()
    late.refresh_from_db()
    # Then the earliest grant stays active, the other is revoked (journaled) and kept as history
    assert early.contact_id == p.pk and early.revoked_at is None
    assert late.revoked_at is not None
    assert Grant.objects.filter(contact=p).count() == 2
    assert MergeEntry.objects.filter(merge=merge, op="update", model_label="catalog.Grant").exists()


def test_accounts_primary_login_stays_secondary_retired(workspace):
    p = ContactFactory(workspace=workspace, email="p@example.com")
    s = ContactFactory(workspace=workspace, email="s@example.com")
    pa = account(p, "primary pw 123")
    sa = account(s, "secondary pw 123")
    old_attempt = attempt(sa)
    do_merge(workspace, [p, s], p)
    # The primary's credentials are unchanged; the secondary account is gone with its sessions
    pa.refresh_from_db()
    assert pa.check_password("primary pw 123") if hasattr(pa, "check_password") else True
    assert not CustomerAccount.objects.filter(pk=sa.pk).exists()
    # Its login history moved to the primary's account
    old_attempt.refresh_from_db()
    assert old_attempt.account_id == pa.pk


def test_only_a_secondary_had_a_password_staff_choose_to_keep_it(workspace):
    from django.contrib.auth.hashers import check_password

    p = ContactFactory(workspace=workspace, email="p@example.com")
    s = ContactFactory(workspace=workspace, email="s@example.com")
    account(s, "secondary pw 123")
    do_merge(workspace, [p, s], p, keep_password_from=s.public_id)
    acc = CustomerAccount.objects.get(contact=p)
    assert check_password("secondary pw 123", acc.password)


def test_only_a_secondary_had_a_password_staff_choose_not_to_keep_it(workspace):
    p = ContactFactory(workspace=workspace, email="p@example.com")
    s = ContactFactory(workspace=workspace, email="s@example.com")
    account(s, "secondary pw 123")
    do_merge(workspace, [p, s], p)
    assert not CustomerAccount.objects.get(contact=p).has_usable_password


def test_undo_restores_everything_and_keeps_new_activity_on_primary(workspace, owner):
    # Given a merge of three contacts with everything a merge touches
    course = offer(workspace, "Course")
    contacts = [full_contact(workspace, f"c{i}@example.com") for i in range(3)]
    p, s1, s2 = contacts
    grant(p, course)
    grant(s1, course)  # two active grants of the same offer
    account(p, "pw p 12345")
    sa = account(s1, "pw s 12345")
    attempt(sa)
    ids = [c.pk for c in contacts]
    before = snapshot(ids)
    merge = do_merge(workspace, contacts, p, actor=owner, choices={"first_name": s2.public_id})
    # And after the merge the customer keeps using the primary
    new_tag = tag(p, "bought-later")
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        # When staff undo it three days later
        merge = undo_merge(workspace, merge=merge, actor=owner)
    # Then all contacts are back with the same pk and public id, exactly as they were
    after = snapshot(ids)
    after.pop(f"contacts.ContactTag:{new_tag.pk}")
    for key in [k for k in after if k.startswith("activity.ActivityEvent")]:
        if after[key]["fields"]["verb"].startswith("contact.merge"):
            after.pop(key)
    # the retired account comes back with its sessions still ended
    acc_key = f"accounts.CustomerAccount:{sa.pk}"
    assert (
        after[acc_key]["fields"]["session_epoch"] == before[acc_key]["fields"]["session_epoch"] + 1
    )
    after[acc_key]["fields"]["session_epoch"] -= 1
    assert after == before
    # And the row created since stays on the primary, and is listed
    assert ContactTag.objects.get(pk=new_tag.pk).contact_id == p.pk
    assert any(row["text"] == "bought-later" for row in merge.undo_result["kept_on_primary"])
    assert merge.status == MergeStatus.UNDONE
    assert resolve_alternate_email(workspace, s1.email) is None
    with pytest.raises(MergeError):
        undo_merge(workspace, merge=merge, actor=owner)


def test_undo_only_for_30_days_then_journal_is_purged(workspace):
    p = ContactFactory(workspace=workspace, email="p@example.com")
    s = ContactFactory(workspace=workspace, email="s@example.com")
    merge = do_merge(workspace, [p, s], p)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        with pytest.raises(MergeError):
            undo_merge(workspace, merge=merge, actor=None)
        assert purge_old_journals() == 1
    merge.refresh_from_db()
    assert merge.status == MergeStatus.PURGED and merge.purged_at is not None
    assert not MergeEntry.objects.filter(merge=merge).exists()


def test_undo_in_reverse_order_and_refused_when_email_reused(workspace):
    p = ContactFactory(workspace=workspace, email="p@example.com")
    s = ContactFactory(workspace=workspace, email="s@example.com")
    t = ContactFactory(workspace=workspace, email="t@example.com")
    first = do_merge(workspace, [p, s], p)
    second = do_merge(workspace, [p, t], p)
    with pytest.raises(MergeError):
        undo_merge(workspace, merge=first, actor=None)
    undo_merge(workspace, merge=second, actor=None)
    # A new contact took the merged-away email meanwhile: undo refuses and changes nothing
    ContactFactory(workspace=workspace, email="s@example.com")
    with pytest.raises(MergeError):
        undo_merge(workspace, merge=first, actor=None)
    first.refresh_from_db()
    assert first.status == MergeStatus.MERGED


def test_customer_email_in_their_language(workspace):
    p = ContactFactory(workspace=workspace, email="p@example.com", language="ja")
    s = ContactFactory(workspace=workspace, email="s@example.com")
    do_merge(workspace, [p, s], p, notify_customer=True)
    msg = OutboxMessage.objects.get(kind="contact_merge.merged_notice")
    assert msg.to_email == "p@example.com" and msg.language == "ja"
    assert "p@example.com" in msg.body_text and "s@example.com" in msg.body_text
    assert "ログイン" in msg.body_text
