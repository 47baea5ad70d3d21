"""``/docs`` and ``/redoc`` work without internet (issue #18): every page references only
the service's own URLs, the assets it names are served by the service itself, and Swagger
UI offers Authorize for the bearer tokens."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest

from services.intake.app import create
from shared.settings import Settings

PAGES = ("/docs", "/redoc", "/docs/oauth2-redirect")
# Every URL a page could load: attributes, CSS url(), and any absolute URL in its scripts.
REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")
ABSOLUTE = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+""")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create(Settings(tokens="cw=caseworker:daugavpils"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        yield client


def _references(html: str) -> list[str]:
    return [a or b for a, b in REFERENCE.findall(html)]


@pytest.mark.parametrize("page", PAGES)
async def test_a_docs_page_references_only_the_service_itself(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    html = response.text
    assert not ABSOLUTE.findall(html), f"{page} names another host: {ABSOLUTE.findall(html)}"
    for reference in _references(html):
        assert not urlsplit(reference).netloc, f"{page} loads {reference} from elsewhere"


@pytest.mark.parametrize("page", ("/docs", "/redoc"))
async def test_every_asset_a_docs_page_loads_is_served_by_the_service(
    client: httpx.AsyncClient, page: str
) -> None:
    html = (await client.get(page)).text
    assets = [r for r in _references(html) if r.startswith("/")]
    assert any(a.endswith(".js") for a in assets), f"{page} loads its script"
    for asset in assets:
        response = await client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 1000, f"{asset} is the real asset, not a stub"
    assert "/openapi.json" in html


async def test_swagger_ui_offers_authorize_for_the_bearer_tokens(
    client: httpx.AsyncClient,
) -> None:
    # Swagger UI shows Authorize when the description has a security scheme; it keeps the
    # token across reloads and asks no outside validator.
    spec = (await client.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    html = (await client.get("/docs")).text
    assert '"persistAuthorization": true' in html
    assert '"validatorUrl": null' in html
