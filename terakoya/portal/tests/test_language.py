"""Which language a customer sees and gets: their explicit choice, else (once known) the
contact's language, else the browser's Accept-Language, else the workspace's default."""

from __future__ import annotations

import pytest
from django.test import Client

from terakoya.accounts.tests.factories import (
    latest_email,
    link_in,
    login,
    make_customer,
    path_of,
)
from terakoya.contacts.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def japanese_workspace(workspace):
    workspace.default_language = "ja"
    workspace.save()
    return workspace


def _body(response) -> str:
    return response.content.decode()


def test_an_english_contact_follows_the_emailed_link_into_english_pages(japanese_workspace):
    # Given an English contact of a Japanese workspace
    account = make_customer(japanese_workspace, language="en")
    client = Client()
    # When they ask for a sign-in email from the (Japanese) page
    asked = client.post("/login/code/", {"email": account.contact.email})
    assert asked.status_code == 302
    message = latest_email(japanese_workspace, "accounts.login_code")
    # Then the email is English, its HTML part says so
    assert message.language == "en"
    assert '<html lang="en">' in message.body_html
    # When the link is opened in a fresh browser (no language chosen)
    browser = Client()
    confirm = browser.get(path_of(link_in(message, "/login/link/")), follow=True)
    # Then the confirm page is English
    assert confirm["Content-Language"] == "en"
    assert f"Sign in as {account.contact.email}?" in _body(confirm)
    # And after pressing the button the customer center is English too
    home = browser.post("/login/link/", follow=True)
    assert home["Content-Language"] == "en"
    assert "Welcome, Hanako Yamada" in _body(home)


def test_a_japanese_contact_sees_japanese_pages_after_login_even_with_an_english_browser(
    workspace,
):
    # Given an English workspace and a Japanese contact on an English browser
    account = make_customer(workspace, language="ja")
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    # When they log in
    home = login(client, account.contact.email, follow=True)
    # Then the customer center is in their language
    assert home["Content-Language"] == "ja"
    assert "ようこそ" in _body(home)


def test_the_reset_page_follows_the_contact_and_the_explicit_choice_beats_it(
    japanese_workspace,
):
    # Given an English contact who asked for a reset
    account = make_customer(japanese_workspace, language="en")
    Client().post("/password/forgot/", {"email": account.contact.email})
    reset_path = path_of(
        link_in(latest_email(japanese_workspace, "accounts.password_reset"), "/password/reset/")
    )
    # When the link is opened in a browser without a choice
    page = Client().get(reset_path, follow=True)
    # Then the reset page is English
    assert page["Content-Language"] == "en"
    # When it is opened in a browser where the visitor picked Japanese with the switch
    chooser = Client()
    chooser.post("/i18n/setlang/", {"language": "ja", "next": "/login/"})
    page = chooser.get(reset_path, follow=True)
    # Then the explicit choice wins
    assert page["Content-Language"] == "ja"
    assert "新しいパスワード" in _body(page)


def test_a_reset_asked_from_the_english_page_is_english_and_remembered(japanese_workspace):
    # Given a contact without a language in a Japanese workspace
    account = make_customer(japanese_workspace, language="")
    client = Client()
    # When they switch the page to English and ask for a reset there
    client.post("/i18n/setlang/", {"language": "en", "next": "/password/forgot/"})
    page = client.get("/password/forgot/")
    assert page["Content-Language"] == "en"
    client.post("/password/forgot/", {"email": account.contact.email})
    # Then the email is English
    message = latest_email(japanese_workspace, "accounts.password_reset")
    assert message.language == "en"
    assert "password" in message.subject.lower()
    # And the contact keeps English for the next emails
    assert Contact.objects.get(pk=account.contact.pk).language == "en"


def test_a_reset_asked_from_a_browser_in_english_is_english(japanese_workspace):
    # Given a contact without a language, on a browser that prefers English
    account = make_customer(japanese_workspace, language="")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    # When they ask for a sign-in code
    client.post("/login/code/", {"email": account.contact.email})
    # Then the email is English and remembered
    assert latest_email(japanese_workspace, "accounts.login_code").language == "en"
    assert Contact.objects.get(pk=account.contact.pk).language == "en"


def test_a_reset_asked_on_the_workspace_default_page_keeps_the_contact_open(japanese_workspace):
    # Given a contact without a language and a visitor who expressed no preference
    account = make_customer(japanese_workspace, language="")
    # When a reset is asked
    Client().post("/password/forgot/", {"email": account.contact.email})
    # Then the email follows the workspace and nothing is stored for the contact
    assert latest_email(japanese_workspace, "accounts.password_reset").language == "ja"
    assert Contact.objects.get(pk=account.contact.pk).language == ""


def test_an_anonymous_visitor_with_an_english_browser_sees_english(japanese_workspace):
    # Given a Japanese workspace
    # When an anonymous visitor's browser asks for English
    page = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8,ja;q=0.5").get("/login/")
    # Then the login page is English
    assert page["Content-Language"] == "en"
    assert "Log in" in _body(page)
    # And without a header it is the workspace's Japanese
    assert Client().get("/login/")["Content-Language"] == "ja"


def test_switching_language_while_logged_in_updates_the_contact(japanese_workspace):
    # Given a logged-in Japanese customer and another customer of the same workspace
    account = make_customer(japanese_workspace, language="ja")
    bystander = make_customer(japanese_workspace, email="taro@example.com", language="ja")
    client = Client()
    login(client, account.contact.email)
    # When they switch to English
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert switched.status_code == 302
    # Then their contact is English (so emails follow) and the pages are English
    assert Contact.objects.get(pk=account.contact.pk).language == "en"
    assert client.get("/", follow=True)["Content-Language"] == "en"
    # And nobody else changed
    assert Contact.objects.get(pk=bystander.contact.pk).language == "ja"
    # And their next email is English
    client.post("/logout/")
    client.post("/password/forgot/", {"email": account.contact.email})
    assert latest_email(japanese_workspace, "accounts.password_reset").language == "en"


def test_a_switch_touches_no_contact_of_another_workspace(japanese_workspace, other_workspace):
    # Given a customer logged in on another workspace's host
    other = make_customer(other_workspace, language="ja")
    client = Client(HTTP_HOST=other_workspace.host)
    login(client, other.contact.email)
    # When a visitor on this workspace's host (no customer session here) switches
    Client().post("/i18n/setlang/", {"language": "en", "next": "/"})
    # And the customer switches on their own host
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    # Then only the customer's own contact changed
    assert Contact.objects.get(pk=other.contact.pk).language == "en"
    assert not Contact.objects.filter(workspace=japanese_workspace, language="en").exists()


def test_a_bad_language_is_ignored_without_an_error(japanese_workspace):
    # Given a logged-in customer
    account = make_customer(japanese_workspace, language="ja")
    client = Client()
    login(client, account.contact.email)
    # When the switch is posted with nonsense
    response = client.post("/i18n/setlang/", {"language": "xx<script>", "next": "/"})
    # Then nothing breaks and nothing changes
    assert response.status_code == 302
    assert Contact.objects.get(pk=account.contact.pk).language == "ja"


def test_a_japanese_email_says_so_in_its_html(workspace):
    # Given a Japanese contact of an English workspace
    account = make_customer(workspace, language="ja")
    # When they ask for a reset from the (English) page
    Client().post("/password/forgot/", {"email": account.contact.email})
    # Then the email's HTML part is marked Japanese, like its words
    message = latest_email(workspace, "accounts.password_reset")
    assert message.language == "ja"
    assert '<html lang="ja">' in message.body_html
    assert '<html lang="en">' not in message.body_html
