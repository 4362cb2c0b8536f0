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

from tests.e2e.a11y import axe_violations, focused, tab_to
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


# The overlay canvas shows the mask pixel for pixel: how many pixels are painted now.
OVERLAY_PAINTED = """() => { const c = document.querySelector('[data-testid=mask-canvas]');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""


async def said(page, words: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the mask editor's live region says something containing `words`."""
    await page.wait_for_function(
        "(words) => document.querySelector('[data-testid=mask-announcer]').textContent.includes(words)",
        arg=words,
    )


def key_step(stage_width: float, big: bool) -> int:
    """One arrow step of the keyboard brush in seed pixels (shortcuts.ts keyStep at zoom 1)."""
    return max(1, math.floor((48 if big else 8) / (stage_width / SEED_W) + 0.5))


async def key_cursor_centre(page) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    box = await page.get_by_test_id("key-cursor").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


async def press(page, key: str, times: int = 1) -> None:  # type: ignore[no-untyped-def]
    for _ in range(times):
        await page.keyboard.press(key)


async def test_painting_the_mask_with_the_keyboard_alone(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    # bypass_csp: the axe-core audit goes in as an inline script.
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # Joining with the keyboard.
    await page.goto(site + "/")
    await page.get_by_test_id("nickname-input").wait_for()
    assert await focused(page) == "nickname-input"
    await page.keyboard.type("Kim")
    await tab_to(page, "[data-testid=join-button]")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/room/main")
    await page.wait_for_function(
        "() => { const c = document.querySelector('[data-testid=mask-canvas]');"
        " const img = document.querySelector('[data-testid=seed-image]');"
        " return !!c && !!img && img.naturalWidth > 0 && c.width === img.naturalWidth; }"
    )
    await page.wait_for_selector(".mask-editor:not(.disabled)")

    # The picture is a tab stop with a visible focus ring (tab_to checks it), a name and
    # instructions; the keyboard brush shows in the middle of the picture.
    stage = page.get_by_test_id("mask-stage")
    await tab_to(page, "[data-testid=mask-stage]")
    assert await stage.get_attribute("role") == "application"
    assert await stage.get_attribute("aria-label")
    help_id = await stage.get_attribute("aria-describedby")
    await page.locator(f"#{help_id}").wait_for(state="visible")  # shown while the keyboard is here
    instructions = await page.locator(f"#{help_id}").inner_text()
    assert "arrow keys" in instructions and "Space or Enter" in instructions and "Tab" in instructions
    cursor = page.get_by_test_id("key-cursor")
    await cursor.wait_for(state="visible")
    assert await page.evaluate(OVERLAY_PAINTED) == 0, "the cursor is not drawn into the mask"
    width = (await stage.bounding_box())["width"]
    small, big = key_step(width, False), key_step(width, True)
    cx, cy = SEED_W // 2, SEED_H // 2
    x, y = await key_cursor_centre(page)
    ex, ey = await to_screen(page, cx, cy)
    assert abs(x - ex) < 2 and abs(y - ey) < 2, "the keyboard brush starts in the middle"

    # Stroke 1: two big steps up, pen down with Space, six steps right, pen up.
    await press(page, "Shift+ArrowUp", 2)
    y1 = cy - 2 * big
    await page.keyboard.press("Space")
    await said(page, "Pen down")
    assert await stage.get_attribute("data-pen") == "down"
    await press(page, "ArrowRight", 6)
    await page.keyboard.press("Space")
    await said(page, "Pen up")
    await said(page, "% of the picture painted")
    assert await stage.get_attribute("data-pen") == "up"
    assert await page.evaluate(OVERLAY_PAINTED) > 0, "the keyboard stroke is in the mask"
    assert await page.get_by_test_id("clear-button").is_enabled()
    assert await focused(page) == "mask-stage", "Space did not scroll or move the focus"

    # Undo (Ctrl+Z, still on the picture) takes the whole stroke back.
    await page.keyboard.press("Control+z")
    await said(page, "Undone. 0% of the picture painted")
    assert await page.evaluate(OVERLAY_PAINTED) == 0
    assert await page.get_by_test_id("clear-button").is_disabled()

    # Stroke 2: four big steps down, pen down with Enter, two big steps left, Escape lifts.
    await press(page, "Shift+ArrowDown", 4)
    y2 = y1 + 4 * big
    await page.keyboard.press("Enter")
    await said(page, "Pen down")
    await press(page, "Shift+ArrowLeft")
    await page.locator(".composer").screenshot(path=artifacts / "keyboard-brush-pen-down.png")
    # The studio with the keyboard brush in use passes the axe audit too.
    found = await axe_violations(page, "keyboard-brush")
    assert not found, "\n".join(found)
    assert await stage.get_attribute("data-pen") == "down", "the audit did not lift the pen"
    await press(page, "Shift+ArrowLeft")
    await page.keyboard.press("Escape")
    await said(page, "Pen up")
    # A single dab four big steps to the right with D.
    await press(page, "Shift+ArrowRight", 4)
    dab_x = cx + 6 * small - 2 * big + 4 * big
    await page.keyboard.press("d")
    await said(page, "Dab.")
    x, y = await key_cursor_centre(page)
    ex, ey = await to_screen(page, dab_x, y2)
    assert abs(x - ex) < 2 and abs(y - ey) < 2, "the keyboard brush is where the keys took it"
    await page.locator(".composer").screenshot(path=artifacts / "keyboard-brush-painted.png")

    # No trap: Tab leaves the picture (and the cursor goes), Shift+Tab comes back.
    await page.keyboard.press("Tab")
    assert await focused(page) != "mask-stage"
    await cursor.wait_for(state="hidden")
    await page.locator(f"#{help_id}").wait_for(state="hidden")
    await tab_to(page, "[data-testid=mask-stage]", backwards=True)

    # The prompt and Submit, with the keyboard; the offline generator takes the edit.
    await tab_to(page, "[data-testid=prompt-input]")
    await page.keyboard.type("a lighthouse in the fog")
    await tab_to(page, "[data-testid=submit-button]")
    async with page.expect_response(SUBMISSIONS) as answered:
        await page.keyboard.press("Enter")
    response = await answered.value
    assert response.status == 202, await response.text()
    body = json.loads(response.request.post_data)
    assert body["prompt"] == "a lighthouse in the fog"
    mask = Image.open(io.BytesIO(base64.b64decode(body["mask"].split(",", 1)[1]))).convert("RGBA")
    assert mask.size == (SEED_W, SEED_H)
    alpha = mask.getchannel("A")
    stroke_2_start = cx + 6 * small
    assert painted(alpha, stroke_2_start, y2) and painted(alpha, stroke_2_start - big, y2), "stroke 2"
    assert painted(alpha, stroke_2_start - 2 * big, y2), "to where Escape lifted the pen"
    assert painted(alpha, dab_x, y2), "the dab"
    assert not painted(alpha, dab_x - 45, y2), "a dab is one brush wide, apart from the stroke"
    assert not painted(alpha, cx + 3 * small, y1), "the undone stroke is not in the mask"
    image_id = (await response.json())["image"]["id"]
    await page.wait_for_selector(f'[data-testid="my-submissions"] [data-image-id="{image_id}"]')
    assert not errors, errors
    await context.close()


async def test_space_over_the_picture_still_pans_and_the_keyboard_brush_follows_the_zoom(browser, site) -> None:  # type: ignore[no-untyped-def]
    context, page, errors = await studio(browser, site, "Mixer")
    stage = page.get_by_test_id("mask-stage")
    await page.get_by_test_id("zoom-in").click()
    await page.get_by_test_id("zoom-in").click()
    # The picture has the focus and the mouse rests on it: Space+drag still pans, paints nothing.
    await stage.focus()
    box = await stage.bounding_box()  # after the focus scrolled it into view
    await page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    await page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.5)
    before = await page.get_by_test_id("mask-canvas").bounding_box()
    await page.keyboard.down(" ")
    await page.mouse.down()
    await page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.6, steps=5)
    await page.mouse.up()
    await page.keyboard.up(" ")
    panned = await page.get_by_test_id("mask-canvas").bounding_box()
    assert panned["x"] - before["x"] == pytest.approx(box["width"] * 0.2, abs=2)
    assert await page.evaluate(OVERLAY_PAINTED) == 0
    assert await stage.get_attribute("data-pen") == "up"

    # Once an arrow key is used, Space is the keyboard brush's pen, though the mouse is there.
    await page.keyboard.press("ArrowLeft")
    await page.get_by_test_id("key-cursor").wait_for(state="visible")
    await page.keyboard.press("Space")
    assert await stage.get_attribute("data-pen") == "down"
    # Zoomed in, the view follows the brush to the picture's edge.
    for _ in range(30):
        await page.keyboard.press("Shift+ArrowRight")
    await page.keyboard.press("Space")
    followed = await page.get_by_test_id("mask-canvas").bounding_box()
    assert followed["x"] < panned["x"] - box["width"] * 0.5, "the view panned after the brush"
    x, _ = await key_cursor_centre(page)
    assert box["x"] < x < box["x"] + box["width"], "the brush stays in sight"
    _, alpha = await submit(page)
    assert painted(alpha, SEED_W - 1, SEED_H // 2 - 1) or painted(alpha, SEED_W - 1, SEED_H // 2), "to the edge"

    # Moving the mouse over the picture hands Space back to the pan.
    await stage.focus()
    await page.keyboard.press("ArrowLeft")
    await page.get_by_test_id("key-cursor").wait_for(state="visible")
    await page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.4, steps=3)
    await page.get_by_test_id("key-cursor").wait_for(state="hidden")
    await page.keyboard.down(" ")
    assert await stage.get_attribute("data-pen") == "up"
    assert await stage.evaluate("(s) => s.classList.contains('panning')")
    await page.keyboard.up(" ")

    # With the pointer in use and off the picture, Space does not paint either; Enter first
    # brings the keyboard brush back, then D dabs.
    before = await page.evaluate(OVERLAY_PAINTED)
    await page.mouse.move(5, 5)
    await page.keyboard.press("Space")
    await page.keyboard.press("Enter")
    await page.get_by_test_id("key-cursor").wait_for(state="visible")
    assert await stage.get_attribute("data-pen") == "up"
    assert await page.evaluate(OVERLAY_PAINTED) == before, "nothing painted yet"
    await press(page, "Shift+ArrowDown", 3)
    await page.keyboard.press("d")
    assert await page.evaluate(OVERLAY_PAINTED) > before
    assert not errors, errors
    await context.close()
