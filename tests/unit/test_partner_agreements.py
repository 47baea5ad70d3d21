"""A partner's durables stay inside its agreement (deploy/nats_accounts.py, issue #18):
the pure checks the operator's table goes through before any config is written."""

from __future__ import annotations

import pytest

from deploy import nats_accounts
from deploy.nats_accounts import PARTNERS, Partner, durable_subjects, partner_durables, within


@pytest.mark.parametrize(
    ("subject", "entitled", "inside"),
    [
        ("asist.daugavpils.decisions.>", "asist.daugavpils.decisions.>", True),
        ("asist.daugavpils.decisions.HoursGranted", "asist.daugavpils.decisions.>", True),
        ("asist.daugavpils.decisions.*", "asist.daugavpils.decisions.>", True),
        ("asist.ludza.decisions.HoursGranted", "asist.*.decisions.HoursGranted", True),
        ("asist.*.decisions.HoursGranted", "asist.*.decisions.HoursGranted", True),
        ("asist.*.decisions.>", "asist.*.decisions.HoursGranted", False),
        ("asist.*.decisions.*", "asist.*.decisions.HoursGranted", False),
        ("asist.*.decisions.HoursGranted", "asist.daugavpils.decisions.>", False),
        ("asist.>", "asist.daugavpils.decisions.>", False),
        ("asist.daugavpils.decisions", "asist.daugavpils.decisions.>", False),
        ("asist.daugavpils.payments.>", "asist.daugavpils.decisions.>", False),
        ("asist.daugavpils.decisions.HoursGranted.x", "asist.*.decisions.HoursGranted", False),
    ],
)
def test_a_filter_is_inside_an_entitlement_only_when_it_matches_nothing_more(
    subject: str, entitled: str, inside: bool
) -> None:
    assert within(subject, entitled) is inside


def test_a_durable_outside_the_agreement_or_across_streams_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subjects = ("asist.daugavpils.decisions.>", "asist.daugavpils.payments.>")
    cases: list[tuple[dict[str, tuple[str, ...]], str]] = [
        ({"all": ("asist.*.decisions.>",)}, "outside its agreement"),
        ({"both": subjects}, "several streams"),
        ({"none": ()}, "outside its agreement"),
    ]
    for durables, error in cases:
        monkeypatch.setitem(PARTNERS, "partner-x", Partner(subjects, durables))
        with pytest.raises(ValueError, match=error):
            partner_durables("partner-x")


def test_a_partner_may_use_four_subjects_per_durable_and_creates_none() -> None:
    (durable,) = partner_durables("partner-statistics")
    assert durable.name == "partner-statistics-decisions" and durable.stream == "DECISIONS"
    subjects = durable_subjects(durable)
    assert [s.imported for s in subjects] == [
        "ASIST.API.CONSUMER.INFO.DECISIONS.partner-statistics-decisions",
        "ASIST.API.CONSUMER.MSG.NEXT.DECISIONS.partner-statistics-decisions",
        "$JS.ACK.DECISIONS.partner-statistics-decisions.>",
        "ASIST.API.CONSUMER.DELETE.DECISIONS.partner-statistics-decisions",
    ]
    conf = nats_accounts.accounts_conf()
    assert "CONSUMER.CREATE" not in conf.split("PARTNER_STATISTICS {")[1]
