"""An uploaded import file is private: no URL serves it; owners and admins of its workspace
download it through the dashboard, nobody else does."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from terakoya.contacts.imports.models import ImportJob
from terakoya.core.factories import MembershipFactory
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db

CSV = "メールアドレス,姓,名\nhanako@example.jp,山田,花子\n".encode()


def upload(client: Client, workspace, name: str = "名簿.csv") -> ImportJob:  # type: ignore[no-untyped-def]
    """Upload through the dashboard page, as staff do."""
    handle = io.BytesIO(CSV)
    handle.name = name
    response = client.post(
        reverse("dashboard:contact_imports:upload", args=[workspace.slug]), {"file": handle}
    )
    assert response.status_code == 302
    return ImportJob.objects.get(workspace=workspace)


def file_url(workspace, job: ImportJob) -> str:  # type: ignore[no-untyped-def]
    return reverse("dashboard:contact_imports:file", args=[workspace.slug, job.public_id])


def test_an_upload_is_stored_privately_under_a_random_name_and_no_media_url_serves_it(
    owner_client, workspace
):
    # given a CSV uploaded on the import page
    job = upload(owner_client, workspace)
    # then it is stored in the private root, under a random name, and not in the media root
    name = job.file.name
    assert name.startswith("imports/") and "contacts" not in name and "名簿" not in name
    assert (Path(settings.TERAKOYA_PRIVATE_ROOT) / name).read_bytes() == CSV
    assert not any(p.is_file() for p in Path(settings.MEDIA_ROOT).rglob("*"))
    # and no /media/ URL gives it to a visitor or to the staff themselves
    for client in (Client(), owner_client):
        for path in (
            f"/media/{name}",
            f"/media/public/{name}",
            f"/media/public/../../private/{name}",
            "/media/imports/contacts.csv",
        ):
            response = client.get(path)
            assert response.status_code == 404, path
            assert CSV not in response.content


def test_the_owner_downloads_the_uploaded_file_with_its_name(owner_client, workspace):
    # given an uploaded file
    job = upload(owner_client, workspace)
    # when the owner opens "Download the uploaded file" on the import page
    page = owner_client.get(
        reverse("dashboard:contact_imports:detail", args=[workspace.slug, job.public_id])
    )
    response = owner_client.get(file_url(workspace, job))
    # then the bytes are the upload's, as an attachment named as it was uploaded
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CSV
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E5%90%8D%E7%B0%BF.csv"
    )
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Length"] == str(len(CSV))
    # and the import page links to it
    assert file_url(workspace, job) in page.content.decode()


def test_the_job_page_links_to_the_file_in_english_and_japanese(owner_client, workspace):
    # given an import whose mapping is done and which has run (the result page)
    from terakoya.contacts.imports import services

    job = upload(owner_client, workspace)
    services.set_mapping(workspace, job, mapping=job.mapping, options={}, actor=None)
    services.execute_import(workspace, job, actor=None)
    detail = reverse("dashboard:contact_imports:detail", args=[workspace.slug, job.public_id])
    # when the owner views it in English, then in Japanese
    english = owner_client.get(detail).content.decode()
    owner_client.cookies["terakoya_language"] = "ja"
    japanese = owner_client.get(detail).content.decode()
    # then both link to the protected download
    assert f'href="{file_url(workspace, job)}">Download the uploaded file<' in english
    assert f'href="{file_url(workspace, job)}">アップロードしたファイルをダウンロード<' in japanese
    assert "30日間保管" in japanese


def test_an_admin_may_download_a_support_agent_may_not(workspace, owner_client):
    # given an upload and an admin and a support agent of the same workspace
    job = upload(owner_client, workspace)
    admin = Client()
    admin.force_login(MembershipFactory(workspace=workspace, role=Role.ADMIN).user)
    agent = Client()
    agent.force_login(MembershipFactory(workspace=workspace, role=Role.SUPPORT).user)
    # when each asks for the file
    allowed = admin.get(file_url(workspace, job))
    refused = agent.get(file_url(workspace, job))
    # then the admin gets the bytes and the agent a 403 without them
    assert b"".join(allowed.streaming_content) == CSV
    assert refused.status_code == 403 and CSV not in refused.content


def test_another_workspaces_staff_get_a_404(workspace, other_workspace, owner_client):
    # given an upload in workspace alpha, and the owner of workspace beta
    job = upload(owner_client, workspace)
    stranger = Client()
    stranger.force_login(MembershipFactory(workspace=other_workspace, role=Role.OWNER).user)
    # when beta's owner asks for it under alpha, and under their own workspace
    under_alpha = stranger.get(file_url(workspace, job))
    under_beta = stranger.get(file_url(other_workspace, job))
    # then both are 404s, like a file that does not exist, and no byte of it leaks
    assert under_alpha.status_code == 404 and under_beta.status_code == 404
    assert CSV not in under_alpha.content and CSV not in under_beta.content
    missing = stranger.get(
        reverse("dashboard:contact_imports:file", args=[other_workspace.slug, "nope"])
    )
    assert missing.status_code == 404


def test_a_visitor_is_sent_to_the_login_page(workspace, owner_client):
    # given an upload
    job = upload(owner_client, workspace)
    # when someone who is not logged in asks for it
    response = Client().get(file_url(workspace, job))
    # then they are asked to log in and get nothing
    assert response.status_code == 302 and "/dashboard/login/" in response["Location"]


def test_a_purged_file_is_a_404(workspace, owner_client):
    # given an import whose file was deleted after 30 days
    job = upload(owner_client, workspace)
    job.file.delete(save=True)
    # when the owner asks for it, then it is a 404
    assert owner_client.get(file_url(workspace, job)).status_code == 404


def test_with_nginx_sendfile_the_proxy_sends_the_file(
    workspace, other_workspace, owner_client, settings
):
    # given TERAKOYA_SENDFILE=nginx and an upload
    settings.TERAKOYA_SENDFILE = "nginx"
    job = upload(owner_client, workspace)
    # when the owner downloads it
    response = owner_client.get(file_url(workspace, job))
    # then the answer is empty and tells nginx which internal file to send
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected/{job.file.name}"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    # and another workspace's staff still get a 404 without the header
    stranger = Client()
    stranger.force_login(MembershipFactory(workspace=other_workspace, role=Role.OWNER).user)
    refused = stranger.get(file_url(workspace, job))
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused


def test_with_apache_sendfile_the_server_gets_the_absolute_path(workspace, owner_client, settings):
    # given TERAKOYA_SENDFILE=apache (mod_xsendfile, lighttpd) and an upload
    settings.TERAKOYA_SENDFILE = "apache"
    job = upload(owner_client, workspace)
    # when the owner downloads it
    response = owner_client.get(file_url(workspace, job))
    # then X-Sendfile names the file in the private root and the body is left to the server
    path = Path(response["X-Sendfile"])
    assert path.is_absolute() and path.read_bytes() == CSV
    assert path.is_relative_to(Path(settings.TERAKOYA_PRIVATE_ROOT).resolve())
    assert response.content == b""


PRODUCTION_PROBE = """
import io, sys
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from django_scopes import scopes_disabled
from terakoya.contacts.imports import services
from terakoya.workspaces.models import Workspace

