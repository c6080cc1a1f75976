from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from terakoya.accounts import sms
from terakoya.accounts.models import SmsMessage
from terakoya.accounts.services import queue_sms
from terakoya.accounts.sms import SmsError, backend_from_url


class FakeTwilio(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []
    fail = False

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        FakeTwilio.requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "form": form}
        )
        if FakeTwilio.fail:
            status, payload = 400, {"code": 21211, "message": "The 'To' number is not valid."}
        else:
            status, payload = 201, {"sid": "SM123", "status": "queued"}
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_twilio() -> Iterator[str]:
    FakeTwilio.requests, FakeTwilio.fail = [], False
    server = HTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_twilio_adapter_posts_the_message_with_basic_auth(fake_twilio, settings):
    # Given the Twilio adapter pointed at a local fake of its API
    settings.SMS_TWILIO_BASE_URL = fake_twilio
    backend = backend_from_url("twilio://AC123:secret@?from=+815012345678")
    # When a message is sent
    sent = backend.send("+819012345678", "123456 is your code")
    # Then the request has Twilio's shape and the provider id comes back
    assert sent.provider_id == "SM123"
    request = FakeTwilio.requests[0]
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request["auth"] == "Basic " + base64.b64encode(b"AC123:secret").decode()
    assert request["form"] == {
        "To": ["+819012345678"],
        "From": ["+815012345678"],
        "Body": ["123456 is your code"],
    }


def test_twilio_errors_become_sms_errors(fake_twilio, settings):
    settings.SMS_TWILIO_BASE_URL = fake_twilio
    FakeTwilio.fail = True
    with pytest.raises(SmsError, match="400"):
        backend_from_url("twilio://AC123:secret@?from=+815012345678").send("+1", "x")


def test_an_unreachable_provider_is_an_sms_error(settings):
    settings.SMS_TWILIO_BASE_URL = "http://127.0.0.1:9"
    with pytest.raises(SmsError):
        backend_from_url("twilio://AC1:tok@?from=+815012345678").send("+819012345678", "x")


def test_the_twilio_url_must_be_complete():
    with pytest.raises(ValueError, match="twilio"):
        backend_from_url("twilio://AC1@")
    with pytest.raises(ValueError, match="scheme"):
        backend_from_url("carrier-pigeon://")


def test_file_backend_writes_one_file_per_message(tmp_path):
    backend = backend_from_url(f"file://{tmp_path}/sms")
    backend.send("+819012345678", "こんにちは 123456")
    files = list((tmp_path / "sms").iterdir())
    assert len(files) == 1
    assert "こんにちは 123456" in files[0].read_text(encoding="utf-8")


def test_console_backend_prints(capsys):
    backend_from_url("console:").send("+819012345678", "hello 123456")
    assert "hello 123456" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_task_records_delivery_and_forgets_the_body(
    workspace, settings, fake_twilio, django_capture_on_commit_callbacks
):
    settings.SMS_URL = "twilio://AC123:secret@?from=+815012345678"
    settings.SMS_TWILIO_BASE_URL = fake_twilio
    with django_capture_on_commit_callbacks(execute=True):
        queue_sms(workspace, contact=None, kind="test", to="+819012345678", body="123456")
    message = SmsMessage.objects.get()
    assert (message.status, message.provider_id, message.body) == ("sent", "SM123", "")
    FakeTwilio.fail = True
    with django_capture_on_commit_callbacks(execute=True):
        queue_sms(workspace, contact=None, kind="test", to="+819012345678", body="654321")
    failed = SmsMessage.objects.order_by("-id").first()
    assert failed.status == "failed" and "400" in failed.last_error and failed.body == ""


def test_locmem_outbox_for_tests():
    sms.outbox.clear()
    backend_from_url("locmem:").send("+1", "x")
    assert sms.outbox == [("+1", "x")]


@pytest.mark.django_db
def test_old_tokens_and_attempts_are_purged(workspace):
    import datetime as dt

    import time_machine

    from terakoya.accounts.models import LoginAttempt, LoginToken
    from terakoya.accounts.services import issue_login_code
    from terakoya.accounts.tasks import purge_old_login_records
    from terakoya.accounts.tests.factories import login, make_customer

    account = make_customer(workspace)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        issue_login_code(workspace, account=account)
        from django.test import Client

        login(Client(), "hanako@example.com")
        clock.shift(dt.timedelta(days=8))
        purge_old_login_records.call()
        assert not LoginToken.objects.exists()
        assert LoginAttempt.objects.count() == 1
        clock.shift(dt.timedelta(days=180))
        purge_old_login_records.call()
        assert not LoginAttempt.objects.exists()
