"""Any workspace name goes out as a valid `From` display name, and subjects are plain text.

Through the dashboard's "send test email" and a contact's "request opt-in" (HTTP), the outbox
sweep task, and a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

from email.headerregistry import Address

import pytest
from django.test import Client

from terakoya.contacts.models import ConsentState
from terakoya.core.factories import ContactFactory, MembershipFactory, WorkspaceFactory
from terakoya.mail.models import OutboxMessage, OutboxStatus
from terakoya.mail.tasks import sweep_outbox
from terakoya.mail.tests.smtp import Collector, html_body, smtp_server, text_body, use_smtp
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db

NAMES = [
    "Demo Academy, Inc.",
    '"><img src=x onerror=alert(1)>',
    'Kurs: Jan; Feb @ "Main" O\'Brien & Co',
    "テラコヤ学園「本校」, 東京",
]


@pytest.mark.parametrize("name", NAMES)
def test_every_email_of_a_workspace_with_any_name_is_delivered_with_it_intact(name, settings):
    # Given a workspace whose name has , ; : @ quotes or HTML in it, its owner and a contact
    workspace = WorkspaceFactory(name=name, slug="demo")
    owner = MembershipFactory(workspace=workspace, role=Role.OWNER).user
    staff = Client()
    staff.force_login(owner)
    contact = ContactFactory(
        workspace=workspace, email="fan@example.com", consent_state=ConsentState.UNSUBSCRIBED
    )
    # When the owner sends a test email and asks the contact to confirm their subscription
    assert staff.post(f"/dashboard/{workspace.slug}/settings/test-email/").status_code == 302
    response = staff.post(
        f"/dashboard/{workspace.slug}/contacts/{contact.public_id}/request-opt-in/"
    )
    assert response.status_code == 302
    # And the outbox delivers to a real SMTP server
    collector = Collector()
    with smtp_server(collector) as port:
        use_smtp(settings, port)
        sweep_outbox.call()
    # Then both arrived, nothing failed
    statuses = set(
        OutboxMessage.objects.filter(workspace=workspace).values_list("status", flat=True)
    )
    assert statuses == {OutboxStatus.SENT}
    received = {str(m["To"]): m for m in collector.parsed()}
    assert set(received) == {owner.email, "fan@example.com"}
    for message in received.values():
        # And the From header names the workspace exactly, with the configured address
        [sender] = message["From"].addresses
        assert sender == Address(display_name=name, addr_spec="no-reply@localhost")
    # And subjects and plain-text bodies carry the name as typed, never HTML-escaped
    test_email = received[owner.email]
    # (a long encoded subject is folded onto the next header line: strip that whitespace)
    assert str(test_email["Subject"]).strip() == f"Test email from {name}"
    assert f"This is a test email from {name}." in text_body(test_email)
    opt_in = received["fan@example.com"]
    assert str(opt_in["Subject"]).strip() == f"Please confirm you want email from {name}"
    assert f"{name} would like to send you marketing email again" in text_body(opt_in)
    assert "&quot;" not in str(opt_in["Subject"]) + text_body(opt_in)
    # While the HTML part escapes it once, so no markup from the name gets in
    assert "<img src=x" not in html_body(opt_in)
    # And the "Sent emails" page shows the subject escaped exactly once
    page = staff.get(f"/dashboard/{workspace.slug}/emails/").content.decode()
    assert "&amp;quot;" not in page and "<img src=x" not in page
