from __future__ import annotations

import pytest

from terakoya.core.email_url import email_settings_from_url


def test_smtp_url_with_credentials_and_tls():
    s = email_settings_from_url("smtp://user%40x:p%3Ass@mail.example.com:2525?tls=1")
    assert s["EMAIL_HOST"] == "mail.example.com"
    assert s["EMAIL_PORT"] == 2525
    assert s["EMAIL_HOST_USER"] == "user@x"
    assert s["EMAIL_HOST_PASSWORD"] == "p:ss"
    assert s["EMAIL_USE_TLS"] is True


def test_console_and_file_urls():
    assert email_settings_from_url("console:")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    s = email_settings_from_url("file:///tmp/mails")
    assert s["EMAIL_FILE_PATH"] == "/tmp/mails"


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError):
        email_settings_from_url("carrier-pigeon://coop")


def test_file_backend_writes_one_file_per_message(tmp_path, settings):
    from django.core.mail import EmailMessage, get_connection

    conn = get_connection(
        "terakoya.mail.backends.OneFilePerMessageBackend", file_path=str(tmp_path)
    )
    conn.send_messages(
        [EmailMessage("a", "b", to=["x@example.com"]), EmailMessage("c", "d", to=["y@example.com"])]
    )
    assert len(list(tmp_path.glob("*.eml"))) == 2
