"""Voting in a real browser: sealed votes (only "Votes cast" moves until the facilitator reveals
them) and the facilitator pausing and resuming the phase clock on every screen."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from pixelpatchwork.app import create_app
from tests.conftest import FACILITATOR_TOKEN
from tests.e2e.test_live_room import card, join, paint
from tests.live import live_server

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture
async def sealed_site(make_settings) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    async with live_server(create_app(make_settings(sealed_voting="on"))) as base:
        yield base


@pytest.fixture
async def open_site(make_settings) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    async with live_server(create_app(make_settings(sealed_voting="off"))) as base:
        yield base


async def sign_in_host(page, base: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(base + "/host")
    await page.get_by_test_id("token-input").fill(FACILITATOR_TOKEN)
    await page.get_by_test_id("signin-button").click()
    await page.wait_for_function("() => document.querySelector('[data-testid=host-phase]')?.textContent !== ''")


async def wait_text(page, testid: str, pattern: str, timeout: float = 10000) -> str:  # type: ignore[no-untyped-def]
    """Wait until the (first) element with this test id has text matching the regex."""
    await page.wait_for_function(
        "([id, source]) => { const el = document.querySelector(`[data-testid=\"${id}\"]`);"
        " return !!el && !el.closest('[hidden]') && new RegExp(source).test(el.textContent); }",
        arg=[testid, pattern],
        timeout=timeout,
    )
    return await page.get_by_test_id(testid).first.inner_text()


async def wait_phase(page, phase: str) -> None:  # type: ignore[no-untyped-def]
    await page.wait_for_function(
        f"() => document.querySelector('[data-testid=phase-badge]')?.textContent === {phase!r}"
    )


async def submit_and_enter(page, prompt: str) -> int:  # type: ignore[no-untyped-def]
    await paint(page, (0.2, 0.2, 0.45, 0.45))
    await page.get_by_test_id("prompt-input").fill(prompt)
    async with page.expect_response("**/api/rooms/main/submissions") as answered:
        await page.get_by_test_id("submit-button").click()
    image_id = (await (await answered.value).json())["image"]["id"]
    mine = f'[data-testid="my-submissions"] [data-image-id="{image_id}"]'
    await page.wait_for_selector(f'{mine}[data-status="done"]', timeout=15000)
    await page.locator(mine).get_by_test_id("enter-button").click()
    return image_id


async def test_sealed_votes_show_only_votes_cast_until_the_reveal(browser, sealed_site, artifacts) -> None:  # type: ignore[no-untyped-def]
    contexts = [await browser.new_context(viewport=VIEWPORT) for _ in range(3)]
    alice, bob, host = [await ctx.new_page() for ctx in contexts]
    errors: list[str] = []
    for page in (alice, bob, host):
        page.on("pageerror", lambda exc: errors.append(str(exc)))

    await join(alice, sealed_site, "Alice")
    await join(bob, sealed_site, "Bob")
    image_id = await submit_and_enter(alice, "a paper boat on a pond")
    await bob.wait_for_selector(f'[data-testid="image-card"][data-image-id="{image_id}"][data-status="done"]', timeout=15000)

    await sign_in_host(host, sealed_site)
    await host.get_by_test_id("transition-vote").click()
    for page in (alice, bob):
        await wait_phase(page, "vote")
        await wait_text(page, "votes-cast", r"^Votes cast: 0$")
        assert await page.get_by_test_id("sealed-note").is_visible()

    # Bob's vote counts, but nobody sees how: no numbers on any card, only "Votes cast: 1".
    bob_card = card(bob, image_id)
    await bob_card.get_by_test_id("vote-up").click()
    await bob.wait_for_function(
        f"() => document.querySelector('[data-image-id=\"{image_id}\"] [data-testid=vote-up]').getAttribute('aria-pressed') === 'true'"
    )
    for page in (alice, bob):
        await wait_text(page, "votes-cast", r"^Votes cast: 1$")
        sealed_card = card(page, image_id)
        assert await sealed_card.get_by_test_id("tally-sealed").is_visible()
        for testid in ("tally-up", "tally-down", "tally-score", "tally-wilson"):
            assert not await sealed_card.get_by_test_id(testid).is_visible()
            assert not re.search(r"\d", await sealed_card.get_by_test_id(testid).text_content() or "")
    await wait_text(host, "host-votes-cast", r"^1$")
    assert await host.get_by_test_id("host-sealed").is_visible()
    assert not await card(host, image_id).get_by_test_id("tally-up").is_visible()
    await bob.screenshot(path=artifacts / "bob-sealed-vote.png", full_page=True)
    await host.screenshot(path=artifacts / "host-sealed-vote.png", full_page=True)

    # The reveal brings the counts to every screen, and the winner.
    await host.get_by_test_id("transition-reveal").click()
    for page in (alice, bob, host):
        revealed = card(page, image_id)
        await revealed.get_by_test_id("tally-up").wait_for(state="visible")
        assert await revealed.get_by_test_id("tally-up").inner_text() == "1"
        assert await revealed.get_by_test_id("tally-down").inner_text() == "0"
        assert await revealed.get_by_test_id("tally-score").inner_text() == "1"
        assert re.fullmatch(r"\d+%", await revealed.get_by_test_id("tally-wilson").inner_text())
        assert await revealed.get_by_test_id("winner-badge").is_visible()
        assert not await revealed.get_by_test_id("tally-sealed").is_visible()
    assert not await bob.get_by_test_id("sealed-note").is_visible()
    assert not await host.get_by_test_id("host-sealed").is_visible()
    await bob.get_by_test_id("winner-banner").wait_for()
    await bob.screenshot(path=artifacts / "bob-reveal.png", full_page=True)
    await host.screenshot(path=artifacts / "host-reveal.png", full_page=True)
    assert not errors, errors
    for ctx in contexts:
        await ctx.close()


async def countdown_seconds(page, testid: str = "countdown") -> int:  # type: ignore[no-untyped-def]
    text = await page.get_by_test_id(testid).inner_text()
    match = re.search(r"(\d+):(\d\d) left", text)
    assert match, text
    return int(match[1]) * 60 + int(match[2])


async def test_host_pauses_extends_and_resumes_the_clock(browser, open_site, artifacts) -> None:  # type: ignore[no-untyped-def]
    contexts = [await browser.new_context(viewport=VIEWPORT) for _ in range(2)]
    alice, host = [await ctx.new_page() for ctx in contexts]
    errors: list[str] = []
    for page in (alice, host):
        page.on("pageerror", lambda exc: errors.append(str(exc)))

    await join(alice, open_site, "Alice")
    await sign_in_host(host, open_site)
    # No deadline yet: nothing to pause, but the phase can be given one.
    assert not await host.get_by_test_id("host-pause").is_visible()
    assert await host.get_by_test_id("host-extend").is_visible()
    await host.get_by_test_id("duration-input").fill("300")
    await host.get_by_test_id("transition-vote").click()
    await wait_phase(alice, "vote")
    await wait_text(alice, "countdown", r"^[45]:\d\d left$")
    # Open voting: no seal is announced.
    assert not await alice.get_by_test_id("sealed-note").is_visible()

    await host.get_by_test_id("host-pause").click()
    paused = await wait_text(alice, "countdown", r"^Paused – [45]:\d\d left$")
    await wait_text(host, "host-countdown", r"^Paused – ")
    assert await host.get_by_test_id("host-resume").is_visible()
    assert not await host.get_by_test_id("host-pause").is_visible()
    await alice.wait_for_timeout(1500)
    assert await alice.get_by_test_id("countdown").inner_text() == paused, "a paused clock does not tick"
    await alice.screenshot(path=artifacts / "alice-paused.png", full_page=True)
    await host.screenshot(path=artifacts / "host-paused.png", full_page=True)

    # +1 min while paused adds to what is left.
    before = await countdown_seconds(alice)
    await host.get_by_test_id("host-extend").click()
    after = before + 60
    await wait_text(alice, "countdown", rf"^Paused – {after // 60}:{after % 60:02d} left$")

    await host.get_by_test_id("host-resume").click()
    await wait_text(alice, "countdown", r"^\d+:\d\d left$")
    assert await host.get_by_test_id("host-pause").is_visible()
    running = await countdown_seconds(alice)
    assert before + 55 <= running <= before + 60
    await alice.wait_for_function(
        f"() => !document.querySelector('[data-testid=countdown]').textContent.includes('{running // 60}:{running % 60:02d}')",
        timeout=5000,
    )
    assert await countdown_seconds(alice) < running, "the clock ticks again"

    await alice.screenshot(path=artifacts / "alice-resumed.png", full_page=True)
    assert not errors, errors
    for ctx in contexts:
        await ctx.close()
