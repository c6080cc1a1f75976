"""The project's documentation stands alone: a person who clones only this repository has it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_no_document_points_outside_the_repository():
    # Given the README and everything under docs/
    for document in documents():
        text = document.read_text(encoding="utf-8")
        # Then no relative link leaves the repository, and each one leads to a file that exists
        for target in LINK.findall(text):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue  # web addresses and anchors
            resolved = (document.parent / target.split("#")[0]).resolve()
            assert resolved.is_relative_to(ROOT), (document.name, target)
            assert resolved.exists(), (document.name, target)
        # And no text names the team folder beside the project
        assert "../shared" not in text, document.name
        assert "shared/" + "ARCHITECTURE" not in text, document.name


def test_the_architecture_document_covers_the_design():
    # Given docs/architecture.md
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \d+\. (.+)$", text, flags=re.MULTILINE)
    # Then it has the product map, glossary, layout, rules and role matrix of its own
    for section in (
        "Product map",
        "Glossary",
        "Layout of the code",
        "Rules",
        "Roles and permissions",
        "How the code implements the rules",
    ):
        assert section in headings
    # And the README sends readers to it
    assert "](docs/architecture.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_code_cites_the_rules_of_the_architecture_document():
    # Given the numbered rules of docs/architecture.md
    rules = re.findall(
        r"^(\d+)\. \*\*",
        (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    for path in (ROOT / "terakoya").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        # Then code cites the document in this repository, by a rule number that exists
        assert "ARCHITECTURE" + ".md" not in text, path
        for number in re.findall(r"docs/architecture\.md, rule (\d+)", text):
            assert number in rules, (path, number)
