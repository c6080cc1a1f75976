"""Emails stored before secrets were sealed kept sign-in links, codes, reset links, temporary
passwords and opt-in links in clear. Those already sent (or failed for good) are redacted here;
messages still queued are left to be delivered as they are (their links expire within hours)."""

import re

from django.db import migrations

MASK = "••••"
LINKS = {
    "accounts.login_code": [r"/login/link/"],
    "accounts.password_reset": [r"/password/reset/"],
    "contacts.double_opt_in": [r"/email/confirm/"],
}
CODE = re.compile(r"(?<![\d#])\d{6}(?!\d)")
TEMP_TEXT = re.compile(r"^((?:Temporary password:|仮パスワード：)[ \t]*).*$", re.MULTILINE)
TEMP_HTML = re.compile(r"<code>.*?</code>", re.DOTALL)


def _redact(kind, text):
    for prefix in LINKS.get(kind, []):
        text = re.sub(re.escape(prefix) + r"[A-Za-z0-9_-]+/", prefix + MASK + "/", text)
    if kind == "accounts.login_code":
        text = CODE.sub(MASK, text)
    if kind == "accounts.temporary_password":
        text = TEMP_TEXT.sub(lambda m: m.group(1) + MASK, text)
        text = TEMP_HTML.sub("<code>" + MASK + "</code>", text)
    return text


def redact(apps, schema_editor):
    OutboxMessage = apps.get_model("mail", "OutboxMessage")
    kinds = [*LINKS, "accounts.temporary_password"]
    rows = OutboxMessage.objects.filter(kind__in=kinds, status__in=["sent", "failed"], secret_slots=[])
    for message in rows.iterator():
        changed = {
            field: _redact(message.kind, getattr(message, field))
            for field in ("subject", "body_text", "body_html")
        }
        if any(changed[f] != getattr(message, f) for f in changed):
            OutboxMessage.objects.filter(pk=message.pk).update(**changed)


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0003_sending_lease_and_sealed_secrets"),
    ]

    operations = [
        # Nothing to restore on the way back: the secrets are gone for good, as they should be.
        migrations.RunPython(redact, migrations.RunPython.noop),
    ]
