"""What every route of the decisions API shares: access, bodies, commands, problems.

Every route is under ``/municipalities/{municipality}/`` and needs a caseworker token of that
municipality (another municipality's token gets 403; the ministry sees no personal data
here). Every command route takes ``CaseworkerCommand`` (shared/http/commands.py) and runs
in one transaction with its ``Idempotency-Key`` (``ctx.run``), so a retry gets the first
answer and a refusal leaves nothing behind; refusals are answered by the shared problem
handlers (shared/http/problems.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.decisions.api.views import decision_view
from services.decisions.case.state import CaseState
from shared.http.app import runtime_of
from shared.http.auth import Principal, Role, require
from shared.http.commands import CommandContext, command_context
from shared.http.commands import correlation_id as correlation_id
from shared.rules import normalize_personal_code
from shared.runtime import ServiceRuntime

Caseworker = Annotated[Principal, Depends(require(Role.CASEWORKER))]
# Every command route: the checked token, municipality, Idempotency-Key and correlation id.
CaseworkerCommand = Annotated[CommandContext, Depends(command_context(Role.CASEWORKER))]
Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
Reply = tuple[int, dict[str, Any]]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Note = Annotated[str, Field(max_length=2000)]
Hours = Annotated[Decimal, Field(gt=0, le=744, allow_inf_nan=False)]
# rules.md §10: either format, hyphen optional; stored in one (InvalidPersonalCode is a
# ValueError, so a bad one is a 422 naming the field).
PersonalCode = Annotated[str, AfterValidator(normalize_personal_code)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def decision_reply(state: CaseState, events: list[BaseModel]) -> dict[str, Any]:
    decision = state.decisions[-1]
    return {"decision": decision_view(state, decision)}
