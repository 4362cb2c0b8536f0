"""The "AI or human?" game in a real browser: the facilitator uploads an artwork with its credit
on the console and shows a picture; two participants guess on their phones within the timer
while the wall counts the guesses; the reveal shows the truth, the room's share of right
guesses, the credit and the detector's guess with its heatmap on the wall and the phones; the
console shows the results; the picture leaves the screens and the round is back."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from pixelpatchwork.app import create_app
from tests.e2e.a11y import PHONE, axe_violations, horizontal_overflow, submit_from_page
from tests.e2e.test_live_room import join
from tests.e2e.test_projector import sign_in_host, wait_for_text
from tests.integration.test_detector_room import trained  # noqa: F401 - the tiny checkpoint fixture
from tests.live import live_server

pytestmark = pytest.mark.browser

WALL = {"width": 1920, "height": 1080}


@pytest.fixture
async def game_site(make_settings, trained: Path) -> AsyncIterator[str]:  # noqa: F811
    async with live_server(create_app(make_settings(detector_checkpoint=trained))) as base:
        yield base


def artwork_file(folder: Path) -> Path:
    """A painting-like picture: a sky, a sun and hills in muted colours."""
    image = Image.new("RGB", (800, 600), (150, 170, 190))
    draw = ImageDraw.Draw(image)
    draw.ellipse((560, 80, 680, 200), fill=(230, 200, 120))
    draw.polygon([(0, 600), (0, 380), (250, 300), (520, 420), (800, 330), (800, 600)], fill=(90, 110, 80))
    draw.polygon([(0, 600), (0, 500), (400, 440), (800, 520), (800, 600)], fill=(70, 80, 60))
    path = folder / "hills.jpg"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    return path


async def test_a_game_picture_from_upload_to_reveal(browser, game_site, artifacts, tmp_path) -> None:  # type: ignore[no-untyped-def]
    site = game_site
    # bypass_csp: the accessibility audit's script goes in inline (the site's CSP refuses that).
    wall = await (await browser.new_context(viewport=WALL, bypass_csp=True)).new_page()
    alice = await (await browser.new_context(**PHONE, bypass_csp=True)).new_page()
    bob = await (await browser.new_context(**PHONE)).new_page()
    host = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
    errors: list[str] = []
    for page in (wall, alice, bob, host):
        page.on("pageerror", lambda exc: errors.append(str(exc)))

    await wall.goto(site + "/projector/main")
    await wall.get_by_test_id("projector-seed").wait_for()
    await join(alice, site, "Alice")
    await join(bob, site, "Bob")
    assert not await alice.get_by_test_id("game-play").is_visible()

    # The facilitator uploads an artwork with its credit.
    await sign_in_host(host, site)
    panel = host.get_by_test_id("host-game")
    await wait_for_text(host, "game-pool", "0 artworks, 0 edits")
    await panel.get_by_test_id("game-artwork-file").set_input_files(str(artwork_file(tmp_path)))
    await panel.get_by_test_id("game-artwork-title").fill("Hills at Dusk")
    await panel.get_by_test_id("game-artwork-artist").fill("Mira Example")
    await panel.get_by_test_id("game-artwork-source").fill("https://example.org/hills")
    await panel.get_by_test_id("game-artwork-upload").click()
    await panel.get_by_test_id("game-artwork").filter(has_text="Hills at Dusk").wait_for()
    await wait_for_text(host, "game-pool", "1 artworks, 0 edits")

    # A random picture: the artwork is all there is. Everyone sees it with the timer.
    await panel.get_by_test_id("game-duration").fill("60")
    await panel.get_by_test_id("game-start").click()
    await wait_for_text(host, "host-game-current", "picture 1, taking guesses")
    game = wall.get_by_test_id("projector-game")
    await game.wait_for(state="visible")
    await wall.wait_for_function("() => document.querySelector('[data-testid=projector-game-picture]').naturalWidth > 0")
    assert not await wall.get_by_test_id("projector-seed").is_visible(), "the picture takes the wall"
    await wait_for_text(wall, "projector-game-countdown", r"^(60|59|58|57|56|55) s left$")
    picture_src = await wall.get_by_test_id("projector-game-picture").get_attribute("src")
    assert "/game/" in picture_src and "artwork" not in picture_src
    for phone in (alice, bob):
        await phone.get_by_test_id("game-play").wait_for(state="visible")
        await phone.wait_for_function("() => document.querySelector('[data-testid=game-picture]').naturalWidth > 0")
    await alice.screenshot(path=artifacts / "phone-guess.png")
    assert await axe_violations(alice, "phone-guess") == []
    assert await horizontal_overflow(alice) == []
    big = await alice.get_by_test_id("game-guess-ai").bounding_box()
    assert big is not None and big["height"] >= 48 and big["width"] >= 120, "big buttons for thumbs"

    # Two guesses; the wall counts them; a guess cannot be changed.
    await alice.get_by_test_id("game-guess-human").click()
    await wait_for_text(alice, "game-status", "Your guess: human")
    assert not await alice.get_by_test_id("game-guess-ai").is_visible()
    await bob.get_by_test_id("game-guess-ai").click()
    await wait_for_text(bob, "game-status", "Your guess: AI")
    await wait_for_text(wall, "projector-game-count", "Guesses so far: 2")
    await wall.screenshot(path=artifacts / "projector-game-guess.png")

    # The reveal: truth, share, credit and the detector with its heatmap.
    await host.get_by_test_id("game-reveal-button").click()
    await wait_for_text(wall, "game-truth", "^Made by a human$")
    await wait_for_text(wall, "game-share", r"^50 % of the room got it right \(1 of 2\)\.$")
    source = await wall.get_by_test_id("game-source").inner_text()
    assert "Hills at Dusk" in source and "Mira Example" in source
    assert await wall.get_by_test_id("game-source").locator("a").get_attribute("href") == "https://example.org/hills"
    await wait_for_text(wall, "game-detector", r"^The detector says (AI|human) \(P\(AI\) \d+ %\)\. It was (right|wrong)\.$")
    await wall.wait_for_function("() => document.querySelector('[data-testid=game-heatmap] img').naturalWidth > 0")
    await wall.wait_for_timeout(300)
    assert await wall.evaluate("document.documentElement.scrollHeight <= innerHeight + 1"), "one screen, no scrolling"
    await wall.screenshot(path=artifacts / "projector-game-reveal.png")
    assert await axe_violations(wall, "projector-reveal") == []
    await wait_for_text(alice, "game-you", "^You were right!$")
    assert await axe_violations(alice, "phone-reveal") == []
    assert await horizontal_overflow(alice) == []
    await wait_for_text(bob, "game-you", "^Not this time\\.$")
    await wait_for_text(bob, "game-truth", "^Made by a human$")
    await bob.screenshot(path=artifacts / "phone-reveal.png", full_page=True)

    # The console's results: the room's accuracy against the detector's.
    row = host.get_by_test_id("game-result-row")
    await row.filter(has_text="50 %").wait_for()
    await wait_for_text(host, "game-totals", r"^Revealed: 1\. Guesses right: 50 %\. The room's majority right: –\. The detector right: (0|100) %\.$")
    await panel.screenshot(path=artifacts / "host-game.png")

    # The analytics page sets the room's accuracy against the detector's.
    analytics = await host.context.new_page()
    await analytics.goto(site + "/analytics/main")
    await wait_for_text(analytics, "stat-game-room", "^50%")
    await wait_for_text(analytics, "stat-game-detector", "^(0|100)%")
    assert "Hills at Dusk" in await analytics.get_by_test_id("game-table").inner_text()
    await analytics.get_by_test_id("section-an-game").screenshot(path=artifacts / "analytics-game.png")
    await analytics.close()

    # Back to the round: the picture leaves every screen.
    await host.get_by_test_id("game-close").click()
    await game.wait_for(state="hidden")
    await wall.get_by_test_id("projector-seed").wait_for(state="visible")
    await alice.get_by_test_id("game-play").wait_for(state="hidden")
    await wait_for_text(host, "host-game-current", "No game picture")

    # A chosen edit of the room: it appears on the console once entered, and its reveal says
    # who made it with which prompt.
    edit_id = await submit_from_page(alice, site, "a lighthouse of glass")
    await panel.get_by_test_id(f"game-show-edit-{edit_id}").click()
    await wait_for_text(host, "host-game-current", "picture 2, taking guesses")
    await alice.get_by_test_id("game-guess-ai").click()
    await wait_for_text(alice, "game-status", "Your guess: AI")
    await host.get_by_test_id("game-reveal-button").click()
    await wait_for_text(wall, "game-truth", "^Made by an AI$")
    await wait_for_text(wall, "game-source", "by Alice: “a lighthouse of glass”")
    await wait_for_text(wall, "game-share", r"^100 % of the room got it right \(1 of 1\)\.$")
    await wait_for_text(alice, "game-you", "^You were right!$")
    await wait_for_text(host, "game-totals", r"^Revealed: 2\. Guesses right: 67 %\.")
    await wait_for_text(host, "game-edits", "No entered edit is left to show")
    assert errors == []
