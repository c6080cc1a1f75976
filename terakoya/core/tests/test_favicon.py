from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("host", ["127.0.0.1", "beta.localhost"])
def test_favicon_ico_is_an_icon_on_every_host(workspace, other_workspace, host):
    # Given a browser on the base host or on a workspace's own host
    client = Client(HTTP_HOST=host)
    # When it asks for /favicon.ico, as browsers do by themselves
    response = client.get("/favicon.ico")
    # Then it gets a real icon, not a 404
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert "max-age" in response["Cache-Control"]


def test_pages_link_the_svg_icon_and_it_is_served(workspace):
    client = Client(HTTP_HOST="127.0.0.1")
    page = client.get("/login/").content.decode()
    assert '<link rel="icon" href="/static/terakoya/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/terakoya/favicon.svg")
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body.startswith(b"<svg") and "svg" in icon["Content-Type"]


def test_favicon_refuses_a_post(workspace):
    response = Client(HTTP_HOST="127.0.0.1").post("/favicon.ico")
    assert response.status_code == 405
