"""/docs of a real `erp up` works with no network: Swagger UI comes from the installation under
a CSP that allows only 'self', shows every operation, and its Authorize button signs in with a
user name and password.

Chromium comes from tests/tools/install-chromium.sh; with CI=true a missing browser fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from erp.gateway.api.docs import DOCS_CSP
from tests.support.browser import Browser, chromium, open_tab
from tests.support.processes import erp_up

pytestmark = pytest.mark.slow
ADMIN_PASSWORD = "docs-admin-password"
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "init.js", "favicon.png")
OPEN = {"/auth/token", "/auth/refresh"}


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with erp_up(tmp_path_factory.mktemp("docs"), ADMIN_PASSWORD, timeout=30) as proc:
        yield proc.url


def test_the_document_declares_the_bearer_scheme_on_every_operation_that_needs_it(
    system: str,
) -> None:
    doc = httpx.get(system + "/openapi.json", timeout=10).json()
    scheme = doc["components"]["securitySchemes"]["bearer"]
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["password"]["tokenUrl"] == "/auth/token"
    checked = 0
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            security = operation.get("security")
            if path in OPEN:
                assert security is None, (method, path)
            else:
                assert {"bearer": []} in security, (method, path)
                checked += 1
    assert checked > 40
    assert doc["paths"]["/auth/logout"]["post"]["security"] == [{"bearer": []}, {}]


def test_the_page_and_its_assets_come_from_the_gateway_under_a_self_only_csp(
    system: str,
) -> None:
    page = httpx.get(system + "/docs")
    assert page.status_code == 200
    assert "https://" not in page.text and "<script>" not in page.text  # no CDN, no inline
    csp = page.headers["content-security-policy"]
    assert csp == DOCS_CSP
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "http" not in csp
    for name in ASSETS:
        url = f"{system}/docs/assets/{name}"
        assert f'"/docs/assets/{name}"' in page.text
        answer = httpx.get(url)
        assert answer.status_code == 200, (name, answer.text[:200])
        assert answer.headers["content-security-policy"] == DOCS_CSP
        assert len(answer.content) > 100
        again = httpx.get(url, headers={"If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304
    assert httpx.get(system + "/docs/assets/secret.txt").status_code == 404


@pytest.fixture
def chromium_port(tmp_path: Path) -> Iterator[int]:
    """Headless Chromium that can reach 127.0.0.1 and nothing else (no DNS for any other host)."""
    with chromium(tmp_path, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1") as port:
        yield port


@pytest.fixture
async def browser(chromium_port: int) -> AsyncIterator[Browser]:
    async with open_tab(chromium_port, "Page", "Runtime", "Log") as tab:
        yield tab


# React reads an input's value from its own setter; typing is simulated through it.
TYPE_INTO = """
((selector, value) => {
  const input = document.querySelector(selector);
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(input, value);
  input.dispatchEvent(new Event("input", { bubbles: true }));
})"""


async def test_docs_render_offline_and_authorize_signs_in(system: str, browser: Browser) -> None:
    await browser.send("Page.navigate", url=f"{system}/docs")
    await browser.until("document.querySelectorAll('.opblock').length > 40", seconds=30)
    assert await browser.evaluate("!!document.querySelector('.opblock-summary-path')")
    paths = await browser.evaluate(
        "[...document.querySelectorAll('.opblock-summary-path')].map(e => e.textContent)"
    )
    assert any("/api/inventory/items" in p for p in paths), paths[:5]
    # Everything came from the gateway: the page, its assets and the document.
    loaded = await browser.evaluate(
        "[location.href, ...performance.getEntriesByType('resource').map(e => e.name)]"
    )
    assert loaded and all(url.startswith(system + "/") for url in loaded), loaded

    await browser.evaluate("document.querySelector('.btn.authorize').click()")
    await browser.until("!!document.querySelector('#oauth_username')")
    await browser.evaluate(f"{TYPE_INTO}('#oauth_username', 'admin')")
    await browser.evaluate(f"{TYPE_INTO}('#oauth_password', {ADMIN_PASSWORD!r})")
    await browser.evaluate("document.querySelector('.auth-btn-wrapper .authorize').click()")
    await browser.until(
        "[...document.querySelectorAll('.auth-btn-wrapper button')]"
        ".some(b => b.textContent === 'Logout')"
    )
    token = await browser.evaluate("ui.authSelectors.authorized().toJS().bearer.token.access_token")
    assert token
    # The token it got is good for the API, called from the page as "Try it out" would.
    call = (
        f"fetch('/api/inventory/items', {{headers: {{Authorization: 'Bearer {token}'}}}})"
        ".then(r => r.status)"
    )
    reply = await browser.send(
        "Runtime.evaluate", expression=call, awaitPromise=True, returnByValue=True
    )
    assert reply["result"]["value"] == 200
    assert browser.problems == []
