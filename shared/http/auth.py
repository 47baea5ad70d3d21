"""Bearer-token access: every request carries a token configured for a role and a municipality.

Tokens come from ``ASIST_TOKENS`` as ``token=role:municipality`` pairs separated by commas,
e.g. ``abc=caseworker:daugavpils,xyz=ministry:*``. The ministry's ``*`` reaches every
municipality; any other token reaches only its own, and gets 403 on another's data.

Tokens of a person (architecture.md §9) add a binding: ``token=role:municipality:binding``.
``assistant`` is bound to one assistant id (``t=assistant:daugavpils:<assistant id>``),
``client`` to one case (``t=client:ludza:<case id>``). The binding may instead name the
person, ``person=<personal code>``: a login through the state portal knows the person, not
a municipality's id, and an assistant of two municipalities then uses one token with
``*`` (``t=assistant:*:person=32345678901``). Services decide what a binding may reach.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.http.contract import for_roles, raises
from shared.http.problems import Problem
from shared.municipalities import MUNICIPALITIES, get_municipality


class Role(StrEnum):
    CASEWORKER = "caseworker"
    ASSISTANT = "assistant"
    CLIENT = "client"
    FINANCE = "finance"
    MINISTRY = "ministry"


ALL_MUNICIPALITIES = "*"
# Roles of one person, whose tokens may be bound to an assistant id, a case or a person.
PERSON_ROLES = frozenset({Role.ASSISTANT, Role.CLIENT})


PERSON_BINDING = "person="


@dataclass(frozen=True)
class Principal:
    token_id: str
    role: Role
    municipality: str
    # The assistant id, case id or "person=<personal code>" a person's token is bound to.
    binding: str | None = None

    @property
    def person_code(self) -> str | None:
        """The personal code of a token bound to a person, else None."""
        if self.binding is not None and self.binding.startswith(PERSON_BINDING):
            return self.binding.removeprefix(PERSON_BINDING)
        return None

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.municipality}:{self.token_id}"

    def may_access(self, municipality: str) -> bool:
        return self.municipality in (ALL_MUNICIPALITIES, municipality)


class TokenConfigError(ValueError):
    pass


def parse_tokens(spec: str) -> dict[str, Principal]:
    tokens: dict[str, Principal] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        token, sep, grant = item.partition("=")
        role, sep2, scope = grant.partition(":")
        municipality, _, binding = scope.partition(":")
        if not (sep and sep2 and token):
            raise TokenConfigError(f"ASIST_TOKENS entry {item!r} is not token=role:municipality")
        try:
            parsed_role = Role(role)
        except ValueError:
            raise TokenConfigError(f"ASIST_TOKENS: unknown role {role!r}") from None
        if municipality != ALL_MUNICIPALITIES and municipality not in MUNICIPALITIES:
            raise TokenConfigError(f"ASIST_TOKENS: unknown municipality {municipality!r}")
        if binding and parsed_role not in PERSON_ROLES:
            raise TokenConfigError(f"ASIST_TOKENS: role {role!r} takes no binding")
        if binding.startswith(PERSON_BINDING) and not binding.removeprefix(PERSON_BINDING):
            raise TokenConfigError(f"ASIST_TOKENS entry for {role!r}: empty person= binding")
        # The id in logs and events is a short digest, never the secret itself.
        token_id = hmac.new(b"asist", token.encode(), "sha256").hexdigest()[:10]
        tokens[token] = Principal(token_id, parsed_role, municipality, binding or None)
    return tokens


# Declares the bearer scheme in OpenAPI (Swagger's Authorize button) and marks every
# operation that reads the token; the check itself is ``authenticate`` (a missing token is
# our 401 problem, not FastAPI's 403).
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A token of ASIST_TOKENS (token=role:municipality[:binding]); "
    "send it as Authorization: Bearer <token>",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def authenticate(request: Request) -> Principal:
    tokens: dict[str, Principal] = request.app.state.tokens
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem(401, "Unauthorized", "send Authorization: Bearer <token>")
    for known, principal in tokens.items():
        if hmac.compare_digest(known, token):
            return principal
    raise Problem(401, "Unauthorized", "unknown token")


def require(
    *roles: Role,
) -> Callable[[Request, HTTPAuthorizationCredentials | None], Coroutine[Any, Any, Principal]]:
    """FastAPI dependency: a token of one of ``roles`` for the path's ``municipality``.

    One answer in every service (issue #8): no valid token is 401; then a path whose
    ``municipality`` names no municipality is 404 (``UnknownMunicipality``, a problem of the
    shared handlers), whoever asks; a known municipality the token may not act for, or a
    role that may not do this, is 403.
    """

    @raises(401, 403, 404)
    async def dependency(request: Request, _: Credentials) -> Principal:
        principal = authenticate(request)
        municipality = request.path_params.get("municipality")
        if municipality is not None:
            get_municipality(municipality)  # UnknownMunicipality: 404
        if roles and principal.role not in roles:
            allowed = ", ".join(roles)
            raise Problem(403, "Forbidden", f"role {principal.role} may not do this ({allowed})")
        if municipality is not None and not principal.may_access(municipality):
            raise Problem(
                403, "Forbidden", f"this token is for {principal.municipality}, not {municipality}"
            )
        return principal

    return for_roles(dependency, roles)
