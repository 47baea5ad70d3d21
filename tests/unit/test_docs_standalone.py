"""The project's docs stand on their own (issue #8): nothing tracked points outside the
repository, every "rules.md §N" / "legal.md §N" / "architecture.md §N" the code and docs cite
is a section of the copy in docs/reference/, and every relative link in docs/ resolves."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"
TEXT_SUFFIXES = {".md", ".py", ".yml", ".yaml", ".toml", ".sh", ".txt", ".cfg", ".json", ""}
# Written in two parts, so that this file does not match itself.
OUTSIDE = ("../" + "shared/", "/" + "work/")
CITATION = re.compile(r"\b(rules|legal|architecture)\.md,? ?§ ?(\d+)")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if listed.returncode != 0:  # not a git checkout (e.g. an exported tree): walk it
        skip = {".git", ".venv", ".local", "__pycache__", ".mypy_cache", ".ruff_cache"}
        paths = [p for p in ROOT.rglob("*") if not skip & set(p.relative_to(ROOT).parts)]
    else:
        paths = [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    return [p for p in paths if p.is_file() and p.suffix in TEXT_SUFFIXES]


def sections(document: Path) -> set[int]:
    """The numbers of the ``## N. Title`` headings of a reference document."""
    return {int(n) for n in re.findall(r"^## (\d+)\.", document.read_text(), re.M)}


def test_the_reference_documents_are_in_the_repository() -> None:
    for name in ("rules.md", "architecture.md", "legal.md"):
        assert sections(REFERENCE / name), f"docs/reference/{name} has no numbered sections"


def test_nothing_tracked_points_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in tracked_text_files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if any(outside in line for outside in OUTSIDE)
    ]
    assert not found, "points outside the repository:\n" + "\n".join(found)


def test_every_cited_section_exists_in_the_reference() -> None:
    known = {
        name: sections(REFERENCE / f"{name}.md") for name in ("rules", "legal", "architecture")
    }
    missing = sorted(
        f"{path.relative_to(ROOT)}: {name}.md §{number}"
        for path in tracked_text_files()
        for name, number in CITATION.findall(path.read_text(errors="replace"))
        if int(number) not in known[name]
    )
    assert not missing, "cited, but no such section in docs/reference/:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    "page", sorted(p.relative_to(ROOT) for p in (ROOT / "docs").rglob("*.md")), ids=str
)
def test_relative_links_of_the_docs_resolve(page: Path) -> None:
    text = (ROOT / page).read_text()
    broken = [
        target
        for target in LINK.findall(text)
        if "://" not in target
        and not target.startswith("mailto:")
        and not ((ROOT / page).parent / target).exists()
    ]
    assert not broken, f"{page}: links to nothing: {broken}"
