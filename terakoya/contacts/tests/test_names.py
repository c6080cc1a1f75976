"""A person's name is shown one way everywhere (contacts.names.display_name): a name in
Japanese script family name first in every language, a Western name given name first — on
the dashboard pages, in emails, the CSV export, the API and the customer center; Japanese
forms ask 姓 before 名."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from terakoya.accounts.tests.factories import latest_email, login, make_customer
from terakoya.api.services import create_api_key
from terakoya.contacts import services
from terakoya.contacts.models import Contact

pytestmark = pytest.mark.django_db
LANGUAGES = ["en", "ja"]


def url(name, *args, ws="alpha"):
    return reverse(f"dashboard:contacts:{name}", args=[ws, *args])


def in_language(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def hanako(workspace):
    return services.create_contact(
        workspace, email="hanako@example.com", first_name="花子", last_name="山田", language="en"
    )


@pytest.fixture
def emma(workspace):
    return services.create_contact(
        workspace, email="emma@example.com", first_name="Emma", last_name="Clarke"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_show_japanese_names_family_first_and_western_names_as_written(
    owner_client, workspace, hanako, emma, language
):
    # given a Japanese and a Western contact, and staff using the dashboard in `language`
    in_language(owner_client, language)
    # when they open the contacts list and each contact's page
    listing = owner_client.get(url("list")).content.decode()
    hanako_page = owner_client.get(url("detail", hanako.public_id)).content.decode()
    emma_page = owner_client.get(url("detail", emma.public_id)).content.decode()
    # then 山田 花子 is family name first and Emma Clarke given name first, in both languages
    assert "山田 花子" in listing and "花子 山田" not in listing
    assert "Emma Clarke" in listing and "Clarke Emma" not in listing
    assert "<h1>山田 花子" in hanako_page and "花子 山田" not in hanako_page
    assert "<h1>Emma Clarke" in emma_page


def _position(body, name):
    return body.index(f'name="{name}"')


def test_the_japanese_add_contact_form_asks_family_name_first(owner_client, workspace):
    # given staff on the add-contact page in English, then in Japanese
    en_body = in_language(owner_client, "en").get(url("add")).content.decode()
    ja = in_language(owner_client, "ja").get(url("add")).content.decode()
    # then Japanese asks 姓 (last name) before 名 (first name); English first name first
    assert _position(ja, "last_name") < _position(ja, "first_name")
    assert ja.index(">姓:<") < ja.index(">名:<")
    assert _position(en_body, "first_name") < _position(en_body, "last_name")
    # and when the Japanese form is sent, each name lands in its own field
    response = in_language(owner_client, "ja").post(
        url("add"), {"last_name": "高橋", "first_name": "美咲", "email": "misaki@example.com"}
    )
    assert response.status_code == 302
    misaki = Contact.objects.get(workspace=workspace, email="misaki@example.com")
    assert (misaki.last_name, misaki.first_name) == ("高橋", "美咲")
    assert misaki.display_name == "高橋 美咲"


def test_the_japanese_edit_form_asks_family_name_first(owner_client, workspace, hanako):
    # given a contact's page in Japanese and in English
    ja = in_language(owner_client, "ja").get(url("detail", hanako.public_id)).content.decode()
    en = in_language(owner_client, "en").get(url("detail", hanako.public_id)).content.decode()
    # then its edit form asks 姓 first in Japanese, first name first in English
    assert _position(ja, "last_name") < _position(ja, "first_name")
    assert _position(en, "first_name") < _position(en, "last_name")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_csv_export_has_the_name_as_shown(owner_client, workspace, hanako, emma, language):
    # given the export in `language`
    response = in_language(owner_client, language).get(url("export"))
    body = b"".join(response.streaming_content).decode("utf-8")
    # then its second column is the name as the pages show it (headed in that language)
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][1] == {"en": "Name", "ja": "名前"}[language]
    by_email = {row[0]: row for row in rows[1:]}
    assert by_email["hanako@example.com"][1:4] == ["山田 花子", "花子", "山田"]
    assert by_email["emma@example.com"][1:4] == ["Emma Clarke", "Emma", "Clarke"]


def test_the_api_gives_the_display_name_and_not_another_workspaces_contact(
    workspace, other_workspace, hanako, emma
):
    # given an API key of this workspace, and a contact of another workspace
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_key(workspace, name='CI')[1]}")
    stranger = services.create_contact(
        other_workspace, email="taro@example.com", first_name="太郎", last_name="佐藤"
    )
    # when a contact is read, and the list searched family name first
    one = api.get(f"/api/v1/contacts/{hanako.public_id}", HTTP_ACCEPT_LANGUAGE="en")
    page = api.get("/api/v1/contacts", {"q": "山田 花子"})
    western = api.get(f"/api/v1/contacts/{emma.public_id}", HTTP_ACCEPT_LANGUAGE="ja")
    # then display_name is family name first for the Japanese name, as written for the other
    assert one.status_code == 200 and one.json()["display_name"] == "山田 花子"
    assert [c["display_name"] for c in page.json()["items"]] == ["山田 花子"]
    assert western.json()["display_name"] == "Emma Clarke"
    # and another workspace's contact is a 404, like a missing one
    assert api.get(f"/api/v1/contacts/{stranger.public_id}").status_code == 404
    assert api.get("/api/v1/contacts", {"q": "佐藤"}).json()["items"] == []


@pytest.mark.parametrize(
    ("language", "greeting"), [("en", "Hello 山田 花子,"), ("ja", "山田 花子 様")]
)
def test_emails_greet_a_japanese_name_family_first(
    owner_client, workspace, hanako, language, greeting
):
    # given a contact who reads email in `language`
    Contact.objects.filter(pk=hanako.pk).update(language=language)
    # when staff send them the confirmation email from the dashboard
    response = owner_client.post(url("request_opt_in", hanako.public_id))
    assert response.status_code == 302
    # then it greets them family name first
    message = latest_email(workspace, "contacts.double_opt_in")
    assert greeting in message.body_text
    assert "花子 山田" not in message.body_text + message.body_html


@pytest.mark.parametrize(
    ("language", "welcome"),
    [("en", "Welcome, 山田 花子"), ("ja", "ようこそ、山田 花子 さん")],
)
def test_the_customer_center_welcomes_the_customer_by_name(workspace, language, welcome):
    # given two customers, one with a Japanese name
    make_customer(workspace, first_name="花子", last_name="山田")
    make_customer(workspace, email="emma@example.com", first_name="Emma", last_name="Clarke")
    hanako = in_language(Client(HTTP_HOST=workspace.host), language)
    emma = in_language(Client(HTTP_HOST=workspace.host), language)
    login(hanako, "hanako@example.com")
    login(emma, "emma@example.com")
    # when each opens the customer center
    hanako_home = hanako.get("/").content.decode()
    emma_home = emma.get("/").content.decode()
    # then each is greeted by their own name in the right order, and never by the other's
    assert welcome in hanako_home and "Emma" not in hanako_home
    assert "Emma Clarke" in emma_home and "山田" not in emma_home
