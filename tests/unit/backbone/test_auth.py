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
