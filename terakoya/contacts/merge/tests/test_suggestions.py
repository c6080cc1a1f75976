from __future__ import annotations

import pytest

from terakoya.contacts.merge.models import DuplicateSuggestion
from terakoya.contacts.merge.queries import compute_suggestions, email_key, name_key, suggestions
from terakoya.contacts.merge.services import dismiss_pair
from terakoya.contacts.merge.tasks import compute_duplicate_suggestions
from terakoya.core.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_email_variants():
    assert email_key("Taro.Yamada+shop@GMail.com") == email_key("taroyamada@gmail.com")
    assert email_key("ｔａｒｏ@example.com") == "taro@example.com"  # full-width (NFKC)
    assert email_key("t.a.ro@example.com") != email_key(
        "taro@example.com"
    )  # dots matter outside Gmail
    assert name_key("花子", "山田") == name_key("花子", "山田 ") == name_key("", "山田　花子")
    assert name_key("ハナコ", "ヤマダ") == name_key("はなこ", "やまだ") == name_key("ﾊﾅｺ", "ﾔﾏﾀﾞ")


def reasons(workspace, a, b):  # type: ignore[no-untyped-def]
    lo, hi = sorted([a.pk, b.pk])
    s = DuplicateSuggestion.objects.filter(
        workspace=workspace, contact_a_id=lo, contact_b_id=hi
    ).first()
    return s.reasons if s else None


def test_suggestions_with_reasons(workspace, other_workspace):
    # Given pairs that are alike for each reason, and unrelated contacts
    a1 = ContactFactory(
        workspace=workspace, email="one@x.com", first_name="A", last_name="B", phone="+819011112222"
    )
    a2 = ContactFactory(
        workspace=workspace, email="two@y.com", first_name="C", last_name="D", phone="+819011112222"
    )
    b1 = ContactFactory(
        workspace=workspace, email="john@corp.com", first_name="John", last_name="Smith"
    )
    b2 = ContactFactory(
        workspace=workspace, email="jsmith@corp.com", first_name="john ", last_name="SMITH"
    )
    c1 = ContactFactory(
        workspace=workspace, email="taro.yamada@gmail.com", first_name="T", last_name="Y1"
    )
    c2 = ContactFactory(
        workspace=workspace, email="taroyamada+shop@gmail.com", first_name="U", last_name="Y2"
    )
    d1 = ContactFactory(
        workspace=workspace, email="hana@a.jp", first_name="ハナコ", last_name="ヤマダ"
    )
    d2 = ContactFactory(
        workspace=workspace, email="hana@b.jp", first_name="はなこ", last_name="やまだ"
    )
    lone = ContactFactory(
        workspace=workspace, email="lone@z.com", first_name="Lone", last_name="Wolf"
    )
    # And a look-alike in another workspace
    ContactFactory(workspace=other_workspace, email="taroyamada@gmail.com", phone="+819011112222")
    # When the background task runs
    compute_duplicate_suggestions.enqueue(workspace.pk)
    # Then each pair is suggested with its reason, and nothing else
    assert reasons(workspace, a1, a2) == ["same_phone"]
    assert reasons(workspace, b1, b2) == ["name_domain"]
    assert reasons(workspace, c1, c2) == ["email_variant"]
    assert "ja_name" in reasons(workspace, d1, d2)
    assert reasons(workspace, lone, a1) is None
    assert suggestions(workspace).count() == 4
    assert suggestions(other_workspace).count() == 0


def test_dismissed_pair_is_never_suggested_again(workspace, owner):
    a = ContactFactory(workspace=workspace, email="a@x.com", phone="+819011112222")
    b = ContactFactory(workspace=workspace, email="b@y.com", phone="+819011112222")
    compute_suggestions(workspace)
    assert suggestions(workspace).count() == 1
    dismiss_pair(workspace, a=b, b=a, actor=owner)
    assert suggestions(workspace).count() == 0
    compute_suggestions(workspace)
    assert suggestions(workspace).count() == 0


def test_shared_phone_of_many_contacts_is_not_a_duplicate(workspace):
    for i in range(12):
        ContactFactory(
            workspace=workspace, email=f"u{i}@x{i}.com", first_name=f"N{i}", phone="+81300000000"
        )
    compute_suggestions(workspace)
    assert suggestions(workspace).count() == 0
