from __future__ import annotations

import json

import pytest
from django.test import Client

from terakoya.api.services import create_api_key, revoke_api_key
from terakoya.catalog.models import Grant
from terakoya.contacts import services
from terakoya.contacts.models import ConsentEvent, Contact
from terakoya.contacts.tests.factories import OfferFactory
from terakoya.mail.models import OutboxMessage

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


@pytest.fixture
def key(workspace):
    return create_api_key(workspace, name="CI")[1]


@pytest.fixture
def api(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def post(api, path, data):
    return api.post(BASE + path, data=json.dumps(data), content_type="application/json")


def patch(api, path, data):
    return api.patch(BASE + path, data=json.dumps(data), content_type="application/json")


def test_no_key_no_answer(client, workspace, key):
    # every path in the schema refuses requests without a valid key
    schema = client.get(BASE + "/openapi.json").json()
    for path, ops in schema["paths"].items():
        concrete = (
            path.replace("{contact_id}", "x").replace("{tag_id}", "x").replace("{offer_id}", "x")
        )
        concrete = concrete.replace("{job_id}", "x")
        for method, op in ops.items():
            assert "401" in op["responses"], (method, path)
            assert "422" in op["responses"] and "404" in op["responses"]
            response = getattr(client, method)(concrete)
            assert response.status_code == 401, (method, path)
    bad = Client(HTTP_AUTHORIZATION="Bearer tk_wrong")
    assert bad.get(BASE + "/contacts").status_code == 401


def test_revoked_key_stops_working(workspace, key, api):
    assert api.get(BASE + "/contacts").status_code == 200
    from terakoya.api.models import ApiKey

    revoke_api_key(workspace, key=ApiKey.objects.get())
    assert api.get(BASE + "/contacts").status_code == 401


def test_contacts_crud_and_search(api, workspace):
    offer = OfferFactory(workspace=workspace)
    created = post(
        api,
        "/contacts",
        {
            "email": "Hanako@Example.com",
            "first_name": "花子",
            "last_name": "山田",
            "phone": "09012345678",
            "tags": ["VIP"],
            "offers": [offer.public_id],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    cid = body["id"]
    assert body["email"] == "hanako@example.com" and body["is_member"] and body["tags"] == ["VIP"]
    assert body["consent_state"] == "never_subscribed" and body["phone"] == "+819012345678"
    assert "pk" not in body
    listed = api.get(BASE + "/contacts", {"q": "山田", "member": "true"}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == cid
    assert api.get(BASE + "/contacts", {"q": "nobody"}).json()["count"] == 0
    updated = patch(api, f"/contacts/{cid}", {"first_name": "太郎", "consent_state": "subscribed"})
    assert updated.status_code == 200 and updated.json()["first_name"] == "太郎"
    assert updated.json()["consent_state"] == "never_subscribed"
    assert post(api, "/contacts", {"email": "hanako@example.com"}).status_code == 422
    assert post(api, "/contacts", {"email": "bad"}).status_code == 422
    assert api.delete(f"{BASE}/contacts/{cid}").status_code == 204
    assert api.get(f"{BASE}/contacts/{cid}").status_code == 404
    assert Contact.objects.get(public_id=cid).deleted_at is not None


def test_subscribe_only_at_creation_with_source(api, workspace):
    assert post(api, "/contacts", {"email": "a@example.com", "subscribe": True}).status_code == 422
    created = post(
        api,
        "/contacts",
        {
            "email": "a@example.com",
            "subscribe": True,
            "consent_source": "Newsletter form",
            "consent_wording": "Yes",
        },
    )
    assert created.json()["consent_state"] == "subscribed"
    cid = created.json()["id"]
    assert post(api, f"/contacts/{cid}/consent/unsubscribe", {}).json()["state"] == "unsubscribed"
    # there is no way back except the contact's own confirmation
    assert (
        patch(api, f"/contacts/{cid}", {"consent_state": "subscribed"}).json()["consent_state"]
        == "unsubscribed"
    )
    assert post(api, f"/contacts/{cid}/consent/double-opt-in", {}).status_code == 202
    assert OutboxMessage.objects.filter(kind="contacts.double_opt_in").count() == 1
    consent = api.get(f"{BASE}/contacts/{cid}/consent").json()
    assert consent["state"] == "unsubscribed"
    assert [e["method"] for e in consent["events"]] == ["doi_requested", "staff_unsubscribe", "api"]
    assert post(api, f"/contacts/{cid}/consent/double-opt-in", {}).status_code == 422


def test_tags_offers_grants(api, workspace):
    contact = services.create_contact(workspace, email="a@example.com")
    cid = contact.public_id
    offer = post(api, "/offers", {"name": "オンライン講座", "description": "d"}).json()
    assert post(api, "/offers", {"name": "オンライン講座"}).status_code == 422
    assert (
        patch(api, f"/offers/{offer['id']}", {"internal_note": "n"}).json()["internal_note"] == "n"
    )
    assert api.get(f"{BASE}/offers").json()[0]["name"] == "オンライン講座"
    grant = post(api, f"/contacts/{cid}/grants", {"offer_id": offer["id"]})
    assert grant.status_code == 201 and grant.json()["active"]
    revoked = api.delete(f"{BASE}/contacts/{cid}/grants/{offer['id']}")
    assert revoked.status_code == 200 and not revoked.json()["active"]
    assert api.delete(f"{BASE}/contacts/{cid}/grants/{offer['id']}").status_code == 404
    history = api.get(f"{BASE}/contacts/{cid}/grants").json()
    assert len(history) == 1 and history[0]["revoked_at"]
    tagged = post(api, f"/contacts/{cid}/tags", {"name": "セミナー"}).json()
    assert tagged["tags"] == ["セミナー"]
    tag_id = api.get(f"{BASE}/tags").json()[0]["id"]
    assert api.delete(f"{BASE}/contacts/{cid}/tags/{tag_id}").json()["tags"] == []


def test_other_workspace_objects_are_404(api, workspace, other_workspace):
    theirs = services.create_contact(other_workspace, email="x@example.com")
    their_offer = OfferFactory(workspace=other_workspace)
    mine = services.create_contact(workspace, email="mine@example.com")
    cid = theirs.public_id
    for path in (
        f"/contacts/{cid}",
        f"/contacts/{cid}/grants",
        f"/contacts/{cid}/consent",
        f"/offers/{their_offer.public_id}",
    ):
        assert api.get(BASE + path).status_code == 404
    assert patch(api, f"/contacts/{cid}", {"first_name": "x"}).status_code == 404
    assert api.delete(f"{BASE}/contacts/{cid}").status_code == 404
    assert post(api, f"/contacts/{cid}/consent/unsubscribe", {}).status_code == 404
    assert (
        post(
            api, f"/contacts/{mine.public_id}/grants", {"offer_id": their_offer.public_id}
        ).status_code
        == 404
    )
    assert (
        post(
            api, "/contacts", {"email": "n@example.com", "offers": [their_offer.public_id]}
        ).status_code
        == 404
    )
    assert api.get(BASE + "/contacts").json()["count"] == 1
    assert not Grant.objects.filter(offer=their_offer).exists()
    theirs.refresh_from_db()
    assert theirs.deleted_at is None and theirs.first_name == "Hanako" or theirs.first_name == ""
    assert not ConsentEvent.objects.filter(contact=theirs).exists()


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/contacts", {"email": "a\x00@example.com"}),
        ("post", "/contacts", {"email": 5}),
        ("post", "/contacts", {"email": "a@example.com", "language": "fr"}),
        ("post", "/contacts", {"email": "a@example.com", "phone": "++"}),
        ("get", "/contacts?limit=100000", None),
        ("get", "/contacts?created_from=2020-13-01", None),
        ("get", "/contacts?q=%00abc", None),
        ("get", "/contacts/%00", None),
        ("get", "/contacts/" + "a" * 300, None),
    ],
)
def test_bad_input_is_a_4xx(api, workspace, method, path, data):
    if method == "post":
        response = post(api, path, data)
    else:
        response = api.get(BASE + path)
    assert 400 <= response.status_code < 500
    assert Contact.objects.count() == 0


def test_unparseable_json_is_400(api):
    response = api.post(BASE + "/contacts", data="{", content_type="application/json")
    assert response.status_code in (400, 422)


def test_error_details_follow_the_language(workspace, key):
    # Given a caller without a key, in English and in Japanese
    english = Client()
    japanese = Client()
    japanese.cookies["terakoya_language"] = "ja"
    # Then the refusal is explained in each one's language
    assert english.get(BASE + "/contacts").json()["detail"] == "Unauthorized"
    assert "APIキー" in japanese.get(BASE + "/contacts").json()["detail"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [("ja-JP,ja;q=0.9,en;q=0.8", "APIキー"), ("en-US,en;q=0.9", "Unauthorized"), ("xx", "")],
)
def test_api_callers_choose_the_language_with_accept_language(workspace, key, header, expected):
    # Given a caller without a key that states its language in the standard header
    caller = Client(HTTP_ACCEPT_LANGUAGE=header)

    # When refused
    response = caller.get(BASE + "/contacts")

    # Then the reason is in that language (an unknown one falls back to the workspace's)
    assert response.status_code == 401
    assert expected in response.json()["detail"]
    assert response["Content-Language"] in ("ja", "en")
