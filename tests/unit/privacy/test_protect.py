"""Sealing and opening personal fields (issue #9): pure logic over an in-memory key bucket."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from pydantic import BaseModel

import shared.contracts  # noqa: F401  (registers every event type)
from shared.contracts.decisions import AssessmentRecorded, CaseOpened, ClientData
from shared.contracts.intake import ApplicationSubmitted, Channel, RepresentativeRelation
from shared.events.envelope import Envelope, new_event_id, utc_now
from shared.events.personal import ERASED, WIRE_PATTERN
from shared.events.registry import registry
from shared.privacy.cipher import (
    CipherError,
    decrypt_field,
    encrypt_field,
    generate_master_key,
    new_key,
    new_key_id,
    parse_master_key,
)
from shared.privacy.keyring import Keyring
from shared.privacy.protect import (
    PrivacyNotConfigured,
    Protector,
    SealedOnly,
    open_envelope,
    reference,
)
from tests.unit.privacy.memory_bucket import MemoryBucket

CODE = "120385-12342"
REP_CODE = "150660-10002"
CASE = "0190f5a2-0000-7000-8000-00000000000a"


def submitted() -> ApplicationSubmitted:
    return ApplicationSubmitted.model_validate(
        {
            "application_id": CASE,
            "received_on": date(2026, 11, 20),
            "channel": Channel.POST,
            "applicant": {
                "personal_code": CODE,
                "first_name": "Jānis",
                "last_name": "Bērziņš",
                "birth_date": date(1985, 3, 12),
                "declared_address": "Rīgas iela 1, Daugavpils",
                "email": "janis@example.lv",
            },
            "representative": {
                "personal_code": REP_CODE,
                "first_name": "Ilze",
                "last_name": "Bērziņa",
                "relation": RepresentativeRelation.PARENT,
            },
            "activities": [
                {"kind": "work", "hours_per_week": Decimal(20), "description": "dialīze 3x nedēļā"}
            ],
        }
    )


def envelope(event: BaseModel, stream: str = f"application-{CASE}") -> Envelope:
    spec = registry.spec_of(type(event))
    return Envelope(
        specversion="1.0",
        id=new_event_id(),
        source=f"/asist/daugavpils/{spec.service}",
        type=spec.type,
        subject=stream,
        time=utc_now(),
        data=event.model_dump(mode="json"),
        municipality="daugavpils",
        aggregateversion=1,
        correlationid="c",
    )


@pytest.fixture
def protector() -> Protector:
    return Protector(Keyring(MemoryBucket(), parse_master_key(generate_master_key())))


async def test_personal_fields_are_sealed_and_open_to_the_same_values(
    protector: Protector,
) -> None:
    clear = envelope(submitted())
    sealed = await protector.seal(clear)
    text = sealed.to_json().decode()
    for secret in (CODE, "Jānis", "Bērziņš", "Rīgas iela", "janis@", "Ilze", "dialīze"):
        assert secret not in text
    applicant = sealed.data["applicant"]
    assert re.match(WIRE_PATTERN, applicant["personal_code"])
    assert applicant["birth_date"] == "1985-03-12", "not a marked field: stays clear"
    assert sealed.data["activities"][0]["hours_per_week"] == "20"
    opened = await protector.open(Envelope.from_json(sealed.to_json()))
    assert opened.data == clear.data


async def test_each_person_has_a_key_and_ids_share_their_persons_key(
    protector: Protector,
) -> None:
    sealed = (await protector.seal(envelope(submitted()))).data
    kid = sealed["applicant"]["personal_code"].split(":")[2]
    assert sealed["applicant"]["last_name"].split(":")[2] == kid
    assert sealed["representative"]["personal_code"].split(":")[2] != kid
    # Free text filed under the application id uses the applicant's key (Identifies).
    assert sealed["activities"][0]["description"].split(":")[2] == kid


async def test_destroying_a_key_erases_that_person_and_nobody_else(
    protector: Protector,
) -> None:
    sealed = await protector.seal(envelope(submitted()))
    kid = await protector.keyring.destroy(reference("daugavpils", "personal_code", CODE))
    assert kid is not None
    opened = await protector.open(sealed)
    assert opened.data["applicant"]["first_name"] == ERASED
    assert opened.data["applicant"]["email"] == ERASED
    assert opened.data["activities"][0]["description"] == ERASED
    assert opened.data["representative"]["first_name"] == "Ilze"
    assert opened.data["received_on"] == "2026-11-20"
    event = registry.decode("intake", "ApplicationSubmitted", 1, opened.data)
    assert isinstance(event, ApplicationSubmitted)
    assert event.applicant.email == ERASED, "an erased e-mail still parses"


async def test_a_new_fresh_key_after_erasure_is_a_different_key(protector: Protector) -> None:
    first = await protector.seal(envelope(submitted()))
    await protector.keyring.destroy(reference("daugavpils", "personal_code", CODE))
    again = await protector.seal(envelope(submitted()))
    assert (
        first.data["applicant"]["personal_code"].split(":")[2]
        != (again.data["applicant"]["personal_code"].split(":")[2])
    )
    assert (await protector.open(again)).data["applicant"]["first_name"] == "Jānis"


async def test_a_case_note_uses_the_clients_key_linked_when_the_case_opened(
    protector: Protector,
) -> None:
    opened = _case_opened()
    case_kid = (
        (await protector.seal(envelope(opened, f"case-{CASE}")))
        .data["client"]["personal_code"]
        .split(":")[2]
    )
    assessment = AssessmentRecorded.model_validate(
        {
            "case_id": CASE,
            "assessed_on": "2026-11-25",
            "vision_disability": False,
            "opinion": None,
            "receives_vision_benefit": False,
            "residence": "home",
            "weekly_medical_procedures": False,
            "activities": [],
            "note": "ārsta atzinums: epilepsija",
        }
    )
    sealed = await protector.seal(envelope(assessment, f"case-{CASE}"))
    assert sealed.data["note"].split(":")[2] == case_kid
    await protector.keyring.destroy(reference("daugavpils", "personal_code", CODE))
    assert (await protector.open(sealed)).data["note"] == ERASED


async def test_erased_and_empty_values_are_not_sealed_again(protector: Protector) -> None:
    data = {"personal_code": ERASED, "first_name": "x"}
    from shared.contracts.decisions import HoursGranted

    sealed = await protector.seal_data(HoursGranted, {**data, "case_id": CASE}, "daugavpils")
    assert sealed["personal_code"] == ERASED


async def test_encrypted_data_without_a_keyring_is_an_error_not_ciphertext(
    protector: Protector,
) -> None:
    sealed = await protector.seal(envelope(submitted()))
    with pytest.raises(PrivacyNotConfigured):
        await open_envelope(None, sealed)
    plain = envelope(submitted())
    assert await open_envelope(None, plain) is plain


def test_a_field_sealed_under_one_key_does_not_open_under_another() -> None:
    kid, key = new_key_id(), new_key()
    wire = encrypt_field(kid, key, "Jānis")
    assert decrypt_field(key, wire) == "Jānis"
    with pytest.raises(CipherError):
        decrypt_field(new_key(), wire)
    other = wire.replace(kid, new_key_id())  # claims another key id: the tag fails
    with pytest.raises(CipherError):
        decrypt_field(key, other)


def test_the_master_key_must_be_32_bytes() -> None:
    assert len(parse_master_key(generate_master_key())) == 32
    assert len(parse_master_key("00" * 32)) == 32
    with pytest.raises(ValueError, match="ASIST_MASTER_KEY"):
        parse_master_key("too-short")


async def test_the_bucket_holds_no_clear_reference(protector: Protector) -> None:
    await protector.seal(envelope(submitted()))
    bucket = protector.keyring.bucket
    assert isinstance(bucket, MemoryBucket)
    assert CODE not in bucket.dump() and CASE not in bucket.dump()
    assert json.dumps(list(bucket.entries)).count("k.") == 2  # applicant, representative


async def test_two_writers_making_one_persons_key_at_once_agree_on_it() -> None:
    bucket, master = MemoryBucket(), parse_master_key(generate_master_key())
    first, second = Keyring(bucket, master), Keyring(bucket, master)
    person = reference("ludza", "personal_code", CODE)
    (kid_a, _), (kid_b, _) = await asyncio.gather(first.key_for(person), second.key_for(person))
    assert kid_a == kid_b
    assert sum(1 for k in bucket.entries if k.startswith("k.")) == 1, "the loser's key is gone"


async def test_a_reader_without_keys_sees_ciphertext_that_still_parses(
    protector: Protector,
) -> None:
    sealed = await protector.seal(envelope(submitted()))
    ministry = SealedOnly(registry)
    seen = await ministry.open(sealed)
    event = registry.decode("intake", "ApplicationSubmitted", 1, seen.data)
    assert isinstance(event, ApplicationSubmitted)
    assert event.applicant.email is not None and event.applicant.email.startswith("enc:v1:")
    with pytest.raises(PrivacyNotConfigured):
        await ministry.seal(envelope(submitted()))


async def test_clear_text_shaped_like_a_ciphertext_is_sealed_like_any_other(
    protector: Protector,
) -> None:
    fake = "enc:v1:" + "0" * 32 + ":AAAA"
    data = submitted().model_dump(mode="json")
    data["applicant"]["first_name"] = "enc:v1:not-a-ciphertext"
    data["activities"][0]["description"] = fake  # well-formed but sealed by nobody
    sealed = await protector.seal_data(ApplicationSubmitted, data, "daugavpils")
    assert sealed["applicant"]["first_name"] != data["applicant"]["first_name"]
    opened = await protector.open_data(sealed)
    assert opened["applicant"]["first_name"] == "enc:v1:not-a-ciphertext"
    assert opened["activities"][0]["description"] == ERASED, "no such key: reads erased"


class CountingBucket(MemoryBucket):
    """Counts the round trips the keyring makes, by operation."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    async def get(self, key: str) -> tuple[bytes, int] | None:
        self.calls.append(f"get {key[:2]}")
        return await super().get(key)

    async def create(self, key: str, value: bytes) -> None:
        self.calls.append(f"create {key[:2]}")
        await super().create(key, value)

    async def update(self, key: str, value: bytes, revision: int) -> bool:
        self.calls.append(f"update {key[:2]}")
        return await super().update(key, value, revision)


