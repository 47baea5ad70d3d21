"""How a projection's statements are batched (shared/store/batches.py): order and COPY."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from shared.events.envelope import Envelope
from shared.store.batches import (
    Recorder,
    Statement,
    _as_copy,
    _picker,
    event_keys,
    grouped,
    waves,
)


def test_events_sharing_a_key_go_to_later_waves_and_others_share_one() -> None:
    a1: list[Statement] = [("insert a", (1,))]
    b1: list[Statement] = [("insert b", (2,))]
    a2: list[Statement] = [("update a", (1,))]
    c1: list[Statement] = [("insert c", (3,))]
    result = waves([({"a"}, a1), ({"b"}, b1), ({"a"}, a2), ({"c", "b"}, c1)])
    # a2 follows a1 and c1 follows b1 (shared keys); a1, b1 are independent.
    assert result == [[a1, b1], [a2, c1]]


def test_an_event_waits_for_the_latest_event_of_any_of_its_keys() -> None:
    first: list[Statement] = [("s", (1,))]
    second: list[Statement] = [("s", (2,))]
    third: list[Statement] = [("s", (3,))]
    both: list[Statement] = [("t", (4,))]
    result = waves([({"x"}, first), ({"x"}, second), ({"x"}, third), ({"y", "x"}, both)])
    assert result == [[first], [second], [third], [both]]


def test_a_wave_runs_each_events_statements_in_their_own_order() -> None:
    one: list[Statement] = [("insert doc", (1,)), ("update app", (1,))]
    two: list[Statement] = [("update app", (2,)), ("insert doc", (2,))]
    assert grouped([one, two]) == [
        ("insert doc", [(1,)]),
        ("update app", [(2,)]),  # step 1: each event's first statement
        ("update app", [(1,)]),
        ("insert doc", [(2,)]),  # step 2: then the second ones
    ]
    same: list[Statement] = [("insert doc", (3,)), ("update app", (3,))]
    assert grouped([one, same]) == [
        ("insert doc", [(1,), (3,)]),
        ("update app", [(1,), (3,)]),
    ]


def test_only_inserts_of_plain_parameters_are_copied() -> None:
    assert _as_copy(
        "insert into applications (application_id, submission, submitted_at, updated_at)"
        " values ($1, $2::jsonb, $3, $3)"
    ) == (
        "applications",
        ["application_id", "submission", "submitted_at", "updated_at"],
        [0, 1, 2, 2],
    )
    for query in (
        "insert into cases (case_id, status) values ($1, 'open')",  # a constant
        "insert into t (a) values ($1) on conflict do nothing",
        "insert into t (a) values ($1) returning a",
        "insert into t (a, b) values ($1)",  # columns and values do not match
        "insert into t (a) values (coalesce($1, 0))",
        "update t set a = $1",
    ):
        assert _as_copy(query) is None, query


async def test_a_recorder_keeps_statements_and_refuses_queries() -> None:
    recorder: Any = Recorder()
    await recorder.execute("update t set a = $1 where id = $2", 1, "x")
    assert recorder.statements == [("update t set a = $1 where id = $2", (1, "x"))]
    with pytest.raises(TypeError, match="fetchval"):
        await recorder.fetchval("select 1")


def test_a_copy_record_picks_the_columns_arguments() -> None:
    assert _picker([0, 2, 2])(("a", "b", "c")) == ("a", "c", "c")
    assert _picker([1])(("a", "b")) == ("b",)


def test_an_event_is_keyed_by_its_stream_and_the_ids_of_its_model() -> None:
    class Moved(BaseModel):
        case_id: str
        task_id: int
        place: str

    envelope = Envelope(
        specversion="1.0",
        id="e-1",
        source="/asist/ludza/probe",
        type="lv.asist.probe.Moved.v1",
        subject="case-c-1",
        time=datetime(2026, 11, 2, tzinfo=UTC),
        data={"case_id": "c-1", "task_id": 7, "place": "x", "unknown_id": "u"},
        municipality="ludza",
        aggregateversion=1,
        correlationid="c",
    )
    keys = event_keys(envelope, Moved(case_id="c-1", task_id=7, place="x"))
    # No projection sees a field its model does not have (unknown_id).
    assert keys == {("stream", "case-c-1"), ("case_id", "c-1"), ("task_id", "7")}
