"""A person's round in a real browser: join, paint a mask, submit, vote, see live tallies,
and the facilitator closes the round so the winner becomes the seed on every screen."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image

from tests.conftest import FACILITATOR_TOKEN

pytestmark = pytest.mark.browser


async def join(page, base: str, nickname: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(base + "/")
    await page.get_by_test_id("nickname-input").fill(nickname)
    await page.get_by_test_id("join-button").click()
    await page.wait_for_url("**/room/main")
    await page.get_by_test_id("seed-image").wait_for()
    # The studio is ready once the mask canvas has the seed's size (the snapshot has arrived).
    await page.wait_for_function(
        "() => { const c = document.querySelector('[data-testid=mask-canvas]');"
        " const img = document.querySelector('[data-testid=seed-image]');"
        " return !!c && !!img && img.naturalWidth > 0 && c.width === img.naturalWidth; }"
    )


async def paint(page, fraction_box: tuple[float, float, float, float]) -> None:  # type: ignore[no-untyped-def]
    """Drag the brush across a box given as fractions of the canvas."""
    canvas = page.get_by_test_id("mask-canvas")
    await canvas.scroll_into_view_if_needed()
    box = await canvas.bounding_box()
    x0, y0, x1, y1 = fraction_box
    y = y0
    while y <= y1:
        await page.mouse.move(box["x"] + box["width"] * x0, box["y"] + box["height"] * y)
        await page.mouse.down()
        await page.mouse.move(box["x"] + box["width"] * x1, box["y"] + box["height"] * y, steps=8)
        await page.mouse.up()
        y += 0.03


def card(page, image_id: int):  # type: ignore[no-untyped-def]
    return page.locator(f'[data-testid="image-card"][data-image-id="{image_id}"]')


async def test_join_paint_submit_vote_and_close_a_round(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    alice_ctx, bob_ctx, host_ctx = [await browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(3)]
    alice, bob, host = await alice_ctx.new_page(), await bob_ctx.new_page(), await host_ctx.new_page()
    errors: list[str] = []
    for page in (alice, bob, host):
        page.on("pageerror", lambda exc: errors.append(str(exc)))

    await alice.goto(site + "/")
    await alice.screenshot(path=artifacts / "landing.png", full_page=True)
    await join(alice, site, "Alice")
    await join(bob, site, "Bob")
    assert await alice.get_by_test_id("phase-badge").inner_text() != ""

    # The mask canvas works at the seed's real resolution, whatever its size on screen.
    canvas = alice.get_by_test_id("mask-canvas")
    assert (await canvas.get_attribute("width"), await canvas.get_attribute("height")) == ("1024", "768")
    await paint(alice, (0.1, 0.1, 0.4, 0.4))
    await alice.get_by_test_id("prompt-input").fill("a red kite in the sky")
    async with alice.expect_request("**/api/rooms/main/submissions") as submitted:
        await alice.get_by_test_id("submit-button").click()
    request = await submitted.value
    mask_url = json.loads(request.post_data)["mask"]
    mask = Image.open(io.BytesIO(base64.b64decode(mask_url.split(",", 1)[1]))).convert("RGBA")
    assert mask.size == (1024, 768)
    alpha = mask.getchannel("A")
    assert alpha.getpixel((260, 190)) == 255, "painted area is in the mask"
    assert alpha.getpixel((900, 700)) == 0, "unpainted area is not"
    response = await request.response()
    image_id = (await response.json())["image"]["id"]

    # Bob sees Alice's edit arrive while it is generated; once done, it is her private attempt
    # until she enters it into the vote, and then it shows up finished on Bob's screen.
    await card(bob, image_id).wait_for()
    await alice.wait_for_selector(f'[data-testid="my-submissions"] [data-image-id="{image_id}"][data-status="done"]', timeout=15000)
    await alice.locator(f'[data-testid="my-submissions"] [data-image-id="{image_id}"]').get_by_test_id("enter-button").click()
    await bob.wait_for_selector(f'[data-testid="image-card"][data-image-id="{image_id}"][data-status="done"]', timeout=15000)
    assert await card(bob, image_id).get_by_test_id("offline-badge").count() == 1
    await alice.screenshot(path=artifacts / "alice-submitted.png", full_page=True)

    # The facilitator signs in with the token and opens voting.
    await host.goto(site + "/host")
    await host.get_by_test_id("token-input").fill(FACILITATOR_TOKEN)
    await host.get_by_test_id("signin-button").click()
    await host.get_by_test_id("transition-vote").click()
    await bob.wait_for_function("() => document.querySelector('[data-testid=phase-badge]').textContent.toLowerCase().includes('vot')")

    # Bob votes up; Alice's screen shows the tally live. Alice cannot vote on her own image.
    await card(bob, image_id).get_by_test_id("vote-up").click()
    await alice.wait_for_function(
        f"() => document.querySelector('[data-image-id=\"{image_id}\"] [data-testid=tally-up]').textContent.includes('1')"
    )
    assert await card(alice, image_id).get_by_test_id("vote-up").is_disabled()
    await bob.screenshot(path=artifacts / "bob-voted.png", full_page=True)
    await host.screenshot(path=artifacts / "host-vote.png", full_page=True)

    # Closing the round makes Alice's edit the seed of round 2 on every screen.
    old_seed = await alice.get_by_test_id("seed-image").get_attribute("src")
    await host.get_by_test_id("transition-closed").click()
    for page in (alice, bob):
        await page.wait_for_function("() => document.querySelector('[data-testid=round-number]').textContent.includes('2')")
        await page.wait_for_function(
        f"() => document.querySelector('[data-testid=seed-image]').getAttribute('src') !== {json.dumps(old_seed)}"
        )
        assert f"/images/{image_id}/" in await page.get_by_test_id("seed-image").get_attribute("src")
    await bob.screenshot(path=artifacts / "bob-round-2.png", full_page=True)
    assert not errors, errors
    for ctx in (alice_ctx, bob_ctx, host_ctx):
        await ctx.close()


async def test_bad_input_is_explained_in_the_page(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    context = await browser.new_context()
    page = await context.new_page()
    await join(page, site, "Dora")
    # Submitting without painting: the server says the mask is empty and the page shows it.
    await page.get_by_test_id("prompt-input").fill("a cat")
    await page.get_by_test_id("submit-button").click()
    error = page.get_by_test_id("submit-error")
    await error.wait_for()
    assert "paint" in (await error.inner_text()).lower()
    # A nickname that is taken is refused on the landing page.
    other = await (await browser.new_context()).new_page()
    await other.goto(site + "/")
    await other.get_by_test_id("nickname-input").fill("dora")
    await other.get_by_test_id("join-button").click()
    join_error = other.get_by_test_id("join-error")
    await join_error.wait_for()
    assert "already" in (await join_error.inner_text()).lower()
    await other.screenshot(path=artifacts / "nickname-taken.png")
    await context.close()
