"""Test factories. Every workspace-owned factory must be given its workspace explicitly,
so a test always says which workspace a row belongs to."""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from terakoya.contacts.models import Contact
from terakoya.staff.models import User
from terakoya.workspaces.models import Membership, Role, Workspace

STAFF_PASSWORD = "staff password 1234"  # noqa: S105


class WorkspaceOwnedFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("workspace") is None:
            raise TypeError(f"{cls.__name__} must be given a workspace")
        return super()._create(model_class, *args, **kwargs)


class WorkspaceFactory(DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"ws{n}")
    default_language = "en"
    time_zone = "Asia/Tokyo"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", STAFF_PASSWORD)

    @factory.post_generation
    def saved(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(WorkspaceOwnedFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class ContactFactory(WorkspaceOwnedFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    first_name = "Hanako"
    last_name = "Yamada"
