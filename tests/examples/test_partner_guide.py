"""The partner guide says what the code does (issue 18, point 5): its table of partners is
the NATS accounts', and every example and test it names exists."""

from __future__ import annotations

import re

from deploy.nats_accounts import PARTNERS
from tests.conftest import ROOT

GUIDE = (ROOT / "docs" / "partners.md").read_text()
TESTS = (ROOT / "tests" / "examples" / "test_examples.py").read_text()


def test_the_guide_lists_each_partner_with_exactly_its_subjects() -> None:
    for partner, subjects in PARTNERS.items():
        row = next(line for line in GUIDE.splitlines() if line.startswith(f"| `{partner}` |"))
        assert re.findall(r"`(asist\.[^`]+)`", row) == list(subjects), partner


def test_every_example_and_test_the_guide_names_exists() -> None:
    examples = set(re.findall(r"`(\d\d_\w+\.py)`", GUIDE))
    assert examples == {p.name for p in (ROOT / "examples").glob("[0-9]*.py")}
    for name in re.findall(r"`(test_\w+)`", GUIDE):
        assert f"def {name}(" in TESTS, name