def _case_opened() -> CaseOpened:
    return CaseOpened(
        case_id=CASE,
        application_id=CASE,
        municipality="daugavpils",
        received_on=date(2026, 11, 20),
        decision_deadline=date(2026, 12, 21),
        client=ClientData(
            personal_code=CODE, first_name="J", last_name="B", birth_date=date(1985, 3, 12)
        ),
    )


async def test_a_case_opened_from_a_read_event_reuses_the_key_record_it_read() -> None:
    """Issue #14: decisions opens intake's event (reading the key record), then links the new
    case id to the person: the link updates the record it read, without a second read."""
    master = parse_master_key(generate_master_key())
    bucket = CountingBucket()
    sealed = await Protector(Keyring(bucket, master)).seal(envelope(submitted()))
    decisions = Protector(Keyring(bucket, master))  # another process: nothing cached
    bucket.calls.clear()
    await decisions.open(sealed)
    await decisions.seal(envelope(_case_opened(), f"case-{CASE}"))
    # Opening reads the applicant's and the representative's key records; linking the case
    # id updates the applicant's record as read (before: a third "get k.").
    assert bucket.calls.count("get k.") == 2, bucket.calls
    assert bucket.calls.count("update k.") == 1
    # The person's index entry, the case id's new link, the application id's link (intake
    # made it: the create finds it, and it is not read back).
    assert bucket.calls[2:] == ["get r.", "create r.", "update k.", "create r."]


async def test_a_link_made_on_a_stale_key_record_is_still_recorded_for_erasure() -> None:
    master = parse_master_key(generate_master_key())
    bucket = MemoryBucket()
    sealed = await Protector(Keyring(bucket, master)).seal(envelope(submitted()))
    decisions = Protector(Keyring(bucket, master))
    await decisions.open(sealed)  # reads the key record at its revision
    other = Keyring(bucket, master)  # meanwhile another process links an id of the person
    person = reference("daugavpils", "personal_code", CODE)
    await other.link(reference("daugavpils", "assistant_id", "a-1"), person)
    await decisions.seal(envelope(_case_opened(), f"case-{CASE}"))
    kid = await decisions.keyring.destroy(person)
    assert kid is not None
    pointing = [k for k, (value, _) in bucket.entries.items() if value == kid.encode()]
    assert not pointing, f"index entries left for the erased key: {bucket.dump()}"
