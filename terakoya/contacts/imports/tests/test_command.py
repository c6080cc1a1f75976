from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from terakoya.contacts.models import Contact

pytestmark = pytest.mark.django_db


def test_cli_dry_run_then_import_with_mapping(workspace, tmp_path, capsys):
    # Given a CP932 file whose "お名前" column is mapped explicitly
    path = tmp_path / "list.csv"
    path.write_bytes(
        "メール,お名前,会員\nhanako@example.jp,山田 花子,はい\nbad,x,\n".encode("cp932")
    )
    # When the CLI runs a dry run
    call_command(
        "import_contacts",
        str(path),
        "--workspace",
        workspace.slug,
        "--map",
        "お名前=full_name",
        "--dry-run",
    )
    out = capsys.readouterr().out
    assert "created 1, updated 0, unchanged 0, errors 1" in out
    assert Contact.objects.filter(workspace=workspace).count() == 0
    # When it imports for real with a consent column and a source
    call_command(
        "import_contacts",
        str(path),
        "--workspace",
        workspace.slug,
        "--map",
        "会員=consent",
        "--consent-source",
        "seminar",
        "--tag",
        "cli",
    )
    captured = capsys.readouterr()
    assert "created 1" in captured.out and "2/2" in captured.err
    contact = Contact.objects.get(workspace=workspace)
    assert contact.consent_state == "subscribed" and contact.last_name == "山田"
    assert (tmp_path / "list.errors.csv").exists()


def test_cli_errors_are_clear(workspace, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\x00\x01junk")
    with pytest.raises(CommandError, match="binary"):
        call_command("import_contacts", str(path), "--workspace", workspace.slug)
    with pytest.raises(CommandError, match="No workspace"):
        call_command("import_contacts", str(path), "--workspace", "nope")
    path.write_text("email\na@example.com\n")
    with pytest.raises(CommandError, match="No column"):
        call_command(
            "import_contacts", str(path), "--workspace", workspace.slug, "--map", "x=email"
        )
