"""A whole session through the UI: one facilitator, three participants and a projector, each
in its own browser context, run two full rounds; the projector shows each reveal and the new
seed. Screenshots of every screen are saved as test artifacts."""

from __future__ import annotations

import pytest

from tests.e2e.test_live_room import card, join
from tests.e2e.test_projector import sign_in_host
from tests.e2e.test_voting import submit_and_enter

pytestmark = pytest.mark.browser


async def run_round(number, host, projector, authors, voter, artifacts) -> int:  # type: ignore[no-untyped-def]
    """Two authors enter edits, the facilitator opens voting, everyone votes the first one up,
    the facilitator closes the round; returns the winner's image id."""
    ids = [await submit_and_enter(page, f"round {number} by {name}") for name, page in authors]
    first = ids[0]
    await projector.wait_for_selector(f'[data-testid="projector-entry"][data-image-id="{first}"]', state="attached", timeout=15000)
    await host.get_by_test_id("transition-vote").click()
    await voter.wait_for_function("() => document.querySelector('[data-testid=phase-badge]').textContent.toLowerCase().includes('vot')")
    await card(voter, first).get_by_test_id("vote-up").click()
    await card(authors[1][1], first).get_by_test_id("vote-up").click()
    for page, name in ((host, "host"), (projector, "projector"), (voter, "voter")):
        await page.screenshot(path=artifacts / f"round-{number}-vote-{name}.png")
    await host.get_by_test_id("transition-closed").click()
    await projector.get_by_test_id("projector-reveal").wait_for(timeout=15000)
    await projector.screenshot(path=artifacts / f"round-{number}-reveal-projector.png")
    for _name, page in authors:
        await page.wait_for_function(
            f"() => document.querySelector('[data-testid=round-number]').textContent.includes('{number + 1}')"
        )
    return first


async def test_two_full_rounds_with_a_facilitator_three_participants_and_a_projector(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    contexts = [await browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(4)]
    wall_context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    host, ada, bo, cy = [await ctx.new_page() for ctx in contexts]
    projector = await wall_context.new_page()
    errors: list[str] = []
    for page in (host, ada, bo, cy, projector):
        page.on("pageerror", lambda exc: errors.append(str(exc)))

    await projector.goto(site + "/projector/main")
    await projector.get_by_test_id("projector-qr").wait_for()
    await sign_in_host(host, site)
    for page, name in ((ada, "Ada"), (bo, "Bo"), (cy, "Cy")):
        await join(page, site, name)

    winner_1 = await run_round(1, host, projector, [("Ada", ada), ("Bo", bo)], cy, artifacts)
    await projector.wait_for_function(
        f"() => document.querySelector('[data-testid=projector-seed]').getAttribute('src').includes('/images/{winner_1}/')",
        timeout=30000,
    )
    winner_2 = await run_round(2, host, projector, [("Bo", bo), ("Cy", cy)], ada, artifacts)
    assert winner_2 != winner_1
    await projector.wait_for_function(
        f"() => document.querySelector('[data-testid=projector-seed]').getAttribute('src').includes('/images/{winner_2}/')",
        timeout=30000,
    )
    strip = projector.get_by_test_id("projector-past-winners")
    await strip.locator('[data-testid="projector-past-winner"]').nth(1).wait_for(timeout=15000)
    for page, name in ((host, "host"), (ada, "ada"), (bo, "bo"), (cy, "cy"), (projector, "projector")):
        await page.screenshot(path=artifacts / f"round-3-{name}.png")
    assert f"/images/{winner_2}/" in await ada.get_by_test_id("seed-image").get_attribute("src")
    assert not errors, errors
    for ctx in [*contexts, wall_context]:
        await ctx.close()
