from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory

from terakoya.accounts.models import LoginAttempt
from terakoya.accounts.tests.factories import login, make_customer
from terakoya.core.client_ip import client_ip

PROXY = "10.9.9.1"


def _ip(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    # Given no trusted proxy (the default)
    settings.TERAKOYA_TRUSTED_PROXIES = []
    # Then a client cannot choose its address with X-Forwarded-For
    assert _ip("192.0.2.10", "198.51.100.1") == "192.0.2.10"
    # And what is not an address is no address
    assert _ip("unix:/run/gunicorn.sock") is None


def test_the_right_most_untrusted_hop_is_the_client(settings):
    settings.TERAKOYA_TRUSTED_PROXIES = ["10.9.9.0/24", "2001:db8::1"]
    # A trusted peer: the address it saw is believed
    assert _ip(PROXY, "198.51.100.1") == "198.51.100.1"
    # A chain: trusted hops are skipped from the right; what the client wrote on the left is not
    assert _ip(PROXY, "203.0.113.66, 198.51.100.7, 10.9.9.2") == "198.51.100.7"
    # IPv6 proxies and IPv4-mapped addresses
    assert _ip("2001:db8::1", "::ffff:198.51.100.8") == "198.51.100.8"
    # An untrusted peer's header is ignored, whatever it says
    assert _ip("192.0.2.10", "198.51.100.1") == "192.0.2.10"
    # Garbage in the header: the last address a trusted proxy saw stands
    assert _ip(PROXY, "nonsense, 10.9.9.2") == "10.9.9.2"
    # No header at all from the proxy: the proxy's own address
    assert _ip(PROXY) == PROXY


def test_a_bad_trusted_proxy_setting_is_a_clear_error(settings):
    settings.TERAKOYA_TRUSTED_PROXIES = ["not-a-network"]
    with pytest.raises(ImproperlyConfigured, match="TERAKOYA_TRUSTED_PROXIES"):
        _ip(PROXY, "198.51.100.1")


def _guess(n: int, forwarded: str) -> int:
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    return login(client, f"user{n}@example.com", "password guess").status_code


@pytest.mark.django_db
def test_a_spoofed_header_does_not_escape_the_per_ip_login_limit(workspace, settings):
    # Given no trusted proxy, and one client sending a new X-Forwarded-For with every guess
    settings.TERAKOYA_TRUSTED_PROXIES = []
    statuses = [_guess(i, f"198.51.100.{i}") for i in range(31)]
    # Then all guesses share one per-IP bucket: the 31st is refused
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    assert set(LoginAttempt.objects.values_list("ip", flat=True)) == {PROXY}


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(workspace, settings):
    # Given the reverse proxy is trusted
    settings.TERAKOYA_TRUSTED_PROXIES = ["10.9.9.0/24"]
    make_customer(workspace)
    # When one client behind it uses up its per-IP login limit
    statuses = [_guess(i, "198.51.100.1") for i in range(31)]
    assert statuses[30] == 429
    # Then another client behind the same proxy still logs in
    other = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert login(other, "hanako@example.com").status_code == 302
    # And the login activity shows each client's own address
    assert LoginAttempt.objects.filter(succeeded=True).get().ip == "198.51.100.2"
    # And a chain with a client-written hop is counted on the right-most untrusted address
    chained = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1, 198.51.100.3")
    assert login(chained, "hanako@example.com").status_code == 302
    assert LoginAttempt.objects.filter(succeeded=True).first().ip == "198.51.100.3"
