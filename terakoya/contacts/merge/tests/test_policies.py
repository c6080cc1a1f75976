from __future__ import annotations

import pytest
from django.db import models

from terakoya.contacts.merge.policies import (
    POLICIES,
    contact_relations,
    missing_policies,
    relation_key,
    restore_row,
    serialize_row,
)
from terakoya.contacts.models import Contact, ContactTag, Tag
from terakoya.core.factories import ContactFactory


def test_every_relation_to_contact_has_a_declared_merge_policy():
    # Given every foreign key, one-to-one and many-to-many to Contact in every installed app
    # (including hidden related_name="+" ones that Contact._meta.related_objects leaves out)
    # Then each one has a merge policy, so a new feature cannot silently lose data in a merge
    assert missing_policies() == [], (
        "Add a merge policy in terakoya/contacts/merge/policies.py for: "
        + ", ".join(missing_policies())
    )


def test_discovery_sees_hidden_and_one_to_one_relations():
    keys = {relation_key(f) for f in contact_relations()}
    assert "accounts.SmsMessage.contact" in keys  # related_name="+"
    assert "accounts.CustomerAccount.contact" in keys  # one-to-one
    visible = {
        f"{r.related_model._meta.label}.{r.field.name}" for r in Contact._meta.related_objects
    }
    assert visible <= keys


def test_a_new_foreign_key_without_policy_is_caught(monkeypatch):
    # Given a model that gains a foreign key to Contact
    class Note(models.Model):
        contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")

        class Meta:
            app_label = "contact_merge"

        def __str__(self) -> str:
            return "note"

    try:
        # Then the coverage check names it
        assert "contact_merge.Note.contact" in missing_policies()
    finally:
        from django.apps import apps

        del apps.all_models["contact_merge"]["note"]
        apps.clear_cache()
    assert "contact_merge.Note.contact" not in missing_policies()


def test_no_stale_policies():
    keys = {relation_key(f) for f in contact_relations()}
    assert set(POLICIES) <= keys


@pytest.mark.django_db
def test_undo_restores_a_row_journaled_before_its_model_dropped_a_field(workspace):
    # Given a tag on a contact journaled by a merge made when tags still had a public id
    contact = ContactFactory(workspace=workspace)
    tag = Tag.objects.create(workspace=workspace, name="vip")
    link = ContactTag.objects.create(workspace=workspace, contact=contact, tag=tag)
    row = serialize_row(link)
    row["fields"]["public_id"] = "0123456789abcdefghijklmn"
    link.delete()

    # When undo puts it back
    restore_row(row)

    # Then the row returns with its id, contact and tag; the dropped field is ignored
    restored = ContactTag.objects.get(pk=row["pk"])
    assert (restored.contact_id, restored.tag_id) == (contact.pk, tag.pk)
