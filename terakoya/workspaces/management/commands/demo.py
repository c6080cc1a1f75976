from __future__ import annotations

import json
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django_scopes import scope

from terakoya.accounts.models import CustomerAccount
from terakoya.accounts.services import set_customer_password
from terakoya.contacts.models import Contact
from terakoya.contacts.services import create_contact
from terakoya.staff.models import User
from terakoya.workspaces.models import Workspace
from terakoya.workspaces.services import create_workspace

DEMO_SLUG = "demo"
OWNER_EMAIL = "owner@demo.terakoya.test"
CUSTOMER_EMAIL = "hanako@demo.terakoya.test"
DEMO_CONTACTS = [
    # (email, first, last, language)
    (CUSTOMER_EMAIL, "花子", "山田", "ja"),
    ("taro.suzuki@demo.terakoya.test", "太郎", "鈴木", "ja"),
    ("emma@demo.terakoya.test", "Emma", "Clarke", "en"),
    ("liam@demo.terakoya.test", "Liam", "Walker", "en"),
    ("yui.tanaka@demo.terakoya.test", "結衣", "田中", "ja"),
]


class Command(BaseCommand):
    help = "Create (or reuse) the demo workspace with an owner, a customer and a few contacts."

    def handle(self, *args: Any, **options: Any) -> None:
        credentials_file = settings.VAR_DIR / "demo-credentials.json"
        credentials: dict[str, str] = {}
        if credentials_file.exists():
            credentials = json.loads(credentials_file.read_text())
        credentials.setdefault("owner_password", secrets.token_urlsafe(12))
        credentials.setdefault("customer_password", secrets.token_urlsafe(12))

        with transaction.atomic():
            owner = User.objects.filter(email=OWNER_EMAIL).first()
            if owner is None:
                owner = User.objects.create_user(
                    OWNER_EMAIL, credentials["owner_password"], full_name="Demo Owner"
                )
            workspace = Workspace.objects.filter(slug=DEMO_SLUG).first()
            if workspace is None:
                workspace = create_workspace(
                    name="てらこや Demo Academy",
                    slug=DEMO_SLUG,
                    owner=owner,
                    default_language="ja",
                    time_zone="Asia/Tokyo",
                    is_default=not Workspace.objects.filter(is_default=True).exists(),
                )
            with scope(workspace=workspace):
                for email, first, last, language in DEMO_CONTACTS:
                    if not Contact.objects.filter(workspace=workspace, email=email).exists():
                        create_contact(
                            workspace,
                            email=email,
                            first_name=first,
                            last_name=last,
                            language=language,
                            actor="demo",
                        )
                customer = Contact.objects.get(workspace=workspace, email=CUSTOMER_EMAIL)
                if not hasattr(customer, "account") or not customer.account.has_usable_password:
                    set_customer_password(
                        workspace,
                        contact=customer,
                        password=credentials["customer_password"],
                        actor="demo",
                    )
                # The demo passwords are printed only while they still work: the owner or the
                # customer may have changed theirs since (or staff set a temporary one).
                account = CustomerAccount.objects.filter(
                    workspace=workspace, contact=customer
                ).first()
                customer_ok = bool(
                    account
                    and not account.must_change_password
                    and check_password(credentials["customer_password"], account.password)
                )
            owner_ok = owner.check_password(credentials["owner_password"])
        credentials_file.write_text(json.dumps(credentials, indent=2))
        credentials_file.chmod(0o600)

        base = settings.TERAKOYA_BASE_URL
        changed = "(password changed since the demo was set up: the demo password no longer works)"
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Terakoya demo workspace is ready.",
                    f"  Customer center: {workspace.public_url}/",
                    f"  Staff dashboard: {base}/dashboard/",
                    f"  Owner login:     {OWNER_EMAIL} / {credentials['owner_password']}"
                    if owner_ok
                    else f"  Owner login:     {OWNER_EMAIL} {changed}",
                    f"  Customer login:  {CUSTOMER_EMAIL} / {credentials['customer_password']}"
                    if customer_ok
                    else f"  Customer login:  {CUSTOMER_EMAIL} {changed};"
                    " sign in with an email code, or set a temporary password in the dashboard",
                    "",
                ]
            )
        )
