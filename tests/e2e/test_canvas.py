"""The mask editor in a real browser: what is sent is exactly what was painted, at the
seed's resolution, whatever tool, history step or zoom produced it.

Submissions are answered by the test itself (page.route), so these checks depend only on
the request the page sends, not on the server's answer or the participant's quota."""

from __future__ import annotations

import base64
import io
import json
import math

import pytest
from PIL import Image

from tests.e2e.test_live_room import join

pytestmark = pytest.mark.browser

SUBMISSIONS = "**/api/rooms/main/submissions"
SEED_W, SEED_H = 1024, 768


async def studio(browser, site: str, nickname: str, viewport=(1280, 900)):  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    async def answer(route) -> None:  # type: ignore[no-untyped-def]
        await route.fulfill(
            status=503,
            content_type="application/json",
            body=json.dumps({"error": {"code": "intercepted", "message": "Answered by the test."}}),
        )

    await page.route(SUBMISSIONS, answer)
    await join(page, site, nickname)
    await page.wait_for_selector(".mask-editor:not(.disabled)")
    await page.get_by_test_id("prompt-input").fill("a red kite in the sky")
    return context, page, errors


async def to_screen(page, sx: float, sy: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Where seed pixel (sx, sy) is on screen now: the canvas box is the transformed one."""
    box = await page.get_by_test_id("mask-canvas").bounding_box()
    return box["x"] + (sx + 0.5) / SEED_W * box["width"], box["y"] + (sy + 0.5) / SEED_H * box["height"]


async def drag(page, points: list[tuple[float, float]], steps: int = 10) -> None:  # type: ignore[no-untyped-def]
    """A mouse stroke through seed pixels."""
    await page.get_by_test_id("mask-stage").scroll_into_view_if_needed()
    screen = [await to_screen(page, x, y) for x, y in points]
    await page.mouse.move(*screen[0])
    await page.mouse.down()
    for point in screen[1:]:
        await page.mouse.move(*point, steps=steps)
    await page.mouse.up()


async def submit(page) -> tuple[dict, Image.Image]:  # type: ignore[no-untyped-def]
    """Clicks Submit and returns the sent body and the mask's alpha channel."""
    async with page.expect_request(SUBMISSIONS) as captured:
        await page.get_by_test_id("submit-button").click()
    request = await captured.value
    body = json.loads(request.post_data)
    header, data = body["mask"].split(",", 1)
    assert header == "data:image/png;base64"
    mask = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGBA")
    assert mask.size == (SEED_W, SEED_H), "the mask is at the seed's resolution"
    alpha = mask.getchannel("A")
    levels = {value for value, count in enumerate(alpha.histogram()) if count}
    assert levels <= {0, 255}, "the mask is binary whatever the soft edge"
    await page.get_by_test_id("submit-error").wait_for()
    return body, alpha


def painted(alpha: Image.Image, x: int, y: int) -> bool:
    return alpha.getpixel((x, y)) == 255


async def set_range(page, testid: str, value: int) -> None:  # type: ignore[no-untyped-def]
    await page.get_by_test_id(testid).fill(str(value))
    assert await page.get_by_test_id(testid).input_value() == str(value)


async def test_brush_eraser_invert_undo_redo_and_soft_edge(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    context, page, errors = await studio(browser, site, "Painter")
    canvas = page.get_by_test_id("mask-canvas")
    assert (await canvas.get_attribute("width"), await canvas.get_attribute("height")) == ("1024", "768")
    room = await (await page.request.get(site + "/api/rooms/main")).json()
    seed_id = room["round"]["seed"]["id"]

    await set_range(page, "brush-size", 40)
    await set_range(page, "feather-input", 12)
    await drag(page, [(200, 200), (800, 200)])
    await page.get_by_test_id("tool-eraser").click()
    await drag(page, [(500, 150), (500, 250)])
    body, first = await submit(page)
    assert body["seed_id"] == seed_id, "the mask names the seed it was painted on"
    assert body["feather_px"] == 12
    assert body["prompt"] == "a red kite in the sky"
    assert painted(first, 300, 200) and painted(first, 700, 200), "the brush stroke is in the mask"
    assert painted(first, 300, 215) and not painted(first, 300, 230), "at the brush's width (40 px)"
    assert not painted(first, 500, 200), "the eraser took part of it out"
    assert not painted(first, 500, 500) and not painted(first, 100, 200)
    await page.screenshot(path=artifacts / "painted.png")

    await page.get_by_test_id("invert-button").click()
    _, inverted = await submit(page)
    assert not painted(inverted, 300, 200), "a painted pixel becomes unpainted"
    assert painted(inverted, 500, 200) and painted(inverted, 500, 500), "and vice versa"

    await page.get_by_test_id("undo-button").click()
    _, undone = await submit(page)
    assert undone.tobytes() == first.tobytes(), "undo restores the mask exactly"

    await page.keyboard.press("Control+Shift+Z")
    _, redone = await submit(page)
    assert redone.tobytes() == inverted.tobytes(), "redo re-applies the invert"

    await page.keyboard.press("Control+z")
    await page.keyboard.press("Control+z")
    _, before_eraser = await submit(page)
    assert painted(before_eraser, 500, 200), "two undos take back invert and eraser"

    # Typing in the prompt keeps its own Ctrl+Z: the mask must not change.
    await page.get_by_test_id("prompt-input").focus()
    await page.keyboard.press("Control+z")
    await page.keyboard.press("Control+y")
    await page.get_by_test_id("prompt-input").fill("a red kite in the sky")
    _, typed = await submit(page)
    assert typed.tobytes() == before_eraser.tobytes()

    # Clear is one more undoable step.
    await page.get_by_test_id("clear-button").click()
    await page.get_by_test_id("submit-button").click()
    assert "paint" in (await page.get_by_test_id("submit-error").inner_text()).lower()
    await page.get_by_test_id("undo-button").click()
    _, restored = await submit(page)
    assert restored.tobytes() == before_eraser.tobytes()

    # The overlay opacity is visual only; the soft edge shows as a blur on the overlay.
    await set_range(page, "overlay-opacity", 30)
    assert float(await canvas.evaluate("c => getComputedStyle(c).opacity")) == pytest.approx(0.3, abs=0.01)
    assert "blur" in await canvas.evaluate("c => getComputedStyle(c).filter")
    assert not errors, errors
    await context.close()


async def test_painting_while_zoomed_lands_on_the_right_seed_pixels(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    context, page, errors = await studio(browser, site, "Zoomer")
    stage = await page.get_by_test_id("mask-stage").bounding_box()
    await page.get_by_test_id("zoom-in").click()
    await page.get_by_test_id("zoom-in").click()
    box = await page.get_by_test_id("mask-canvas").bounding_box()
    assert box["width"] == pytest.approx(stage["width"] * 2.25, rel=0.01)
    assert box["width"] / box["height"] == pytest.approx(SEED_W / SEED_H, rel=0.01), "aspect kept"

    # Ctrl+wheel zooms around the pointer: the seed pixel under it stays under it.
    px, py = stage["x"] + stage["width"] * 0.3, stage["y"] + stage["height"] * 0.6
    before = await page.get_by_test_id("mask-canvas").bounding_box()
    await page.mouse.move(px, py)
    await page.keyboard.down("Control")
    await page.mouse.wheel(0, -200)
    await page.keyboard.up("Control")
    await page.wait_for_function(f"() => document.querySelector('[data-testid=mask-canvas]').getBoundingClientRect().width > {before['width'] + 1}")
    after = await page.get_by_test_id("mask-canvas").bounding_box()
    u0 = (px - before["x"]) / before["width"]
    u1 = (px - after["x"]) / after["width"]
    assert u1 == pytest.approx(u0, abs=0.002)

    # Space+drag pans (and paints nothing).
    await page.mouse.move(stage["x"] + stage["width"] * 0.5, stage["y"] + stage["height"] * 0.5)
    await page.keyboard.down(" ")
    await page.mouse.down()
    await page.mouse.move(stage["x"] + stage["width"] * 0.7, stage["y"] + stage["height"] * 0.6, steps=5)
    await page.mouse.up()
    await page.keyboard.up(" ")
    panned = await page.get_by_test_id("mask-canvas").bounding_box()
    assert panned["x"] - after["x"] == pytest.approx(stage["width"] * 0.2, abs=2)

    # A small dab at a point of the zoomed view: where on the seed should it land?
    await set_range(page, "brush-size", 8)
    sx_screen, sy_screen = stage["x"] + stage["width"] * 0.25, stage["y"] + stage["height"] * 0.75
    view = await page.get_by_test_id("mask-canvas").bounding_box()
    seed_x = int((sx_screen - view["x"]) / view["width"] * SEED_W)
    seed_y = int((sy_screen - view["y"]) / view["height"] * SEED_H)
    naive_x = int((sx_screen - stage["x"]) / stage["width"] * SEED_W)
    naive_y = int((sy_screen - stage["y"]) / stage["height"] * SEED_H)
    assert math.hypot(seed_x - naive_x, seed_y - naive_y) > 50, "zoom and pan moved the mapping"
    await page.mouse.move(sx_screen, sy_screen)
    await page.mouse.down()
    await page.mouse.up()
    await page.screenshot(path=artifacts / "zoomed.png")

    _, alpha = await submit(page)
    assert painted(alpha, seed_x, seed_y), "the dab is at the seed pixel under the pointer"
    assert not painted(alpha, naive_x, naive_y)
    bbox = alpha.getbbox()
    assert bbox is not None
    assert 6 <= bbox[2] - bbox[0] <= 10 and 6 <= bbox[3] - bbox[1] <= 10, f"a brush of 8 seed px, got {bbox}"

    await page.get_by_test_id("zoom-reset").click()
    reset = await page.get_by_test_id("mask-canvas").bounding_box()
    assert reset["width"] == pytest.approx(stage["width"], abs=1)
    assert not errors, errors
    await context.close()


async def test_bracket_keys_change_the_brush_size(browser, site) -> None:  # type: ignore[no-untyped-def]
    context, page, errors = await studio(browser, site, "Sizer")
    size = page.get_by_test_id("brush-size")
    await set_range(page, "brush-size", 50)
    await page.locator("body").click(position={"x": 5, "y": 5})
    await page.keyboard.press("]")
    assert await size.input_value() == "55"
    await page.keyboard.press("[")
    await page.keyboard.press("[")
    assert await size.input_value() == "45"
    for _ in range(60):
        await page.keyboard.press("[")
    assert await size.input_value() == "1", "clamped at 1 seed pixel"
    await set_range(page, "brush-size", 100)
    await page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(3):
        await page.keyboard.press("[")
    assert await size.input_value() == "75"

    # In the prompt, a bracket is text.
    prompt = page.get_by_test_id("prompt-input")
    await prompt.focus()
    await page.keyboard.press("]")
    assert await size.input_value() == "75"
    assert (await prompt.input_value()).endswith("]")

    # The stroke uses the size the keys chose.
    await page.locator("body").click(position={"x": 5, "y": 5})
    await drag(page, [(300, 400), (700, 400)])
    _, alpha = await submit(page)
    column = [y for y in range(SEED_H) if painted(alpha, 500, y)]
    assert 73 <= len(column) <= 77, f"a 75 px wide stroke, got {len(column)}"
    assert not errors, errors
    await context.close()


async def test_studio_layout_on_a_laptop_and_a_phone(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    for name, viewport in (("laptop", (1280, 900)), ("phone", (390, 844))):
        context, page, errors = await studio(browser, site, f"Look{name}", viewport)
        await drag(page, [(250, 250), (600, 420)])
        room = await (await page.request.get(site + "/api/rooms/main")).json()
        if (room.get("generator") or {}).get("offline"):
            assert await page.get_by_test_id("offline-notice").is_visible()
        if room.get("quota"):
            assert "/" in await page.get_by_test_id("quota-count").inner_text()
        await page.get_by_test_id("example-button").click()
        assert await page.get_by_test_id("prompt-input").input_value() != ""
        await page.screenshot(path=artifacts / f"studio-{name}.png", full_page=True)
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow}px"
        composer = await page.locator(".composer").bounding_box()
        side = await page.get_by_test_id("my-submissions").bounding_box()
        if name == "phone":
            assert side["y"] >= composer["y"] + composer["height"], "one column on a phone"
        else:
            assert side["x"] >= composer["x"] + composer["width"], "side by side on a laptop"
        assert not errors, errors
        await context.close()

