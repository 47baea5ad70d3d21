"""Bearer tokens per role and municipality (issue 4's access rule, shared by every service)."""

from __future__ import annotations

import pytest

from shared.http.auth import Role, TokenConfigError, parse_tokens


def test_tokens_parse_into_role_and_municipality() -> None:
    tokens = parse_tokens("abc=caseworker:daugavpils, xyz=ministry:*")
    assert tokens["abc"].role is Role.CASEWORKER
    assert tokens["abc"].may_access("daugavpils")
    assert not tokens["abc"].may_access("ludza")
    assert tokens["xyz"].may_access("ludza")
    assert "abc" not in tokens["abc"].actor, "the secret never reaches logs or events"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("abc", "not token=role:municipality"),
        ("abc=boss:ludza", "unknown role 'boss'"),
        ("abc=caseworker:atlantis", "unknown municipality 'atlantis'"),
    ],
)
def test_bad_token_configuration_is_named(spec: str, message: str) -> None:
    with pytest.raises(TokenConfigError, match=message):
        parse_tokens(spec)


def test_person_tokens_carry_their_binding_and_old_tokens_still_parse() -> None:
    tokens = parse_tokens(
        "a=assistant:daugavpils:0190-aa,c=client:ludza:case-7,"
        "p=assistant:*:person=32345678901,old=assistant:daugavpils"
    )
    assert tokens["a"].binding == "0190-aa" and tokens["a"].person_code is None
    assert tokens["c"].role is Role.CLIENT and tokens["c"].binding == "case-7"
    assert tokens["p"].person_code == "32345678901" and tokens["p"].may_access("ludza")
    assert tokens["old"].binding is None
    assert "32345678901" not in tokens["p"].actor, "a personal code never reaches events"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("abc=caseworker:ludza:someone", "role 'caseworker' takes no binding"),
        ("abc=client:ludza:person=", "empty person= binding"),
    ],
)
def test_bad_bindings_are_named(spec: str, message: str) -> None:
    with pytest.raises(TokenConfigError, match=message):
        parse_tokens(spec)
