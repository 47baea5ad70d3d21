"""The partner guide says what the code does (issue 18, point 5): its table of partners is
the NATS accounts', and every example and test it names exists."""

from __future__ import annotations

import re

from deploy.nats_accounts import PARTNERS, partner_durables
from tests.conftest import ROOT

GUIDE = (ROOT / "docs" / "partners.md").read_text()
TESTS = "".join(
    (ROOT / "tests" / path).read_text()
    for path in ("examples/test_examples.py", "integration/test_nats_security.py")
)


def test_the_guide_lists_each_partner_with_exactly_its_subjects_and_durables() -> None:
    for partner, agreement in PARTNERS.items():
        row = next(line for line in GUIDE.splitlines() if line.startswith(f"| `{partner}` |"))
        subjects_cell, durables_cell = row.split("|")[2:4]
        assert re.findall(r"`(asist\.[^`]+)`", subjects_cell) == list(agreement.subjects)
        assert re.findall(r"`([A-Z]+/[^`]+)`", durables_cell) == [
            f"{d.stream}/{d.name}" for d in partner_durables(partner)
        ], partner


def test_every_example_and_test_the_guide_names_exists() -> None:
    examples = set(re.findall(r"`(\d\d_\w+\.py)`", GUIDE))
    assert examples == {p.name for p in (ROOT / "examples").glob("[0-9]*.py")}
    for name in re.findall(r"`(test_\w+)`", GUIDE):
        assert f"def {name}(" in TESTS, name
