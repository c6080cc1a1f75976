from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from terakoya.staff.models import User
from terakoya.workspaces.services import create_workspace


class Command(BaseCommand):
    help = "Create a workspace and its owner (a staff user, created when the email is new)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", help="Required when the owner is a new user.")
        parser.add_argument("--language", choices=["ja", "en"], default="ja")
        parser.add_argument("--time-zone", default="Asia/Tokyo")
        parser.add_argument("--default", action="store_true", help="Answer on the base host.")

    @transaction.atomic
    def handle(self, *args: Any, **o: Any) -> None:
        email = o["owner_email"].strip().lower()
        owner = User.objects.filter(email=email).first()
        if owner is None:
            if not o["owner_password"]:
                raise CommandError("--owner-password is required for a new owner.")
            owner = User.objects.create_user(email, o["owner_password"])
        try:
            workspace = create_workspace(
                name=o["name"],
                slug=o["slug"],
                owner=owner,
                default_language=o["language"],
                time_zone=o["time_zone"],
                is_default=o["default"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            )
        self.stdout.write(f"Created workspace {workspace.slug} ({workspace.public_url}/)")
