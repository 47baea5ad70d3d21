"""HTTP API of erasure (issue #9): a caseworker erases a person's data by destroying their key.

``POST /municipalities/{m}/erasures`` with the personal code, the GDPR art. 17(1) ground and
the registration number of the request. The person's data key in this municipality is
destroyed: every field sealed with it, in every store, stream and partner copy, reads
"erased" from now on; decisions' own tables are scrubbed and rebuilt in the same
transaction, other services scrub theirs when ``PersonalDataErased`` reaches them. Counts,
hours and money stay. What erasure means for a case that must still be archived:
docs/privacy.md.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from services.decisions.api.support import (
    Body,
    CaseworkerCommand,
    PersonalCode,
    Reply,
    command_route,
)
from services.decisions.read_models.projections import rebuild
from shared.clock import riga_today
from shared.contracts.privacy import ErasureBasis, PersonalDataErased
from shared.events.envelope import new_event_id
from shared.http.problems import Problem
from shared.privacy.erasure import forget_erased
from shared.privacy.protect import reference
from shared.store.types import Connection

router = APIRouter(prefix="/municipalities/{municipality}", tags=["privacy"])


class ErasureBody(Body):
    personal_code: PersonalCode = Field(
        description="The person to erase; either format (rules.md §10)"
    )
    legal_basis: ErasureBasis
    request_reference: str = Field(
        pattern=r"^[A-Za-z0-9./-]{1,40}$",
        description="Registration number of the request or order, e.g. 2-12/345",
    )


@command_route(router, "/erasures", PersonalDataErased)
async def erase(
    ctx: CaseworkerCommand,
    body: ErasureBody,
) -> JSONResponse:
    """Erase a person: destroy their data key, audit it as ``PersonalDataErased``."""
    context = ctx.events
    protector = ctx.runtime.store.protector
    assert protector is not None, "the runtime sets the protector at start-up"
    person = reference(ctx.municipality, "personal_code", body.personal_code)

    async def run(conn: Connection) -> Reply:
        key_id = await protector.keyring.key_id(person)
        if key_id is None:
            raise Problem(
                404,
                "No personal data",
                f"{ctx.municipality} holds no personal data of this person (or it is erased)",
            )
        erasure_id = new_event_id()
        sealed = await conn.fetchval(
            "select count(*) from events where envelope::text like $1", f"%enc:v1:{key_id}:%"
        )
        audit = PersonalDataErased(
            erasure_id=erasure_id,
            key_id=key_id,
            legal_basis=body.legal_basis,
            request_reference=body.request_reference,
            erased_on=riga_today(),
            events_sealed=int(sealed),
        )
        await ctx.runtime.store.append(conn, f"erasure-{erasure_id}", 0, [audit], context)
        # Issue #17: the stored acts carry the person's data in the clear; they go too.
        await conn.execute(
            "delete from issued_documents where case_id in (select case_id from cases"
            " where municipality = $1 and client_personal_code = $2)",
            ctx.municipality,
            body.personal_code,
        )
        # Last before the commit: a refusal above leaves the key untouched.
        await protector.keyring.destroy(person)
        await forget_erased(conn, ctx.runtime.store, key_id, rebuild)
        return 201, audit.model_dump(mode="json")

    return await ctx.run(body, run)
