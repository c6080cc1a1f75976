"""The rollback page (preview, typed confirmation) and the rollback it runs."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import reverse

from terakoya.accounts.models import CustomerAccount
from terakoya.catalog.models import Grant
from terakoya.contacts.imports import services
from terakoya.contacts.imports.models import ImportJob, ImportStatus
from terakoya.contacts.imports.tests.helpers import run_file
from terakoya.contacts.merge.models import Merge, MergeStatus
from terakoya.contacts.merge.tests.factories import account, attempt, grant, offer, tag
from terakoya.contacts.models import Contact, ContactTag, Tag
from terakoya.core.factories import ContactFactory, MembershipFactory
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db

GHOST = (
    "id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,"
    "created_at,deleted_at,labels,tiers\n"
    "1,hana@example.com,Hana Sato,,true,,,2024-01-01,,ghost-label,\n"
    "2,ken@example.com,Ken Ito,,false,,,2024-01-02,,ghost-label,\n"
    "3,yui@example.com,Yui Abe,,true,,,2024-01-03,,,\n"
)


def imports_url(name, workspace, *args):  # type: ignore[no-untyped-def]
    return reverse(f"dashboard:contact_imports:{name}", args=[workspace.slug, *args])


def merge_url(name, workspace, *args):  # type: ignore[no-untyped-def]
    return reverse(f"dashboard:contact_merge:{name}", args=[workspace.slug, *args])


def import_ghost_through_the_pages(client, workspace, captured) -> ImportJob:  # type: ignore[no-untyped-def]
    upload = io.BytesIO(GHOST.encode())
    upload.name = "ghost.csv"
    client.post(imports_url("upload", workspace), {"file": upload})
    job = ImportJob.objects.get(workspace=workspace)
    assert job.preset == "ghost"
    data = {f"col_{i}": job.mapping[h] for i, h in enumerate(job.headers)}
    client.post(imports_url("detail", workspace, job.public_id), data)
    with captured(execute=True):
        client.post(imports_url("run", workspace, job.public_id))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 3
    return job


def test_rollback_keeps_a_customer_merged_into_an_imported_contact(
    workspace, other_workspace, owner_client, django_capture_on_commit_callbacks
):
    # Given an existing customer with a password, a login, a manual grant and tags
    customer = ContactFactory(workspace=workspace, email="hana.old@example.com")
    login = account(customer, "correct horse 123")
    attempt(login)
    course = offer(workspace, "Course")
    grant(customer, course)
    tag(customer, "vip")
    # And a second workspace with a contact of the same email
    theirs = ContactFactory(workspace=other_workspace, email="hana@example.com")
    # And a Ghost export imported through the pages
    job = import_ghost_through_the_pages(
        owner_client, workspace, django_capture_on_commit_callbacks
    )
    imported = Contact.objects.get(workspace=workspace, email="hana@example.com")
    assert list(imported.contact_tags.values_list("tag__name", flat=True)) == ["ghost-label"]
    # And the customer merged into the imported contact as the primary
    response = owner_client.post(
        merge_url("preview", workspace),
        {
            "contacts": f"{imported.public_id},{customer.public_id}",
            "primary": imported.public_id,
            "action": "merge",
            "confirm_email": "hana@example.com",
        },
    )
    assert response.status_code == 302
    merge = Merge.objects.get(workspace=workspace)

    # When the owner opens the rollback page
    response = owner_client.get(imports_url("rollback", workspace, job.public_id))
    page = response.content.decode()
    # Then it says what goes to the trash, what is kept and why, and nothing has changed
    assert response.status_code == 200
    assert "2 contacts created by this import will be moved to the trash" in page
    assert "1 contact created by this import will be kept" in page
    assert "Another contact was merged into it" in page and "Has a customer login" in page
    assert "hana@example.com" in page
    assert not Contact.objects.filter(workspace=workspace, deleted_at__isnull=False).exists()

    # When the confirmation is missing or wrong
    for typed in ("", "3", "yes"):
        response = owner_client.post(
            imports_url("rollback", workspace, job.public_id), {"confirm": typed}
        )
        # Then it is a clear error and nothing changes
        assert response.status_code == 400
        assert "type the number of contacts that will be moved to the trash: 2" in (
            response.content.decode()
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert not Contact.objects.filter(workspace=workspace, deleted_at__isnull=False).exists()

    # When the number is typed (full-width digits as a Japanese keyboard may give)
    response = owner_client.post(
        imports_url("rollback", workspace, job.public_id), {"confirm": "２"}, follow=True
    )
    page = response.content.decode()
    assert response.status_code == 200 and "2 contacts moved to the trash" in page
    job.refresh_from_db()
    assert job.status == ImportStatus.ROLLED_BACK
    # Then the merged customer is kept with its login, password, grant and tags
    imported.refresh_from_db()
    assert imported.deleted_at is None
    login = CustomerAccount.objects.get(contact=imported)
    assert check_password("correct horse 123", login.password)
    assert Grant.objects.filter(contact=imported, offer=course, revoked_at__isnull=True).exists()
    names = set(ContactTag.objects.filter(contact=imported).values_list("tag__name", flat=True))
    # And only the import's own tag came off it
    assert names == {"vip"}
    assert not Tag.objects.filter(workspace=workspace, name="ghost-label").exists()
    # And the untouched imported contacts are in the trash, not deleted
    trashed = Contact.objects.filter(workspace=workspace, deleted_at__isnull=False)
    assert set(trashed.values_list("email", flat=True)) == {"ken@example.com", "yui@example.com"}
    trash_page = owner_client.get(reverse("dashboard:contacts:trash", args=[workspace.slug]))
    assert "ken@example.com" in trash_page.content.decode()
    # And the merge can still be undone: both emails are back as two contacts
    response = owner_client.post(merge_url("undo", workspace, merge.public_id), follow=True)
    assert response.status_code == 200
    merge.refresh_from_db()
    assert merge.status == MergeStatus.UNDONE
    customer = Contact.objects.get(workspace=workspace, email="hana.old@example.com")
    assert check_password(
        "correct horse 123", CustomerAccount.objects.get(contact=customer).password
    )
    # And the second workspace is untouched
    theirs.refresh_from_db()
    assert theirs.deleted_at is None
    assert Contact.objects.filter(workspace=other_workspace).count() == 1


def test_contacts_touched_in_other_ways_are_kept_with_their_reason(workspace, owner, owner_client):
    # Given an import of four contacts and an existing one it tagged
    existing = ContactFactory(workspace=workspace, email="old@example.com")
    course = offer(workspace, "Course")
    job = run_file(
        workspace,
        "email,tags\na@example.com,x\nb@example.com,x\nc@example.com,x\nd@example.com,x\n"
        "old@example.com,x\n",
        actor=owner,
        options={"offers": [course.public_id]},
    )
    a, b, c = (Contact.objects.get(workspace=workspace, email=f"{n}@example.com") for n in "abc")
    # And since then: a was tagged by staff, b edited, c granted an offer by another import
    tag(a, "staff-tag")
    Contact.objects.filter(pk=b.pk).update(first_name="Bee")
    b.refresh_from_db()
    b.save()
    later = run_file(workspace, "email,tags\nc@example.com,later\n", actor=owner)
    assert later.updated_count == 1
    # When the plan is shown
    page = owner_client.get(imports_url("rollback", workspace, job.public_id)).content.decode()
    # Then d goes to the trash and a, b and c are kept, each with its reason
    assert "1 contact created by this import will be moved to the trash" in page
    assert "3 contacts created by this import will be kept" in page
    assert "Tagged since the import" in page and "Edited since the import" in page
    # When the rollback is confirmed
    owner_client.post(imports_url("rollback", workspace, job.public_id), {"confirm": "1"})
    # Then only d is in the trash, the import's tag and grants are off everyone
    trashed = Contact.objects.filter(workspace=workspace, deleted_at__isnull=False)
    assert list(trashed.values_list("email", flat=True)) == ["d@example.com"]
    assert not ContactTag.objects.filter(workspace=workspace, tag__name="x").exists()
    assert not Grant.objects.filter(workspace=workspace).exists()
    # And the tags added by staff and by the later import stay
    assert ContactTag.objects.filter(contact=a, tag__name="staff-tag").exists()
    assert ContactTag.objects.filter(contact=c, tag__name="later").exists()
    assert ContactTag.objects.filter(contact=existing).count() == 0


def test_a_finished_rollback_cannot_run_again_and_others_get_404(
    workspace, other_workspace, owner, owner_client
):
    # Given an import that was rolled back
    job = run_file(workspace, "email\na@example.com\n", actor=owner)
    services.rollback_import(workspace, job, actor=owner)
    # Then its rollback page sends back to the import with a message
    response = owner_client.get(imports_url("rollback", workspace, job.public_id), follow=True)
    assert "Only a finished import can be rolled back" in response.content.decode()
    # And another workspace's owner gets a 404 for the page and the action
    client = Client()
    client.force_login(MembershipFactory(workspace=other_workspace, role=Role.OWNER).user)
    assert client.get(imports_url("rollback", other_workspace, job.public_id)).status_code == 404
    assert (
        client.post(
            imports_url("rollback", other_workspace, job.public_id), {"confirm": "1"}
        ).status_code
        == 404
    )


def test_the_rollback_page_in_japanese(workspace, owner, owner_client):
    job = run_file(workspace, "email\na@example.com\n", actor=owner)
    owner_client.cookies["terakoya_language"] = "ja"
    page = owner_client.get(
        imports_url("rollback", workspace, job.public_id), HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()
    assert "ゴミ箱" in page and "このインポートを取り消す" in page
