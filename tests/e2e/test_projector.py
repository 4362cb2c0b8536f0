"""The projector display, the lineage page, joining by code and the language switch, in a real
browser: a round seen from the wall (join QR and code, live entries and tallies, the reveal with
the winner, the new seed, the strip of past winners), the lineage's before/after slider, the
landing's join code form (known and unknown codes) and switching to German."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from pixelpatchwork.app import create_app

from tests.conftest import FACILITATOR_TOKEN
from tests.e2e.test_live_room import card, join
from tests.e2e.test_voting import submit_and_enter
from tests.live import live_server

pytestmark = pytest.mark.browser

WALL = {"width": 1920, "height": 1080}
PHONE = {"width": 1280, "height": 900}


# Predicates are functions: an expression string is eval()ed while polling, which the pages'
# Content-Security-Policy (script-src 'self') refuses.


async def text(page, testid: str) -> str:  # type: ignore[no-untyped-def]
    return (await page.get_by_test_id(testid).first.inner_text()).strip()


async def wait_for_text(page, testid: str, pattern: str, timeout: float = 10000) -> None:  # type: ignore[no-untyped-def]
    await page.wait_for_function(
        "([id, source]) => { const el = document.querySelector(`[data-testid=\"${id}\"]`);"
        " return !!el && !el.closest('[hidden]') && new RegExp(source).test(el.textContent); }",
        arg=[testid, pattern],
        timeout=timeout,
    )


async def sign_in_host(page, base: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(base + "/host")
    await page.get_by_test_id("token-input").fill(FACILITATOR_TOKEN)
    await page.get_by_test_id("signin-button").click()
    await wait_for_text(page, "host-phase", ".")


async def test_projector_shows_a_round_from_join_to_reveal(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    wall_ctx = await browser.new_context(viewport=WALL)
    alice_ctx, bob_ctx, host_ctx = [await browser.new_context(viewport=PHONE) for _ in range(3)]
    wall = await wall_ctx.new_page()
    alice, bob, host = [await ctx.new_page() for ctx in (alice_ctx, bob_ctx, host_ctx)]
    errors: list[str] = []
    for page in (wall, alice, bob, host):
        page.on("pageerror", lambda exc: errors.append(str(exc)))

    room = (await (await wall.request.get(site + "/api/rooms/main")).json())["room"]
    code = room["join_code"]
    assert re.fullmatch(r"[A-Z0-9]{6}", code)

    # The wall: seed, phase, join QR code, the code in big letters and the short link.
    await wall.goto(site + "/projector/main?reveal=4")
    await wait_for_text(wall, "projector-code", f"^{code}$")
    assert await wall.get_by_test_id("projector-qr").get_attribute("src") == "/api/rooms/main/join-qr.svg"
    await wall.wait_for_function("() => document.querySelector('[data-testid=projector-qr]').naturalWidth > 0")
    await wall.wait_for_function("() => document.querySelector('[data-testid=projector-seed]').naturalWidth > 0")
    assert (await text(wall, "projector-phase")).lower() == "generate"
    assert f"/j/{code}" in await wall.locator(".pj-link").inner_text()
    code_size = await wall.eval_on_selector("[data-testid=projector-code]", "el => parseFloat(getComputedStyle(el).fontSize)")
    assert code_size >= 60, f"the join code must be readable from afar, is {code_size}px"
    assert await wall.evaluate("document.documentElement.scrollHeight <= innerHeight + 1"), "one screen, no scrolling"
    await wall.screenshot(path=artifacts / "projector-generate-empty.png")

    # A participant's entry appears on the wall.
    await join(alice, site, "Alice")
    await join(bob, site, "Bob")
    image_id = await submit_and_enter(alice, "a red kite in the sky")
    entry = wall.locator(f'[data-testid="projector-gallery"] [data-image-id="{image_id}"]')
    await entry.wait_for(timeout=15000)
    await wall.screenshot(path=artifacts / "projector-generate-entry.png")

    # The console shows how to join, and links to the projector and the lineage.
    await sign_in_host(host, site)
    await wait_for_text(host, "host-code", f"^{code}$")
    assert await host.get_by_test_id("host-qr").get_attribute("src") == "/api/rooms/main/join-qr.svg"
    assert await host.get_by_test_id("host-projector-link").get_attribute("href") == "/projector/main"
    await host.screenshot(path=artifacts / "host-share.png", full_page=True)

    # Voting with a deadline: the wall shows the phase and a big countdown, and the tally moves.
    await host.get_by_test_id("duration-input").fill("300")
    await host.get_by_test_id("transition-vote").click()
    await wait_for_text(wall, "projector-phase", "^vote$")
    await wait_for_text(wall, "projector-countdown", r"^[45]:\d\d left$")
    assert await entry.get_by_test_id("projector-up").inner_text() == "0"
    await bob.locator(f'[data-testid="image-card"][data-image-id="{image_id}"]').get_by_test_id("vote-up").click()
    await wall.wait_for_function(
        f"() => document.querySelector('[data-testid=projector-gallery] [data-image-id=\"{image_id}\"] [data-testid=projector-up]').textContent === '1'"
    )
    assert await entry.get_by_test_id("projector-score").inner_text() == "+1"
    assert not await wall.get_by_test_id("projector-votes-cast").is_visible(), "open voting shows the counts"
    await wall.wait_for_timeout(1300)  # the highlight of the change
    await wall.screenshot(path=artifacts / "projector-vote.png")

    # Closing the round: the reveal names the winner with the before/after and the outline, the
    # strip of past winners gets it, and then the wall shows the new seed.
    old_seed = await wall.get_by_test_id("projector-seed").get_attribute("src")
    await host.get_by_test_id("transition-closed").click()
    reveal = wall.get_by_test_id("projector-reveal")
    await reveal.wait_for(state="visible")
    await wall.wait_for_selector(f'[data-testid="projector-winner"][data-image-id="{image_id}"]')
    assert "a red kite in the sky" in await reveal.inner_text()
    assert "Alice" in await reveal.inner_text()
    await wall.wait_for_function("() => document.querySelectorAll('[data-testid=projector-reveal] canvas[data-ready=true]').length === 2")
    await wall.wait_for_selector(f'[data-testid="projector-past-winner"][data-round="1"][data-image-id="{image_id}"]')
    await wall.wait_for_timeout(1700)  # the wipe animation
    await wall.screenshot(path=artifacts / "projector-reveal.png")
    await reveal.wait_for(state="hidden", timeout=10000)
    seed = wall.get_by_test_id("projector-seed")
    await seed.wait_for(state="visible")
    new_seed = await seed.get_attribute("src")
    assert new_seed != old_seed and f"/images/{image_id}/" in new_seed
    await wait_for_text(wall, "projector-phase", "^generate$")
    assert "2" in await wall.locator(".pj-round").inner_text()
    await wall.wait_for_function("() => document.querySelector('[data-testid=projector-seed]').naturalWidth > 0")
    await wall.screenshot(path=artifacts / "projector-round-2.png")

    # The lineage: round 1 with its winner, and a before/after slider the keyboard moves.
    await alice.goto(site + "/lineage/main")
    step = alice.locator('[data-testid="lineage-step"][data-round="1"]')
    await step.wait_for()
    assert await step.get_by_test_id("lineage-winner").get_attribute("data-image-id") == str(image_id)
    assert "a red kite in the sky" in await step.get_by_test_id("lineage-winner").inner_text()
    slider = step.get_by_test_id("lineage-slider")
    assert await slider.get_attribute("aria-valuetext") == "50% before, 50% after"
    await slider.focus()
    await alice.keyboard.press("End")
    assert await slider.input_value() == "100"
    await alice.keyboard.press("ArrowLeft")
    assert await slider.input_value() == "99"
    assert await slider.get_attribute("aria-valuetext") == "99% before, 1% after"
    clip = await step.locator(".compare-frame").evaluate("el => el.style.getPropertyValue('--pos')")
    assert clip == "99%"
    await alice.keyboard.press("Home")
    assert await slider.input_value() == "0"
    await slider.fill("35")
    assert await step.locator(".compare").get_attribute("data-pos") == "35"
    assert await alice.locator('[data-testid="lineage-step"][data-round="2"]').count() == 1
    await alice.screenshot(path=artifacts / "lineage.png", full_page=True)

    assert not errors, errors
    for ctx in (wall_ctx, alice_ctx, bob_ctx, host_ctx):
        await ctx.close()


async def test_join_by_code_unknown_code_and_language_switch(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    code = (await (await page.request.get(site + "/api/rooms/main")).json())["room"]["join_code"]

    # The join link of an unknown code lands on the landing page with the error.
    await page.goto(site + "/j/NOPE99")
    await page.wait_for_url(re.compile(r"/\?code=NOPE99&unknown=1$"))
    await wait_for_text(page, "join-error", "No room has the code NOPE99")
    await page.screenshot(path=artifacts / "landing-unknown-code.png", full_page=True)

    # Typing a known code (any case, with a space) finds the room, then the nickname joins it.
    await page.get_by_test_id("code-input").fill(f"{code[:3].lower()} {code[3:].lower()}")
    await page.get_by_test_id("code-button").click()
    await page.wait_for_function("() => document.querySelector('#join-title').textContent.includes('“')")
    assert not await page.get_by_test_id("join-error").is_visible()
    assert await page.evaluate("document.activeElement.dataset.testid") == "nickname-input"
    await page.get_by_test_id("code-input").fill("ZZZZZZ")
    await page.get_by_test_id("code-button").click()
    await wait_for_text(page, "join-error", "No room has the code ZZZZZZ")
    await page.get_by_test_id("nickname-input").fill("Coder")
    await page.get_by_test_id("join-button").click()
    await page.wait_for_url("**/room/main")
    await page.get_by_test_id("seed-image").wait_for()
    # The room page can invite others too, and links to the lineage.
    await wait_for_text(page, "room-code", f"^{code}$")
    assert await page.get_by_test_id("lineage-link").get_attribute("href") == "/lineage/main"

    # The QR code's link goes to the landing page of the room.
    await page.goto(site + f"/j/{code}")
    await page.wait_for_url(re.compile(r"/\?room=main$"))

    # English by default in this browser; the switch turns the page German, and it stays so.
    assert await page.evaluate("document.documentElement.lang") == "en"
    assert await page.locator("#how-title").inner_text() == "How a round works"
    await page.get_by_test_id("lang-switch").select_option("de")
    await page.wait_for_function("() => document.documentElement.lang === 'de'")
    assert await page.locator("#how-title").inner_text() == "So läuft eine Runde"
    assert await page.get_by_test_id("join-button").inner_text() == "Beitreten"
    await page.screenshot(path=artifacts / "landing-de.png", full_page=True)
    await page.goto(site + "/room/main")
    await page.get_by_test_id("seed-image").wait_for()
    await wait_for_text(page, "phase-badge", "^Gestalten$")
    assert await page.get_by_test_id("submit-button").inner_text() == "Absenden"
    await page.screenshot(path=artifacts / "room-de.png", full_page=True)
    await page.get_by_test_id("lang-switch").select_option("en")
    await wait_for_text(page, "phase-badge", "^generate$")

    # A German browser gets German without asking.
    german = await browser.new_context(viewport=PHONE, locale="de-DE")
    wall = await german.new_page()
    await wall.goto(site + "/projector/main")
    await wait_for_text(wall, "projector-phase", "^Gestalten$")
    assert await wall.evaluate("document.documentElement.lang") == "de"
    assert not errors, errors
    await german.close()
    await context.close()


@pytest.fixture
async def sealed_site(make_settings) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    async with live_server(create_app(make_settings(sealed_voting="on"))) as base:
        yield base


async def test_sealed_projector_shows_only_votes_cast_until_the_reveal(browser, sealed_site, artifacts) -> None:  # type: ignore[no-untyped-def]
    wall_ctx = await browser.new_context(viewport=WALL)
    alice_ctx, bob_ctx, host_ctx = [await browser.new_context(viewport=PHONE) for _ in range(3)]
    wall = await wall_ctx.new_page()
    alice, bob, host = [await ctx.new_page() for ctx in (alice_ctx, bob_ctx, host_ctx)]
    errors: list[str] = []
    for page in (wall, alice, bob, host):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    await wall.goto(sealed_site + "/projector/main")
    await join(alice, sealed_site, "Alice")
    await join(bob, sealed_site, "Bob")
    image_id = await submit_and_enter(alice, "a lighthouse on the hill")
    await sign_in_host(host, sealed_site)
    await host.get_by_test_id("transition-vote").click()
    await wait_for_text(wall, "projector-votes-cast", "^Votes cast: 0$")
    await card(bob, image_id).get_by_test_id("vote-up").click()
    await wait_for_text(wall, "projector-votes-cast", "^Votes cast: 1$")
    entry = wall.locator(f'[data-testid="projector-gallery"] [data-image-id="{image_id}"]')
    assert not await entry.get_by_test_id("projector-up").is_visible(), "no counts while sealed"
    assert not re.search(r"\d", await entry.locator(".pj-tally").text_content() or "")
    votes_size = await wall.eval_on_selector("[data-testid=projector-votes-cast]", "el => parseFloat(getComputedStyle(el).fontSize)")
    assert votes_size >= 40
    await wall.screenshot(path=artifacts / "projector-sealed.png")

    # The reveal phase: the winner with its counts, on the wall until the round is closed.
    await host.get_by_test_id("transition-reveal").click()
    await wall.get_by_test_id("projector-reveal").wait_for(state="visible")
    await wall.wait_for_selector(f'[data-testid="projector-winner"][data-image-id="{image_id}"]')
    await wait_for_text(wall, "projector-phase", "^reveal$")
    assert "▲ 1 · ▼ 0 · score 1" in await wall.get_by_test_id("projector-winner").inner_text()
    await wall.wait_for_selector(f'[data-testid="projector-past-winner"][data-round="1"][data-image-id="{image_id}"]')
    await wall.wait_for_timeout(1700)
    await wall.screenshot(path=artifacts / "projector-reveal-phase.png")
    assert not errors, errors
    for ctx in (wall_ctx, alice_ctx, bob_ctx, host_ctx):
        await ctx.close()
