"""core.private_files: private storage has no URLs and random names; only declared public
folders are served under /media/public/; the private root may not overlap a served one."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import Client

from terakoya.core.private_files import RandomName, check_private_root, private_storage

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def test_random_names_keep_a_plain_extension_and_nothing_else():
    # when names are made for uploads called in various ways
    name = RandomName("imports")
    made = [name(None, n) for n in ("顧客リスト.CSV", "../../etc/passwd", "x.c s v", "", "a.csv")]
    # then each is the folder, 24 random URL-safe characters and at most a plain extension
    assert all(re.fullmatch(r"imports/[A-Za-z0-9_-]{24}(\.[a-z0-9]+)?", m) for m in made)
    assert made[0].endswith(".csv") and made[1].count("/") == 1 and "." not in made[2]
    assert len(set(made)) == len(made)


def test_private_files_have_no_url_and_live_outside_the_media_root(settings):
    # given a file saved in the private storage
    storage = private_storage()
    name = storage.save("imports/x.csv", ContentFile(b"secret"))
    # then it is under the private root, not the media root, and asking for a URL is refused
    assert Path(storage.path(name)).is_relative_to(Path(settings.TERAKOYA_PRIVATE_ROOT))
    assert not Path(settings.MEDIA_ROOT, name).exists()
    with pytest.raises(ValueError, match="no URL"):
        storage.url(name)
    # and the default storage is private too (a file field that names no storage)
    assert type(storages["default"]) is type(storage)


def test_only_public_folders_are_served_under_media_public(settings, workspace):
    # given a logo in the public storage and a stray CSV beside it in the media root
    public = storages["public"]
    logo = public.save("logos/a.png", ContentFile(b"PNG"))
    public.save("imports/old.csv", ContentFile(b"email\na@example.com\n"))
    client = Client()
    # when a visitor asks for them
    shown = client.get(f"/media/public/{logo}")
    stray = client.get("/media/public/imports/old.csv")
    # then the logo is served and anything outside the public folders is a 404
    assert b"".join(shown.streaming_content) == b"PNG"
    assert stray.status_code == 404 and b"a@example.com" not in stray.content
    for path in ("/media/public/logos", "/media/public/logos/../imports/old.csv", "/media/x"):
        assert client.get(path).status_code == 404


def test_a_private_root_inside_a_served_directory_is_a_configuration_error(settings, tmp_path):
    # given a private root inside the media root
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TERAKOYA_PRIVATE_ROOT = tmp_path / "media" / "private"
    # then the system check reports it
    assert [e.id for e in check_private_root()] == ["terakoya.E001"]
    # and apart, all is well
    settings.TERAKOYA_PRIVATE_ROOT = tmp_path / "private"
    assert check_private_root() == []


def test_an_unknown_sendfile_mode_stops_the_process_with_a_clear_message(tmp_path):
    # when Django starts with TERAKOYA_SENDFILE=lighttpd
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "TERAKOYA_DEBUG": "1",
            "TERAKOYA_DATA_DIR": str(tmp_path),
            "TERAKOYA_SENDFILE": "lighttpd",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    # then it refuses to start and says which values are allowed
    assert result.returncode != 0
    assert "TERAKOYA_SENDFILE must be empty, 'nginx' or 'apache'" in result.stderr
