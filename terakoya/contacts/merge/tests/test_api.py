from __future__ import annotations

import pytest

from terakoya.api.services import create_api_key
from terakoya.contacts.merge.models import Merge
from terakoya.contacts.merge.queries import compute_suggestions
from terakoya.contacts.models import Contact
from terakoya.core.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, workspace):  # type: ignore[no-untyped-def]
    _key, raw = create_api_key(workspace, name="merge test")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def post(api, path, data):  # type: ignore[no-untyped-def]
    return api.post(f"/api/v1{path}", data, content_type="application/json")


def test_dry_run_previews_then_merge_then_undo(api, workspace):
    p = ContactFactory(workspace=workspace, email="p@example.com", phone="")
    s = ContactFactory(workspace=workspace, email="s@example.com", phone="+819012345678")
    body = {"contacts": [p.public_id, s.public_id], "primary": p.public_id}
    # Dry run: the preview, nothing changed
    r = post(api, "/contacts/merge", {**body, "dry_run": True})
    assert r.status_code == 200, r.content
    assert r.json()["result"]["phone"] == "+819012345678"
    assert r.json()["alternate_emails"] == ["s@example.com"]
    assert Contact.objects.filter(workspace=workspace).count() == 2
    # Without the typed email: 422, nothing changed
    r = post(api, "/contacts/merge", body)
    assert r.status_code == 422
    # Merge
    r = post(api, "/contacts/merge", {**body, "confirm_email": "p@example.com"})
    assert r.status_code == 201, r.content
    merge_id = r.json()["id"]
    assert not Contact.objects.filter(pk=s.pk).exists()
    # Undo
    r = post(api, f"/merges/{merge_id}/undo", {})
    assert r.status_code == 200 and r.json()["status"] == "undone"
    assert Contact.objects.filter(pk=s.pk).exists()
    assert post(api, f"/merges/{merge_id}/undo", {}).status_code == 422


def test_other_workspace_is_404_or_refused(api, workspace, other_workspace):
    mine = ContactFactory(workspace=workspace, email="m@example.com")
    theirs = ContactFactory(workspace=other_workspace, email="t@example.com")
    other = ContactFactory(workspace=other_workspace, email="o@example.com")
    r = post(
        api,
        "/contacts/merge",
        {
            "contacts": [mine.public_id, theirs.public_id],
            "primary": mine.public_id,
            "confirm_email": mine.email,
        },
    )
    assert r.status_code == 422
    from terakoya.contacts.merge.services import merge_contacts

    merge = merge_contacts(
        other_workspace,
        contact_ids=[theirs.public_id, other.public_id],
        primary_id=theirs.public_id,
        confirm_email=theirs.email,
        actor=None,
    )
    assert post(api, f"/merges/{merge.public_id}/undo", {}).status_code == 404
    assert Merge.objects.get(pk=merge.pk).status == "merged"


def test_bad_input_is_422_not_500(api, workspace):
    assert post(api, "/contacts/merge", {"contacts": ["a"], "primary": "a"}).status_code == 422
    assert post(api, "/contacts/merge", {"contacts": "x"}).status_code == 422
    assert (
        post(
            api, "/contacts/merge", {"contacts": ["a", "b"], "primary": "a", "choices": {"x": "y"}}
        ).status_code
        == 422
    )


def test_duplicates_listing(api, workspace, other_workspace):
    ContactFactory(workspace=workspace, email="a@x.com", phone="+819011112222")
    ContactFactory(workspace=workspace, email="b@y.com", phone="+819011112222")
    ContactFactory(workspace=other_workspace, email="c@y.com", phone="+819011112222")
    compute_suggestions(workspace)
    compute_suggestions(other_workspace)
    r = api.get("/api/v1/contacts/duplicates")
    assert r.status_code == 200
    data = r.json()
    assert data["count"] == 1 and data["items"][0]["reasons"] == ["same_phone"]
    assert {c["email"] for c in data["items"][0]["contacts"]} == {"a@x.com", "b@y.com"}
    assert api.get("/api/v1/contacts/duplicates?limit=0").status_code == 422
    assert api.get("/api/v1/contacts/duplicates?offset=18446744073709551616").status_code == 422


def test_openapi_documents_the_endpoints(client):
    # the document the API serves, read through HTTP
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/contacts/merge",
        "/api/v1/merges/{merge_id}/undo",
        "/api/v1/contacts/duplicates",
    } <= set(paths)
