"""Every customer-center and dashboard page, rendered in Japanese, has no English left over.

The pages come from the URL resolver, so a new page is checked without anyone adding it here;
a new page whose URL needs an argument fails until it is given one below (or skipped with a
reason). Rich data (a merge, an import with errors, a bulk action, consent events, every
activity verb the services record) makes the pages show what staff really see.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from terakoya.accounts.models import CustomerAccount
from terakoya.accounts.services import (
    issue_login_code,
    save_login_settings,
    set_customer_password,
    set_temporary_password,
    start_phone_verification,
    unlock_customer,
)
from terakoya.accounts.tests.factories import PASSWORD, latest_email, link_in, path_of
from terakoya.api.services import create_api_key, revoke_api_key
from terakoya.catalog.services import create_offer, grant_offer, revoke_offer
from terakoya.contacts.bulk import start_bulk_action
from terakoya.contacts.imports.tests.helpers import run_file
from terakoya.contacts.merge.queries import compute_suggestions
from terakoya.contacts.merge.services import merge_contacts
from terakoya.contacts.models import Contact, ContactTag
from terakoya.contacts.services import (
    add_tag,
    create_contact,
    request_double_opt_in,
    save_address,
    save_segment,
    unsubscribe_contact,
    update_contact,
)
from terakoya.workspaces.services import update_workspace_settings

pytestmark = pytest.mark.django_db

# Words and phrases that only appear on a Japanese page when a string was left untranslated.
# Matched as whole words, case-sensitively, in the page's visible text.
LEFTOVERS = [
    "Your password",
    "This password",
    "must contain",
    "characters",
    "Save",
    "Cancel",
    "Search",
    "Contacts",
    "Contact",
    "Log in",
    "Sign in",
    "Email",
    "Password",
    "Delete",
    "Edit",
    "Undo",
    "Merge",
    "Import",
    "Export",
    "Settings",
    "Activity",
    "Language",
    "Japanese",
    "English",
    "Subscribed",
    "Unsubscribed",
    "Never subscribed",
    "Nothing yet",
    "Required",
    "This field",
    "Enter a valid",
    "Choose",
    "Next",
    "Previous",
    "Yes",
    "No",
    "None",
    "True",
    "False",
]
LEFTOVER_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in LEFTOVERS) + r")\b")
# Three English words in a row (a sentence or a label) is a leftover too.
SENTENCE_RE = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,'][A-Za-z]?[a-z]+){2,}\b")
# Internal names that staff must never read: event codes and model labels.
CODE_RE = re.compile(r"\b[a-z_]+\.[a-z_]+\b|\b[a-z_]+\.[A-Z][A-Za-z]+\b")
# Attributes people read or hear (screen readers) besides the text itself.
SPOKEN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")

# Parameterised pages nobody can GET (POST-only or files) and why; all others are built below.
SKIP = {
    "dashboard:contact_imports:errors": "a CSV download, not a page",
    "dashboard:contacts:export": "a CSV download, not a page",
}


class VisibleText(HTMLParser):
    """The text a person sees or hears: no tags, scripts, styles or (most) attributes, and
    nothing marked as another language (`lang="en"`, like the language switch's "English")."""

    HIDDEN = {"script", "style", "template", "head"}
    VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = values.get("lang")
        skip = tag in self.HIDDEN or (lang is not None and not lang.startswith("ja"))
        if tag == "html":
            skip = False
        if not skip and not self._skipping():
            for name in SPOKEN_ATTRIBUTES:
                if values.get(name):
                    self.parts.append(str(values[name]))
            if (
                tag == "input"
                and values.get("type") in {"submit", "button"}
                and values.get("value")
            ):
                self.parts.append(str(values["value"]))
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.parts


def leftovers(html: str, data: set[str]) -> list[str]:
    found = []
    for text in visible_text(html):
        # What the test itself typed in (names, emails, tags) is data, not the UI's words.
        for value in sorted(data, key=len, reverse=True):
            text = text.replace(value, " ")
        for regex in (LEFTOVER_RE, SENTENCE_RE, CODE_RE):
            found += [m.group(0) for m in regex.finditer(text)]
    return found


def patterns() -> list[tuple[str, str, list[str]]]:
    """(route, name, argument names) of every page in the URL configuration."""
    found: list[tuple[str, str, list[str]]] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                walk(
                    p,
                    prefix + str(p.pattern),
                    namespace + (f"{p.namespace}:" if p.namespace else ""),
                )
            elif isinstance(p, URLPattern) and p.name:
                route = prefix + str(p.pattern)
                found.append((route, namespace + p.name, re.findall(r"<(?:\w+:)?(\w+)>", route)))

    walk(get_resolver(), "", "")
    return found


@pytest.fixture
def world(workspace, owner, other_workspace) -> dict[str, Any]:
    """A Japanese workspace with some of everything, built through the services."""
    update_workspace_settings(
        workspace, actor=owner, changes={"name": "テラコヤ塾", "default_language": "ja"}
    )
    workspace.refresh_from_db()
    save_login_settings(
        workspace,
        values={
            "allow_password": True,
            "allow_email_code": True,
            "allow_sms_code": True,
            "reset_link_minutes": 60,
        },
        text_overrides={},
        actor=owner,
    )
    offer = create_offer(workspace, name="オンライン講座", actor=owner)
    hanako = create_contact(
        workspace,
        email="hanako@example.com",
        first_name="花子",
        last_name="山田",
        phone="+819012345678",
        language="ja",
        subscribe=True,
        consent_source="セミナー申込フォーム",
        tags=["セミナー"],
        offers=[offer],
        actor=owner,
    )
    save_address(
        workspace,
        contact=hanako,
        data={"line1": "東京都千代田区1-1", "postal_code": "100-0001", "country": "JP"},
        actor=owner,
    )
    taro = create_contact(
        workspace, email="taro@example.com", first_name="太郎", last_name="山田", actor=owner
    )
    twin = create_contact(
        workspace,
        email="hanako.yamada@example.com",
        first_name="花子",
        last_name="山田",
        language="en",
        actor=owner,
    )
    set_customer_password(workspace, contact=twin, password="合言葉はねこ 1234", actor=owner)
    request_double_opt_in(workspace, contact=taro, actor=owner)
    unsubscribe_contact(workspace, contact=hanako, actor=owner)
    update_contact(workspace, contact=taro, changes={"language": "en"}, actor=owner)
    add_tag(workspace, contact=taro, name="見込み客", actor=owner)
    grant_offer(workspace, contact=taro, offer=offer, actor=owner)
    revoke_offer(workspace, contact=taro, offer=offer, actor=owner)
    merge = merge_contacts(
        workspace,
        contact_ids=[hanako.public_id, twin.public_id],
        primary_id=hanako.public_id,
        confirm_email="hanako@example.com",
        actor=owner,
    )
    # A merge that was undone, after its notice email joined the merged contact.
    jiro = create_contact(workspace, email="jiro@example.com", last_name="佐藤", actor=owner)
    jiro2 = create_contact(
        workspace, email="jiro2@example.com", last_name="佐藤", language="en", actor=owner
    )
    set_customer_password(workspace, contact=jiro2, password="合言葉はいぬ 1234", actor=owner)
    undone = merge_contacts(
        workspace,
        contact_ids=[jiro.public_id, jiro2.public_id],
        primary_id=jiro.public_id,
        keep_password_from=jiro2.public_id,
        confirm_email="jiro@example.com",
        notify_customer=True,
        actor=owner,
    )
    from terakoya.contacts.merge.services import undo_merge

    undo_merge(workspace, merge=undone, actor=owner)
    create_contact(workspace, email="taro.y@example.com", first_name="太郎", actor=owner)
    compute_suggestions(workspace)
    save_segment(workspace, name="セミナー参加者", filters={"tag": "セミナー"}, actor=owner)
    job = run_file(
        workspace,
        "メールアドレス,姓,名\nnew@example.com,鈴木,一郎\nnot-an-email,佐藤,次郎\n",
        actor=owner,
    )
    bulk = start_bulk_action(
        workspace,
        action="add_tag",
        selection={"tag": "セミナー"},
        params={"tag": "一括"},
        actor=owner,
    )
    key, _raw = create_api_key(workspace, name="連携用", actor=owner)
    revoke_api_key(workspace, key=key, actor=owner)
    customer = set_customer_password(
        workspace, contact=hanako, password=PASSWORD, actor="hanako@example.com"
    )
    unlock_customer(workspace, contact=hanako, actor=owner)
    set_temporary_password(
        workspace, contact=taro, password="仮の合言葉 5678", actor=owner, send_email=True
    )
    # Another workspace's rows: none of its words may appear (and none is built into a URL).
    create_contact(other_workspace, email="beta@example.com", first_name="Beta", actor=None)
    return {
        "workspace": workspace,
        "owner": owner,
        "offer": offer,
        "hanako": hanako,
        "taro": taro,
        "customer": customer,
        "merge": merge,
        "undone": undone,
        "job": job,
        "bulk": bulk,
        "key": key,
        "tag": ContactTag.objects.filter(contact=hanako).select_related("tag").first(),
        "address": hanako.addresses.first(),
        "segment": workspace_segment(workspace),
    }


def workspace_segment(workspace: Any) -> Any:
    from terakoya.contacts.models import Segment

    return Segment.objects.filter(workspace=workspace).first()


DATA = {
    "テラコヤ塾",
    "hanako@example.com",
    "taro@example.com",
    "hanako.yamada@example.com",
    "jiro@example.com",
    "jiro2@example.com",
    "taro.y@example.com",
    "new@example.com",
    "not-an-email",
    "example.com",
    "c.csv",
}


def dashboard_args(name: str, arg: str, w: dict[str, Any]) -> str | None:
    hanako: Contact = w["hanako"]
    by_name = {
        "workspace_slug": w["workspace"].slug,
        "job_id": w["bulk"].public_id,
        "segment_id": w["segment"].public_id,
        "tag_id": w["tag"].tag.public_id,
        "offer_id": w["offer"].public_id,
        "address_id": w["address"].public_id,
        "merge_id": w["merge"].public_id,
    }
    if arg == "public_id":
        if name.startswith("dashboard:contact_imports:"):
            return str(w["job"].public_id)
        if name.startswith("dashboard:catalog:"):
            return str(w["offer"].public_id)
        if name.startswith("dashboard:api_dashboard:"):
            return str(w["key"].public_id)
        return str(w["taro"].public_id if "access" in name else hanako.public_id)
    value = by_name.get(arg)
    return None if value is None else str(value)


def build(route: str, values: dict[str, str]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)


def check(client: Client, path: str, problems: dict[str, Any], **extra: Any) -> None:
    response = client.get(path, follow=True, **extra)
    if response.status_code == 405 or "html" not in response.get("Content-Type", ""):
        return
    body = response.content.decode()
    assert response.status_code < 500, path
    found = leftovers(body, DATA)
    if found:
        problems[path] = sorted(set(found))


def test_every_dashboard_page_is_japanese(world, owner_client):
    # Given a Japanese workspace full of data and its logged-in owner
    problems: dict[str, Any] = {}
    unbuilt = []
    # When every dashboard page is opened
    for route, name, args in patterns():
        if not (name.startswith("dashboard:") or name.startswith("staff:")):
            continue
        if name in SKIP:
            continue
        values = {a: dashboard_args(name, a, world) for a in args}
        if any(v is None for v in values.values()):
            unbuilt.append(name)
            continue
        check(owner_client, build(route, values), problems)  # type: ignore[arg-type]
        if name == "dashboard:contact_merge:preview":
            pair = f"{world['taro'].public_id},{world['hanako'].public_id}"
            check(owner_client, build(route, values) + f"?contacts={pair}", problems)  # type: ignore[arg-type]
        if name == "dashboard:contact_merge:detail":
            undone = {**values, "merge_id": world["undone"].public_id}
            check(owner_client, build(route, undone), problems)  # type: ignore[arg-type]
    # Then no page has English left over, and every page could be built
    assert unbuilt == []
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_every_customer_page_is_japanese(world):
    # Given a Japanese workspace and its customer
    workspace = world["workspace"]
    problems: dict[str, Any] = {}
    unbuilt = []
    visitor = Client()
    customer = Client()
    customer.post("/login/", {"email": "hanako@example.com", "password": PASSWORD})
    account: CustomerAccount = world["customer"]
    start_phone_verification(workspace, account=account, phone="+819012345678", ip=None)
    customer.post("/account/phone/", {"phone": "09012345678"})
    link, _code = issue_login_code(workspace, account=account)
    from terakoya.accounts.services import send_password_reset

    send_password_reset(workspace, contact=world["hanako"], actor=world["owner"])
    reset = path_of(link_in(latest_email(workspace, "accounts.password_reset"), "/password/reset/"))
    confirm = path_of(link_in(latest_email(workspace, "contacts.double_opt_in"), "/email/confirm/"))
    tokens = {
        "accounts:link_token": f"/login/link/{link}/",
        "accounts:reset_token": reset,
        "contacts_public:confirm_subscription": confirm,
    }
    # When every customer-center page is opened, by a visitor and by the customer
    for route, name, args in patterns():
        if name.split(":")[0] not in {"accounts", "portal", "contacts_public"}:
            continue
        if args:
            if name not in tokens:
                unbuilt.append(name)
                continue
            check(Client(), tokens[name], problems)
            continue
        check(visitor, build(route, {}), problems)
        check(customer, build(route, {}), problems)
    # And the pages behind an invalid or used link
    check(Client(), "/login/link/not-a-token/", problems)
    check(Client(), "/password/reset/not-a-token/", problems)
    check(Client(), "/email/confirm/not-a-token/", problems)
    # Then no page has English left over, and every page could be built
    assert unbuilt == []
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_the_checker_finds_english(world):
    # Given a page with a leftover label, a sentence, an event code and a marked English word
    html = (
        '<html lang="ja"><body><p>保存しました</p><button>Save</button>'
        "<p>Your password must contain at least 8 characters.</p><td>contact.merged</td>"
        '<button lang="en">English</button><input placeholder="Search"></body></html>'
    )
    # Then the English is found, the marked word is not
    found = leftovers(html, set())
    assert "Save" in found and "Search" in found and "contact.merged" in found
    assert "Your password" in found
    assert "English" not in found
