from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from terakoya.activity.models import ActivityEvent
from terakoya.catalog.models import Grant
from terakoya.contacts import services
from terakoya.contacts.models import BulkJob, ConsentEvent, ConsentState, Contact, Segment
from terakoya.contacts.tests.factories import OfferFactory
from terakoya.core.factories import ContactFactory, MembershipFactory
from terakoya.mail.models import OutboxMessage
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db


def url(name, *args, ws="alpha"):
    return reverse(f"dashboard:contacts:{name}", args=[ws, *args])


def test_list_search_presets_and_member_mark(owner_client, workspace):
    # given a member and a subscribed non-member
    offer = OfferFactory(workspace=workspace)
    services.create_contact(
        workspace, email="hanako@example.com", first_name="花子", last_name="山田", offers=[offer]
    )
    services.create_contact(
        workspace,
        email="john@example.com",
        first_name="John",
        subscribe=True,
        consent_source="form",
    )
    # when searching in Japanese
    page = owner_client.get(url("list"), {"q": "山田"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "hanako@example.com" in body and "john@example.com" not in body
    assert "Member" in body
    # presets
    assert (
        "john@example.com"
        in owner_client.get(url("list"), {"preset": "subscribed"}).content.decode()
    )
    assert (
        "john@example.com"
        not in owner_client.get(url("list"), {"preset": "members"}).content.decode()
    )
    # garbage filters never fail
    for params in (
        {"created_from": "nope"},
        {"sort": "x"},
        {"page": "-1"},
        {"tag": "zzz"},
        {"q": "\x00" * 3},
        {"preset": "bogus"},
    ):
        assert owner_client.get(url("list"), params).status_code == 200


def test_add_single_contact_with_consent(owner_client, workspace):
    offer = OfferFactory(workspace=workspace)
    # unticked → never subscribed
    response = owner_client.post(
        url("add"),
        {
            "email": "a@example.com",
            "first_name": "花子",
            "last_name": "山田",
            "phone": "03-1234-5678",
            "tags": "A、B",
            "offers": [offer.public_id],
        },
    )
    contact = Contact.objects.get(email="a@example.com")
    assert response.status_code == 302
    assert (
        contact.consent_state == ConsentState.NEVER_SUBSCRIBED and contact.phone == "+81312345678"
    )
    assert Grant.objects.filter(contact=contact).count() == 1
    assert contact.contact_tags.count() == 2
    # ticked without source → error, nothing created
    response = owner_client.post(url("add"), {"email": "b@example.com", "subscribe": "on"})
    assert (
        response.status_code == 200 and not Contact.objects.filter(email="b@example.com").exists()
    )
    # ticked with source → subscribed with a ledger row stating the wording
    owner_client.post(
        url("add"), {"email": "b@example.com", "subscribe": "on", "consent_source": "seminar"}
    )
    event = ConsentEvent.objects.get(contact__email="b@example.com")
    assert event.source == "seminar" and event.wording == "Subscribe to marketing email"


def test_duplicate_links_to_existing_contact(owner_client, workspace):
    existing = services.create_contact(workspace, email="a@example.com")
    response = owner_client.post(url("add"), {"email": "A@example.com"})
    assert response.status_code == 200
    assert url("detail", existing.public_id) in response.content.decode()


def test_contact_page_has_no_subscribe_for_existing_contact(owner_client, workspace):
    contact = services.create_contact(workspace, email="a@example.com")
    body = owner_client.get(url("detail", contact.public_id)).content.decode()
    assert "Why is there no" in body and "Send confirmation email" in body
    # posting a consent change through the edit form does nothing
    owner_client.post(
        url("edit", contact.public_id), {"email": "a@example.com", "consent_state": "subscribed"}
    )
    contact.refresh_from_db()
    assert contact.consent_state == ConsentState.NEVER_SUBSCRIBED
    # request opt-in, unsubscribe
    owner_client.post(url("request_opt_in", contact.public_id))
    assert ConsentEvent.objects.filter(contact=contact, method="doi_requested").exists()
    owner_client.post(url("unsubscribe", contact.public_id))
    contact.refresh_from_db()
    assert contact.consent_state == ConsentState.UNSUBSCRIBED


def test_contact_page_edits_tags_grants_addresses(owner_client, workspace):
    offer = OfferFactory(workspace=workspace)
    contact = services.create_contact(workspace, email="a@example.com")
    owner_client.post(
        url("edit", contact.public_id),
        {"email": "a@example.com", "first_name": "太郎", "phone": "bad"},
    )
    contact.refresh_from_db()
    assert contact.first_name == ""  # bad phone: nothing changed
    owner_client.post(
        url("edit", contact.public_id), {"email": "a@example.com", "first_name": "太郎"}
    )
    owner_client.post(url("tag_add", contact.public_id), {"name": "VIP"})
    owner_client.post(url("grant", contact.public_id), {"offer": offer.public_id})
    owner_client.post(url("revoke", contact.public_id, offer.public_id))
    owner_client.post(url("address_add", contact.public_id), {"city": "札幌市", "country": "JP"})
    body = owner_client.get(url("detail", contact.public_id)).content.decode()
    assert "太郎" in body and "VIP" in body and offer.name in body and "札幌市" in body
    grant = Grant.objects.get(contact=contact)
    assert grant.revoked_at is not None  # history stays
    tag = contact.contact_tags.get().tag
    owner_client.post(url("tag_remove", contact.public_id, tag.public_id))
    assert not contact.contact_tags.exists()
    assert ActivityEvent.objects.filter(contact=contact, verb="grant.revoked").exists()


def test_segments_save_and_delete(owner_client, workspace):
    response = owner_client.post(url("segment_save") + "?preset=subscribed&q=abc", {"name": "Subs"})
    segment = Segment.objects.get()
    assert response.status_code == 302 and segment.filters == {"q": "abc", "consent": "subscribed"}
    owner_client.post(url("segment_delete", segment.public_id))
    assert not Segment.objects.exists()


def test_bulk_tag_with_preview_then_run(owner_client, workspace):
    a = services.create_contact(workspace, email="a@example.com")
    services.create_contact(workspace, email="b@example.com")
    # step 1: preview shows count and sample
    preview = owner_client.post(
        url("bulk") + "?q=a%40", {"scope": "all", "action": "add_tag", "tag": "X"}
    )
    assert preview.status_code == 200
    assert "This affects 1 contact." in preview.content.decode()
    # step 2: confirmed
    response = owner_client.post(
        url("bulk") + "?q=a%40", {"scope": "all", "action": "add_tag", "tag": "X", "confirmed": "1"}
    )
    job = BulkJob.objects.get()
    assert response.status_code == 302 and job.status == "done" and job.affected == 1
    assert a.contact_tags.get().tag.name == "X"
    event = ActivityEvent.objects.get(verb="contacts.bulk_action")
    assert event.data["selection"]["filters"] == {"q": "a@"}
    assert owner_client.get(url("bulk_job", job.public_id)).status_code == 200


def test_bulk_delete_needs_typing_and_restores(owner_client, workspace):
    a = services.create_contact(workspace, email="a@example.com")
    data = {"scope": "selected", "ids": [a.public_id], "action": "delete", "confirmed": "1"}
    owner_client.post(url("bulk"), data)
    a.refresh_from_db()
    assert a.deleted_at is None
    owner_client.post(url("bulk"), {**data, "confirm": "DELETE"})
    a.refresh_from_db()
    assert a.deleted_at is not None
    assert "a@example.com" in owner_client.get(url("trash")).content.decode()
    assert "a@example.com" not in owner_client.get(url("list")).content.decode()
    owner_client.post(
        url("bulk"),
        {
            "scope": "selected",
            "ids": [a.public_id],
            "action": "restore",
            "trashed": "1",
            "confirmed": "1",
        },
    )
    a.refresh_from_db()
    assert a.deleted_at is None


def test_large_bulk_action_runs_as_a_task(
    owner_client, workspace, monkeypatch, django_capture_on_commit_callbacks
):
    from terakoya.contacts import bulk

    monkeypatch.setattr(bulk, "BACKGROUND_THRESHOLD", 2)
    for i in range(3):
        services.create_contact(
            workspace, email=f"c{i}@example.com", subscribe=True, consent_source="x"
        )
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url("bulk"), {"scope": "all", "action": "unsubscribe", "confirmed": "1"})
    job = BulkJob.objects.get()
    assert job.status == "done" and job.processed == 3
    assert Contact.objects.filter(consent_state="unsubscribed").count() == 3
    assert ConsentEvent.objects.filter(method="staff_unsubscribe").count() == 3


def test_japanese_contacts_page(owner_client, workspace, settings):
    # given a staff member who chose Japanese and a contact with a Japanese name
    services.create_contact(workspace, email="a@example.com", first_name="花子", last_name="山田")
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    # then the list and the contact page speak Japanese
    body = owner_client.get(url("list")).content.decode()
    assert "連絡先を1件追加" in body and "1 件の連絡先" in body
    contact = Contact.objects.get()
    detail = owner_client.get(url("detail", contact.public_id)).content.decode()
    assert "山田 花子" in detail and "同意の履歴" in detail


def test_second_workspace_cannot_see_or_touch(client, workspace, other_workspace):
    # given a staff member of the other workspace only
    outsider = MembershipFactory(workspace=other_workspace, role=Role.OWNER).user
    client = Client()
    client.force_login(outsider)
    contact = services.create_contact(workspace, email="a@example.com")
    offer = OfferFactory(workspace=workspace)
    pid = contact.public_id
    # every page of workspace alpha is a 404
    for name, args in [("list", []), ("add", []), ("trash", []), ("export", []), ("detail", [pid])]:
        assert client.get(url(name, *args)).status_code == 404
    # their own workspace URLs cannot reach alpha's contact
    for name, args in [
        ("detail", [pid]),
        ("edit", [pid]),
        ("unsubscribe", [pid]),
        ("trash_one", [pid]),
        ("revoke", [pid, offer.public_id]),
        ("request_opt_in", [pid]),
    ]:
        assert (
            client.post(url(name, *args, ws="beta"), {"email": "x@example.com"}).status_code == 404
        )
    client.post(
        url("bulk", ws="beta"),
        {
            "scope": "selected",
            "ids": [pid],
            "action": "delete",
            "confirmed": "1",
            "confirm": "DELETE",
        },
    )
    contact.refresh_from_db()
    assert contact.deleted_at is None
    export = client.get(url("export", ws="beta"))
    assert b"a@example.com" not in b"".join(export.streaming_content)


def test_impossible_ids_and_nul_bytes_are_404_not_500(owner_client, workspace):
    base = url("list")
    for path in ("%00/", "x%00y/", "a" * 40 + "/", "é/", "%00/tags/%00/remove/"):
        response = (
            owner_client.get(base + path)
            if "remove" not in path
            else owner_client.post(base + path)
        )
        assert response.status_code == 404, path
    assert owner_client.get(url("trash"), {"q": "a\x00b"}).status_code == 200
    assert owner_client.get(base, {"q": "ab\x00c", "tag": "\x00"}).status_code == 200
    response = owner_client.post(
        url("bulk"), {"scope": "selected", "ids": ["\x00", "x" * 99], "action": "delete"}
    )
    assert response.status_code == 302


def test_bulk_merge_opens_the_merge_preview_for_the_selected_contacts(owner_client, workspace):
    # Given two selected contacts
    a = ContactFactory(workspace=workspace, email="dup1@example.com")
    b = ContactFactory(workspace=workspace, email="dup2@example.com")
    # When staff choose "Merge contacts" in the bulk actions
    response = owner_client.post(
        url("bulk"), {"scope": "selected", "ids": [a.public_id, b.public_id], "action": "merge"}
    )
    # Then the side-by-side preview of exactly those contacts opens
    assert response.status_code == 302
    assert response["Location"].startswith(f"/dashboard/{workspace.slug}/merge/?contacts=")
    assert owner_client.get(response["Location"]).status_code == 200
    # And one contact alone cannot be merged
    alone = owner_client.post(
        url("bulk"), {"scope": "selected", "ids": [a.public_id], "action": "merge"}
    )
    assert alone["Location"].startswith(f"/dashboard/{workspace.slug}/contacts/")


def test_list_totals_match_each_tab_and_leave_out_the_trash(owner_client, workspace):
    # Given a member, a subscribed contact, and a contact in the trash
    offer = OfferFactory(workspace=workspace)
    services.create_contact(workspace, email="m@example.com", offers=[offer])
    services.create_contact(workspace, email="s@example.com", subscribe=True, consent_source="x")
    gone = services.create_contact(workspace, email="t@example.com")
    services.trash_contact(workspace, contact=gone)
    # Then every tab's total counts exactly the live contacts it lists
    for params, expected in [
        ({}, 2),
        ({"preset": "members"}, 1),
        ({"preset": "subscribed"}, 1),
        ({"preset": "never_subscribed"}, 1),
        ({"preset": "unsubscribed"}, 0),
        ({"q": "s@ex"}, 1),
    ]:
        response = owner_client.get(url("list"), params)
        assert response.context["total"] == expected, params
        assert len(response.context["page"].object_list) == expected, params


@pytest.mark.parametrize("language", ["en", "ja"])
def test_confirmation_email_to_a_never_subscribed_contact_does_not_say_again(
    owner_client, workspace, language
):
    # given a contact who never subscribed, and one who unsubscribed
    never = ContactFactory(workspace=workspace, language=language)
    left = ContactFactory(
        workspace=workspace, language=language, consent_state=ConsentState.UNSUBSCRIBED
    )
    # when staff send each a confirmation email from the contact page
    for contact in (never, left):
        response = owner_client.post(url("request_opt_in", contact.public_id))
        assert response.status_code == 302
    first = OutboxMessage.objects.get(contact=never, kind="contacts.double_opt_in")
    back = OutboxMessage.objects.get(contact=left, kind="contacts.double_opt_in")
    # then only the one who left is asked about email "again" (再開), in text and HTML
    again = {"en": "marketing email again", "ja": "再開"}[language]
    for body in (first.body_text, first.body_html):
        assert again not in body
        assert "Alpha Academy" in body and "/email/confirm/" in body
    for body in (back.body_text, back.body_html):
        assert again in body
    if language == "ja":
        assert "マーケティングメールの受信についてご確認ください" in first.body_text


def _table_rows(body: str, caption_id: str) -> list[dict[str, str]]:
    """The rows of the first table after the heading `caption_id`, as {header: cell text}."""
    import re
    from html import unescape

    section = body.split(f'id="{caption_id}"', 1)[1].split("</table>", 1)[0]

    def text(cell: str) -> str:
        return " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())

    headers = [text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", section, re.S)]
    body_part = section.split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body_part, re.S):
        cells = [text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows.append(dict(zip(headers, cells, strict=False)))
    return rows


def test_grants_table_says_active_or_revoked_under_a_status_column(owner_client, workspace):
    # given a contact with one active and one revoked grant
    kept = OfferFactory(workspace=workspace, name="Course A")
    ended = OfferFactory(workspace=workspace, name="Course B")
    contact = services.create_contact(workspace, email="a@example.com")
    owner_client.post(url("grant", contact.public_id), {"offer": kept.public_id})
    owner_client.post(url("grant", contact.public_id), {"offer": ended.public_id})
    owner_client.post(url("revoke", contact.public_id, ended.public_id))
    # when staff open the contact page
    body = owner_client.get(url("detail", contact.public_id)).content.decode()
    rows = {row["Offer"]: row for row in _table_rows(body, "h-offers")}
    # then no "Revoked" column claims an active grant; the status says which is which
    assert rows["Course A"]["Status"] == "Active"
    assert rows["Course B"]["Status"].startswith("Revoked ")
    assert all("Revoked" not in row for row in rows.values())


def _saved_segment(owner_client, workspace):
    """Contacts, and a segment "VIP subs": subscribed, tagged VIP, matching "yamada"."""
    for email, subscribe, tag in [
        ("yamada@example.com", True, "VIP"),
        ("yamada2@example.com", True, ""),
        ("tanaka@example.com", True, "VIP"),
        ("yamada3@example.com", False, "VIP"),
    ]:
        contact = services.create_contact(
            workspace, email=email, subscribe=subscribe, consent_source="form" if subscribe else ""
        )
        if tag:
            services.add_tag(workspace, contact=contact, name=tag)
    from terakoya.contacts.models import Tag

    vip = Tag.objects.get(workspace=workspace, name="VIP")
    owner_client.post(
        url("segment_save") + f"?preset=subscribed&q=yamada&tag={vip.public_id}",
        {"name": "VIP subs"},
    )
    return Segment.objects.get(workspace=workspace), vip


def test_opening_a_saved_segment_shows_its_conditions(owner_client, workspace):
    # given a saved segment with a search, a tag and a consent preset
    segment, vip = _saved_segment(owner_client, workspace)
    # when staff open it from its link
    response = owner_client.get(url("list"), {"segment": segment.public_id})
    body = response.content.decode()
    # then its conditions are in the filter form, and only its contacts are listed
    assert response.status_code == 200
    assert 'name="q" value="yamada"' in body
    assert f'<option value="{vip.public_id}" selected>VIP</option>' in body
    assert 'name="preset" value="subscribed"' in body
    assert f'<option value="{segment.public_id}" selected>VIP subs</option>' in body
    assert "yamada@example.com" in body
    for other in ("yamada2@example.com", "tanaka@example.com", "yamada3@example.com"):
        assert other not in body
    assert "Delete this segment" in body


def test_a_segments_conditions_can_be_edited_after_opening_it(owner_client, workspace):
    # given an opened segment
    segment, vip = _saved_segment(owner_client, workspace)
    # when staff clear its search and keep the rest, submitting the filter form
    response = owner_client.get(
        url("list"),
        {
            "preset": "subscribed",
            "opened_segment": segment.public_id,
            "segment": segment.public_id,
            "q": "",
            "tag": vip.public_id,
            "offer": "",
            "sort": "newest",
        },
    )
    body = response.content.decode()
    # then the edited conditions filter (the saved search no longer applies)
    assert 'name="q" value="yamada"' not in body
    assert "yamada@example.com" in body and "tanaka@example.com" in body
    assert "yamada2@example.com" not in body and "yamada3@example.com" not in body
    # and saving under the same name updates the segment
    owner_client.post(
        url("segment_save")
        + f"?preset=subscribed&opened_segment={segment.public_id}&segment={segment.public_id}"
        + f"&q=&tag={vip.public_id}",
        {"name": "VIP subs"},
    )
    segment.refresh_from_db()
    assert segment.filters == {"tag": vip.public_id, "consent": "subscribed"}


def test_another_workspaces_segment_is_not_opened(owner_client, workspace, other_workspace):
    # given a segment of another workspace
    theirs = services.save_segment(other_workspace, name="Theirs", filters={"q": "secret"})
    services.create_contact(workspace, email="a@example.com")
    # when its id is put in this workspace's list
    body = owner_client.get(url("list"), {"segment": theirs.public_id}).content.decode()
    # then neither it nor its conditions are shown (an unknown segment is left out)
    assert "secret" not in body and "Theirs" not in body
    assert "Delete this segment" not in body


def _merge(workspace, primary, secondary, actor):
    from terakoya.contacts.merge.services import merge_contacts

    return merge_contacts(
        workspace,
        contact_ids=[primary.public_id, secondary.public_id],
        primary_id=primary.public_id,
        confirm_email=primary.email,
        actor=actor,
    )


def test_a_merged_away_contacts_page_redirects_to_the_primary(owner_client, workspace, owner):
    # given a contact merged into another, and that one later merged into a third
    first = ContactFactory(workspace=workspace, email="first@example.com")
    second = ContactFactory(workspace=workspace, email="second@example.com")
    third = ContactFactory(workspace=workspace, email="third@example.com")
    gone_id = second.public_id
    _merge(workspace, first, second, owner)
    # when staff open the merged-away contact's old address
    response = owner_client.get(url("detail", gone_id), follow=True)
    # then they land on the primary's page, told why
    assert response.redirect_chain == [(url("detail", first.public_id), 302)]
    body = response.content.decode()
    assert "first@example.com" in body and "That contact was merged into this one." in body
    # and after the primary is merged too, the old address follows the chain
    _merge(workspace, third, first, owner)
    response = owner_client.get(url("detail", gone_id))
    assert response.status_code == 302 and response["Location"] == url("detail", third.public_id)
    # while an address that never existed is still a 404
    assert owner_client.get(url("detail", "nosuchcontact")).status_code == 404


def test_a_merged_away_contact_does_not_redirect_in_another_workspace(
    client, workspace, other_workspace, owner
):
    # given a merge in workspace alpha, and an owner of workspace beta
    first = ContactFactory(workspace=workspace, email="first@example.com")
    second = ContactFactory(workspace=workspace, email="second@example.com")
    _merge(workspace, first, second, owner)
    beta_owner = MembershipFactory(workspace=other_workspace, role=Role.OWNER).user
    client.force_login(beta_owner)
    # when beta's owner puts the merged-away id in beta's dashboard
    response = client.get(url("detail", second.public_id, ws="beta"))
    # then it is a 404, like any contact beta does not have
    assert response.status_code == 404
    assert first.public_id not in response.content.decode()


def _ids_and_labels(body: str) -> tuple[list[str], list[str]]:
    import re

    ids = re.findall(r'\sid="([^"]+)"', body)
    label_targets = re.findall(r'<label[^>]*\sfor="([^"]+)"', body)
    return ids, label_targets


@pytest.mark.parametrize("page", ["detail", "list"])
def test_contact_page_and_list_use_each_id_once_and_labels_find_their_input(
    owner_client, workspace, page
):
    # given a contact with an address, a tag and an offer to grant
    offer = OfferFactory(workspace=workspace)
    contact = services.create_contact(
        workspace, email="a@example.com", first_name="Ann", tags=["VIP"], offers=[offer]
    )
    owner_client.post(url("address_add", contact.public_id), {"city": "札幌市", "country": "JP"})
    # when staff open the page (the list with a filter, so the segment form shows too)
    if page == "detail":
        response = owner_client.get(url("detail", contact.public_id))
    else:
        response = owner_client.get(url("list"), {"q": "a@"})
    body = response.content.decode()
    ids, label_targets = _ids_and_labels(body)
    # then no id is used twice, and every label points at exactly one element
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert set(label_targets) <= set(ids)
    if page == "detail":
        # the address form's Name and Phone have their own labelled inputs
        assert 'for="address_name"' in body and 'id="address_name"' in body
        assert 'for="address_phone"' in body and 'id="address_phone"' in body
