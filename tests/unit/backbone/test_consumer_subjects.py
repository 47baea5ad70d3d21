"""Which subjects a durable filters, and when a changed filter skipped history (issue 18)."""

from __future__ import annotations

import pytest
from nats.js.api import ConsumerConfig

from shared.bus.provisioning import consumer_config, covers, gained_subjects


def durable(*events: str) -> ConsumerConfig:
    return consumer_config(
        "reporting", "decisions", max_deliver=5, ack_wait_seconds=30, events=events
    )


def test_a_durable_filters_only_the_events_it_handles() -> None:
    config = durable("HoursGranted", "CaseClosed", "HoursGranted")
    assert config.filter_subjects == [
        "asist.*.decisions.CaseClosed",
        "asist.*.decisions.HoursGranted",
    ]
    assert config.filter_subject is None
    assert config.durable_name == "reporting-DECISIONS"


def test_without_event_names_it_reads_the_whole_stream() -> None:
    config = consumer_config("bench", "bench", max_deliver=5, ack_wait_seconds=30)
    assert config.filter_subject == "asist.*.bench.>"


def test_a_consumer_that_handles_nothing_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="handles no event of decisions"):
        durable()


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("asist.*.decisions.>", "asist.*.decisions.HoursGranted", True),
        ("asist.*.decisions.HoursGranted", "asist.*.decisions.HoursGranted", True),
        ("asist.*.decisions.HoursGranted", "asist.*.decisions.CaseClosed", False),
        ("asist.ludza.decisions.>", "asist.*.decisions.HoursGranted", False),
        ("asist.*.decisions.HoursGranted", "asist.*.decisions.>", False),
        (">", "asist.*.decisions.CaseClosed", True),
        ("asist.*.decisions", "asist.*.decisions.CaseClosed", False),
    ],
)
def test_covers_follows_nats_wildcards(pattern: str, subject: str, expected: bool) -> None:
    assert covers(pattern, subject) is expected


def test_only_a_wider_filter_has_skipped_history() -> None:
    whole = consumer_config("reporting", "decisions", max_deliver=5, ack_wait_seconds=30)
    assert gained_subjects(whole, durable("HoursGranted")) == []  # narrowed: position kept
    assert gained_subjects(durable("HoursGranted", "CaseClosed"), durable("CaseClosed")) == []
    assert gained_subjects(durable("HoursGranted"), durable("HoursGranted", "CaseClosed")) == [
        "asist.*.decisions.CaseClosed"
    ]
