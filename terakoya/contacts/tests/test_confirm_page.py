from __future__ import annotations

import pytest

from terakoya.contacts import services
from terakoya.contacts.models import ConsentEvent, ConsentState
from terakoya.core.factories import ContactFactory
from terakoya.mail.models import OutboxMessage
from terakoya.mail.services import build_message

pytestmark = pytest.mark.django_db


def _link(contact):
    services.request_double_opt_in(contact.workspace, contact=contact, actor="staff")
    # the link as the contact receives it (the stored copy has a placeholder instead)
    body = build_message(OutboxMessage.objects.filter(contact=contact).latest("id")).body
    return "/email/confirm/" + body.split("/email/confirm/")[1].split("/")[0] + "/"


def test_get_shows_a_button_and_only_post_subscribes(portal_client, workspace):
    contact = ContactFactory(workspace=workspace, consent_state=ConsentState.UNSUBSCRIBED)
    path = _link(contact)
    # an email scanner's GET changes nothing
    response = portal_client.get(path)
    assert response.status_code == 200 and b"<form" in response.content
    contact.refresh_from_db()
    assert contact.consent_state == ConsentState.UNSUBSCRIBED
    # the contact's POST subscribes, with IP and the wording shown
    response = portal_client.post(path, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.consent_state == ConsentState.SUBSCRIBED
    event = ConsentEvent.objects.filter(contact=contact).first()
    assert event.ip == "203.0.113.5" and "Alpha Academy" in event.wording
    # used link is gone
    assert portal_client.get(path).status_code == 410
    assert portal_client.post(path).status_code == 410


def test_link_does_not_work_on_another_workspace_host(
    workspace, other_workspace, client_for_host_fixture=None
):
    from conftest import client_for_host

    contact = ContactFactory(workspace=workspace)
    path = _link(contact)
    other = client_for_host(other_workspace.host)
    assert other.post(path).status_code == 410
    contact.refresh_from_db()
    assert contact.consent_state == ConsentState.NEVER_SUBSCRIBED


def test_garbage_tokens(portal_client, workspace):
    for token in ("x", "a" * 500, "%00"):
        assert portal_client.post(f"/email/confirm/{token}/").status_code in (404, 410)
