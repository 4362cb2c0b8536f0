"""Prompts and nicknames that contain HTML and script render as text on every page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.a11y import submit_entry
from tests.e2e.test_live_room import join
from tests.e2e.test_projector import sign_in_host
from tests.factories import HOST
from tests.live import Screen

pytestmark = pytest.mark.browser

NICKNAME = '<img src=x onerror=alert(1)>'
PROMPT = '<script>alert("prompt")</script><b onclick="alert(2)">bold</b> & <iframe src="/"></iframe>'

# Elements or attributes that only an injection would put on a page, and whether the hostile
# strings are on it as text.
INSPECT = """(needles) => ({
  injected: [...document.querySelectorAll(
    'img[src="x"], script:not([src]), iframe, [onerror], [onclick], [onload]')].map((el) => el.outerHTML.slice(0, 80)),
  shown: needles.map((needle) => document.body.textContent.includes(needle)),
})"""


async def inspect(page, name: str, needles: list[str]) -> None:  # type: ignore[no-untyped-def]
    found: dict[str, Any] = await page.evaluate(INSPECT, needles)
    assert found["injected"] == [], f"{name}: markup from user text became elements: {found['injected']}"
    assert all(found["shown"]), f"{name}: {dict(zip(needles, found['shown']))} (the text should be shown literally)"


async def test_html_in_prompts_and_nicknames_stays_text_on_every_page(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    author = Screen(site)
    alerts: list[str] = []
    try:
        await author.join_as(NICKNAME)
        await author.http.post("/api/host/rooms/main/phase", json={"from": "lobby", "to": "generate"}, headers=HOST)
        image_id = await submit_entry(author, PROMPT)
        await author.http.post("/api/host/rooms/main/phase", json={"from": "generate", "to": "vote"}, headers=HOST)

        pages = {}
        for name in ("room", "projector", "host"):
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            page = await context.new_page()
            page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
            pages[name] = page
        await join(pages["room"], site, "Viewer")
        await pages["room"].locator(f'[data-testid="image-card"][data-image-id="{image_id}"]').wait_for()
        await pages["projector"].goto(site + "/projector/main")
        await pages["projector"].locator(f'[data-testid="projector-entry"][data-image-id="{image_id}"]').wait_for(state="attached")
        await sign_in_host(pages["host"], site)
        await pages["host"].wait_for_function(
            "(needle) => document.body.textContent.includes(needle)", arg=NICKNAME, timeout=15000
        )
        await inspect(pages["room"], "room", [PROMPT])
        await inspect(pages["projector"], "projector", [PROMPT])
        await inspect(pages["host"], "console", [PROMPT, NICKNAME])

        # The reveal and the lineage show the winner's prompt and author.
        await author.http.post("/api/host/rooms/main/phase", json={"from": "vote", "to": "closed"}, headers=HOST)
        await pages["projector"].get_by_test_id("projector-reveal").wait_for(timeout=15000)
        await inspect(pages["projector"], "projector reveal", [PROMPT])
        lineage = pages["room"]
        await lineage.goto(site + "/lineage/main")
        await lineage.wait_for_function("(needle) => document.body.textContent.includes(needle)", arg=PROMPT, timeout=15000)
        await inspect(lineage, "lineage", [PROMPT, NICKNAME])
        for name, page in pages.items():
            await page.screenshot(path=artifacts / f"{name}.png")
        assert alerts == [], f"a script from user text ran: {alerts}"
    finally:
        await author.close()
