"""A sketch round in real browsers: two participants draw on the shared sketch at once, every
screen (and the projector) ends with the server's label map pixel for pixel, then one of them
has it painted."""

from __future__ import annotations

import asyncio
import base64
import io

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.conftest import FACILITATOR_TOKEN
from tests.e2e.a11y import axe_violations
from tests.e2e.test_console import sign_in

pytestmark = pytest.mark.browser

HOST = {"Authorization": f"Bearer {FACILITATOR_TOKEN}"}
# What the board shows for each label: the palette colours; unlabelled is the paper tone.
PAPER = (246, 244, 239)


async def join(page, base: str, nickname: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(base + "/")
    await page.get_by_test_id("nickname-input").fill(nickname)
    await page.get_by_test_id("join-button").click()
    await page.wait_for_url("**/room/main")


async def drag(page, points: list[tuple[float, float]]) -> None:  # type: ignore[no-untyped-def]
    """Drag the pointer over the sketch through points given as fractions of the board."""
    board = page.get_by_test_id("sketch-overlay")
    box = await board.bounding_box()
    at = [(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy) for fx, fy in points]
    await page.mouse.move(*at[0])
    await page.mouse.down()
    for x, y in at[1:]:
        await page.mouse.move(x, y, steps=6)
    await page.mouse.up()


async def board_pixels(page) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The sketch canvas's own pixels (512 x 384 RGB), read from the page."""
    data_url = await page.evaluate("() => document.querySelector('[data-testid=sketch-map]').toDataURL('image/png')")
    raw = base64.b64decode(data_url.split(",", 1)[1])
    with Image.open(io.BytesIO(raw)) as picture:
        return np.array(picture.convert("RGB"))


def server_pixels(png: bytes) -> np.ndarray:
    """The server's label map drawn in the board's colours."""
    with Image.open(io.BytesIO(png)) as picture:
        ids = np.array(picture)
        palette = np.array(picture.getpalette()[: 256 * 3], dtype=np.uint8).reshape(256, 3)
    colours = palette[ids]
    colours[ids == 0] = PAPER
    return colours


async def test_two_people_draw_one_sketch_and_paint_it(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=site) as http:
        made = await http.post("/api/host/rooms/main/round-kind", json={"kind": "sketch"}, headers=HOST)
        assert made.status_code == 200, made.text
    contexts = [await browser.new_context(viewport={"width": 1280, "height": 1000}) for _ in range(3)]
    alice, bob, projector = [await context.new_page() for context in contexts]
    errors: list[str] = []
    for page in (alice, bob, projector):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    await join(alice, site, "Alice")
    await join(bob, site, "Bob")
    await projector.goto(site + "/projector/main")
    for page in (alice, bob, projector):
        await page.get_by_test_id("sketch-board").wait_for()
    await alice.get_by_test_id("sketch-label-sky-other").wait_for()
    await alice.get_by_test_id("mask-canvas").wait_for(state="hidden")

    await alice.get_by_test_id("sketch-label-sky-other").click()
    await bob.get_by_test_id("sketch-label-grass").click()
    await bob.get_by_test_id("sketch-size").fill("30")
    # Both draw at the same time, crossing each other.
    await asyncio.gather(
        drag(alice, [(0.05, 0.15), (0.5, 0.2), (0.95, 0.1)]),
        drag(bob, [(0.05, 0.8), (0.5, 0.3), (0.95, 0.85)]),
    )
    await alice.get_by_test_id("sketch-tool-fill").click()
    await alice.get_by_test_id("sketch-label-tree").click()
    await drag(alice, [(0.9, 0.95)])
    await bob.get_by_test_id("sketch-undo").click()
    await drag(bob, [(0.2, 0.6), (0.4, 0.65)])

    async with httpx.AsyncClient(base_url=site) as http:
        for _ in range(50):
            state = (await http.get("/api/rooms/main/sketch")).json()
            if state["sketch"]["seq"] >= 5:
                break
            await asyncio.sleep(0.1)
        assert state["sketch"]["seq"] == 5, state["sketch"]["seq"]
        png = (await http.get("/api/rooms/main/sketch.png")).content
    expected = server_pixels(png)
    for page in (alice, bob, projector):
        await page.wait_for_function("() => document.querySelector('[data-testid=sketch-board]').dataset.seq === '5'")
        shown = await board_pixels(page)
        assert np.array_equal(shown, expected), "every screen shows the server's map pixel for pixel"
    await alice.get_by_test_id("sketch-board").screenshot(path=artifacts / "sketch-alice.png")
    await bob.get_by_test_id("sketch-board").screenshot(path=artifacts / "sketch-bob.png")
    await projector.screenshot(path=artifacts / "sketch-projector.png")
    assert (artifacts / "sketch-alice.png").stat().st_size > 0
    # The sketch's controls and the projector's sketch pass the same accessibility audit as
    # every page (axe is injected, so these pages run without the site's CSP).
    audit_ctx = await browser.new_context(bypass_csp=True, storage_state=await contexts[0].storage_state(),
                                          viewport={"width": 1280, "height": 1000})
    audited = await audit_ctx.new_page()
    for path, state in (("/room/main", "room with a sketch"), ("/projector/main", "projector with a sketch")):
        await audited.goto(site + path)
        await audited.get_by_test_id("sketch-map").wait_for()
        await audited.wait_for_function("() => document.querySelector('[data-testid=sketch-board]').dataset.seq === '5'")
        assert await axe_violations(audited, state) == []
    await audit_ctx.close()

    # Paint it: the rendering arrives among Bob's attempts.
    await bob.get_by_test_id("sketch-style").fill("watercolour")
    await bob.get_by_test_id("sketch-paint").click()
    await bob.get_by_test_id("sketch-paint-status").filter(has_text="Painting").wait_for()
    await bob.locator(".my-item[data-status=done]").first.wait_for(timeout=15000)
    await bob.screenshot(path=artifacts / "sketch-painted.png", full_page=True)
    assert errors == []
    for context in contexts:
        await context.close()


async def test_the_console_runs_a_sketch_round(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    host_ctx, alice_ctx = [await browser.new_context(viewport={"width": 1280, "height": 1000}) for _ in range(2)]
    host, alice = await host_ctx.new_page(), await alice_ctx.new_page()
    errors: list[str] = []
    for page in (host, alice):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    await sign_in(host, site)
    await join(alice, site, "Alice")
    await alice.get_by_test_id("mask-canvas").wait_for()

    # The facilitator makes the round a sketch round: the participant's studio becomes the sketch.
    await host.get_by_test_id("host-sketch-kind").check()
    await alice.get_by_test_id("sketch-board").wait_for()
    await alice.get_by_test_id("mask-canvas").wait_for(state="hidden")
    await host.get_by_test_id("host-sketch-palette").wait_for()
    await host.get_by_test_id("host-sketch-palette").select_option("beach")
    await alice.get_by_test_id("sketch-label-sand").wait_for()
    await alice.get_by_test_id("sketch-label-sand").click()
    await drag(alice, [(0.1, 0.9), (0.9, 0.9)])
    await alice.wait_for_function("() => document.querySelector('[data-testid=sketch-board]').dataset.seq === '1'")

    # Locked: the tools go grey and the page says why; unlocked, drawing goes on.
    await host.get_by_test_id("host-sketch-lock").click()
    await alice.wait_for_function("() => document.querySelector('[data-testid=sketch-board]').dataset.locked === 'true'")
    assert await alice.get_by_test_id("sketch-undo").is_disabled()
    await alice.get_by_test_id("sketch-status").filter(has_text="locked").wait_for()
    await host.get_by_test_id("host-sketch-lock").click()
    await alice.wait_for_function("() => document.querySelector('[data-testid=sketch-board]').dataset.locked === 'false'")
    assert not await alice.get_by_test_id("sketch-undo").is_disabled()

    # Clearing asks first, then empties every screen's sketch.
    host.once("dialog", lambda dialog: dialog.accept())
    await host.get_by_test_id("host-sketch-clear").click()
    await alice.wait_for_function("() => document.querySelector('[data-testid=sketch-board]').dataset.seq === '2'")
    assert not (await board_pixels(alice) != np.array(PAPER, dtype=np.uint8)).any()

    link = host.get_by_test_id("host-sketch-coco").get_by_role("link")
    await link.first.wait_for()
    href = await link.first.get_attribute("href")
    assert href and href.endswith("/rounds/1/sketch-coco.zip")
    await host.screenshot(path=artifacts / "console-sketch.png", full_page=True)
    assert errors == []
    for context in (host_ctx, alice_ctx):
        await context.close()


async def test_drawing_on_the_sketch_with_the_keyboard(browser, site) -> None:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=site) as http:
        assert (await http.post("/api/host/rooms/main/round-kind", json={"kind": "sketch"}, headers=HOST)).status_code == 200
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    page = await context.new_page()
    await join(page, site, "Kim")
    await page.get_by_test_id("sketch-label-grass").wait_for()
    await page.get_by_test_id("sketch-label-grass").click()
    overlay = page.get_by_test_id("sketch-overlay")
    await overlay.focus()
    await page.keyboard.press("Space")
    for _ in range(5):
        await page.keyboard.press("Shift+ArrowRight")
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Space")
    await page.get_by_role("status").filter(has_text="Pen up").wait_for()
    await page.wait_for_function("() => document.querySelector('[data-testid=sketch-board]').dataset.seq === '1'")
    async with httpx.AsyncClient(base_url=site) as http:
        state = (await http.get("/api/rooms/main/sketch")).json()
    [drawn] = state["sketch"]["strokes"]
    assert drawn["label"] == 124 and drawn["points"][0] == [256, 192] and drawn["points"][-1] == [256 + 80, 196]
    await page.keyboard.press("Control+z")
    await page.wait_for_function("() => document.querySelector('[data-testid=sketch-board]').dataset.seq === '2'")
    await context.close()
