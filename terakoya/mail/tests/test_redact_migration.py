"""The migration that redacts secrets kept in clear by emails stored before they were sealed."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from terakoya.mail.models import OutboxMessage

BEFORE = "0003_sending_lease_and_sealed_secrets"
AFTER = "0004_redact_secrets_in_past_emails"


def _legacy(workspace, kind, status, **text) -> OutboxMessage:
    return OutboxMessage.objects.create(
        workspace=workspace,
        kind=kind,
        to_email="hanako@example.com",
        language="en",
        status=status,
        **{"subject": "s", "body_text": "", "body_html": "", **text},
    )


@pytest.mark.django_db(transaction=True)
def test_past_login_emails_lose_their_secrets_when_migrating(workspace, other_workspace):
    # Given the outbox as it was before this migration, in two workspaces
    call_command("migrate", "mail", BEFORE, verbosity=0)
    try:
        code = _legacy(
            workspace,
            "accounts.login_code",
            "sent",
            subject="727816 is your sign-in code for Alpha Academy",
            body_text="Your sign-in code is 727816.\nhttp://a.localhost/login/link/AbC_d-9xYz/\n",
            body_html='<p style="color:#123456">727816</p><a href="http://a/login/link/AbC_d-9/">',
        )
        reset = _legacy(
            other_workspace,
            "accounts.password_reset",
            "failed",
            body_text="http://b.localhost/password/reset/Tok-123_abc/\n",
        )
        temp = _legacy(
            workspace,
            "accounts.temporary_password",
            "sent",
            body_text="Email: hanako@example.com\n仮パスワード：hunter2 secret\n",
            body_html="<code>hunter2 secret</code>",
        )
        opt_in = _legacy(
            workspace,
            "contacts.double_opt_in",
            "sent",
            body_text="http://a.localhost/email/confirm/Zz9-_x/\n",
        )
        queued = _legacy(
            workspace,
            "accounts.login_code",
            "queued",
            subject="111222 is your sign-in code",
            body_text="http://a.localhost/login/link/StillToGo/\n",
        )
        notice = _legacy(
            workspace, "contact_merge.merged_notice", "sent", body_text="Order 123456 is yours\n"
        )
        # When the migration runs
        call_command("migrate", "mail", AFTER, verbosity=0)
    finally:
        call_command("migrate", verbosity=0)
    # Then sent and failed emails keep their text but no secret
    for message in (code, reset, temp, opt_in, queued, notice):
        message.refresh_from_db()
    assert code.subject == "•••• is your sign-in code for Alpha Academy"
    assert code.body_text == ("Your sign-in code is ••••.\nhttp://a.localhost/login/link/••••/\n")
    assert code.body_html == '<p style="color:#123456">••••</p><a href="http://a/login/link/••••/">'
    assert reset.body_text == "http://b.localhost/password/reset/••••/\n"
    assert temp.body_text == "Email: hanako@example.com\n仮パスワード：••••\n"
    assert temp.body_html == "<code>••••</code>"
    assert opt_in.body_text == "http://a.localhost/email/confirm/••••/\n"
    # And an email still waiting to go out, or one with no secrets, is left as it was
    assert queued.subject == "111222 is your sign-in code"
    assert notice.body_text == "Order 123456 is yours\n"