call_command("migrate", verbosity=0)
with scopes_disabled():
    workspace = Workspace.objects.create(name="A", slug="a", is_default=True)
    job = services.create_import(
        workspace,
        uploaded_file=io.BytesIO(b"email\\nsecret@example.com\\n"),
        filename="contacts.csv",
        actor=None,
    )
client = Client()
for path in (f"/media/{job.file.name}", f"/media/public/{job.file.name}"):
    response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    print(path, response.status_code, b"secret@example.com" in body)
"""


def test_with_debug_off_no_media_url_gives_an_upload_away(tmp_path):
    # given a Terakoya process with TERAKOYA_DEBUG=0, its own data directory and an upload
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(Path(settings.BASE_DIR)),
        "DJANGO_SETTINGS_MODULE": "terakoya.settings",
        "SECRET_KEY": "a-long-random-production-like-secret-key-0123456789abcdef",
        "TERAKOYA_DEBUG": "0",
        "TERAKOYA_TESTING": "1",
        "TERAKOYA_DATA_DIR": str(tmp_path),
    }
    # when a visitor asks for it under /media/ the way the upload used to be served
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    # then every answer is a 404 that does not contain the contact
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert len(lines) == 2
    assert all(status == "404" and leaked == "False" for _path, status, leaked in lines)
