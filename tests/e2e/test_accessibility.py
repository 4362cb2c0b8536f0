"""Accessibility of every page: an axe-core audit (WCAG 2.1 A and AA) of the landing page, the
join link, the room, the facilitator console, the projector and the lineage in the states
people see them in, in English and German; joining, voting and running the round with the
keyboard alone, with a visible focus; and the phone layout (one column, nothing wider than the
screen, controls big enough to tap)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import FACILITATOR_TOKEN
from tests.e2e.a11y import (
    LAPTOP,
    PHONE,
    axe_violations,
    focused,
    horizontal_overflow,
    screens,
    screenshot,
    small_targets,
    submit_entry,
    submit_from_page,
    tab_to,
)
from tests.e2e.test_console import sign_in
from tests.e2e.test_live_room import card, join
from tests.e2e.test_voting import wait_phase
from tests.factories import HOST
from tests.live import Screen

pytestmark = pytest.mark.browser

WALL = {"viewport": {"width": 1920, "height": 1080}}


async def join_code(page, site: str) -> str:  # type: ignore[no-untyped-def]
    return (await (await page.request.get(site + "/api/rooms/main")).json())["room"]["join_code"]


async def test_every_page_passes_an_axe_audit(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    found: list[str] = []
    errors: list[str] = []
    visitor_ctx, host_ctx, ada_ctx = [await browser.new_context(bypass_csp=True, **LAPTOP) for _ in range(3)]
    wall_ctx = await browser.new_context(bypass_csp=True, **WALL)
    visitor, host, ada, wall = [await ctx.new_page() for ctx in (visitor_ctx, host_ctx, ada_ctx, wall_ctx)]
    for page in (visitor, host, ada, wall):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    bo = Screen(site)

    async def audit(page, state: str) -> None:  # type: ignore[no-untyped-def]
        found.extend(await axe_violations(page, state))
        await screenshot(page, artifacts, state)

    # The landing page, its join form with an error, the join link and an unknown code.
    await visitor.goto(site + "/")
    await visitor.get_by_test_id("nickname-input").wait_for()
    await audit(visitor, "landing")
    await visitor.get_by_test_id("join-button").click()
    await visitor.get_by_test_id("join-error").wait_for()
    await audit(visitor, "landing-error")
    code = await join_code(visitor, site)
    await visitor.goto(site + f"/j/{code}")
    await visitor.wait_for_url(re.compile(r"/\?room=main$"))
    await visitor.get_by_test_id("nickname-input").wait_for()
    await audit(visitor, "join-link")
    await visitor.goto(site + "/j/NOPE99")
    await visitor.get_by_test_id("join-error").wait_for()
    await audit(visitor, "join-link-unknown")

    # The console signed out, then signed in with the default room selected.
    await host.goto(site + "/host")
    await host.get_by_test_id("token-input").wait_for()
    await audit(host, "console-signed-out")
    assert await host.title() == "Facilitator console · PixelPatchwork"
    await sign_in(host, site)
    await host.wait_for_function("() => document.querySelector('[data-testid=host-room-select]')?.value === 'main'")

    # Two participants with finished entries; the room, the console and the wall in generate.
    await bo.join_as("Bo")
    bo_image = await submit_entry(bo, "a paper boat on a pond")
    await join(ada, site, "Ada")
    ada_image = await submit_from_page(ada, site, "a red kite in the sky")
    await ada.wait_for_selector(f'[data-testid="my-submissions"] [data-image-id="{ada_image}"][data-status="done"]')
    await ada.wait_for_selector(f'[data-testid="image-card"][data-image-id="{bo_image}"][data-status="done"]')
    await wall.goto(site + "/projector/main")
    await wall.wait_for_selector(f'[data-testid="projector-entry"][data-image-id="{bo_image}"]', timeout=15000)
    await host.wait_for_selector(f'[data-testid="moderation-row"][data-image-id="{bo_image}"]', timeout=10000)
    await audit(ada, "room-generate")
    await audit(host, "console-generate")
    assert await host.title() == "Facilitator console · The Patchwork · PixelPatchwork"
    await audit(wall, "projector-generate")

    # Voting: Ada votes for Bo's edit.
    await host.get_by_test_id("duration-input").fill("300")
    await host.get_by_test_id("transition-vote").click()
    await wait_phase(ada, "vote")
    await card(ada, bo_image).get_by_test_id("vote-up").click()
    await wall.wait_for_function(
        f"() => document.querySelector('[data-testid=projector-gallery] [data-image-id=\"{bo_image}\"] [data-testid=projector-up]')?.textContent === '1'"
    )
    await audit(ada, "room-vote")
    await audit(host, "console-vote")
    await audit(wall, "projector-vote")

    # The reveal: the winner on the wall, on the room page and in the console.
    await host.get_by_test_id("transition-reveal").click()
    await wall.get_by_test_id("projector-reveal").wait_for(state="visible")
    await wall.wait_for_function(
        "() => document.querySelectorAll('[data-testid=projector-reveal] canvas[data-ready=true]').length === 2"
    )
    await ada.get_by_test_id("winner-banner").wait_for()
    await wall.wait_for_timeout(1700)  # the wipe animation
    await audit(wall, "projector-reveal")
    await audit(ada, "room-reveal")
    await audit(host, "console-reveal")

    # The round closes; the lineage shows it, and round 2 starts on the winner.
    await host.get_by_test_id("transition-closed").click()
    await ada.wait_for_function("() => document.querySelector('[data-testid=round-number]')?.textContent === '2'")
    await audit(ada, "room-round-2")
    await visitor.goto(site + "/lineage/main")
    await visitor.locator('[data-testid="lineage-step"][data-round="1"]').wait_for()
    await visitor.wait_for_function(
        "() => [...document.querySelectorAll('.compare-img')].every((img) => img.naturalWidth > 0)"
    )
    await audit(visitor, "lineage")

    # A research room's join form asks for consent.
    answer = await bo.http.patch("/api/host/rooms/main", json={"research": True}, headers=HOST)
    assert answer.status_code == 200, answer.text
    await visitor.goto(site + "/?room=main&pid=P-017")
    await visitor.get_by_test_id("consent-checkbox").wait_for()
    await audit(visitor, "landing-research")

    # German: the same pages in the other language.
    for page, state, path, ready in (
        (visitor, "de-landing-research", "/?room=main&lang=de", "consent-checkbox"),
        (ada, "de-room", "/room/main?lang=de", "seed-image"),
        (host, "de-console", "/host?lang=de", "host-phase"),
        (wall, "de-projector", "/projector/main?lang=de", "projector-seed"),
        (visitor, "de-lineage", "/lineage/main?lang=de", "lineage-step"),
    ):
        await page.goto(site + path)
        await page.get_by_test_id(ready).first.wait_for()
        await page.wait_for_function("() => document.documentElement.lang === 'de'")
        await audit(page, state)

    await bo.close()
    for ctx in (visitor_ctx, host_ctx, ada_ctx, wall_ctx):
        await ctx.close()
    assert not errors, errors
    assert not found, f"{len(found)} accessibility violations:\n" + "\n".join(found)


async def one_column(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the visible children of the grid or flex box stack in one column."""
    return await page.evaluate(
        "(selector) => { const box = document.querySelector(selector);"
        " const lefts = [...box.children].filter((el) => el.getClientRects().length > 0)"
        "   .map((el) => Math.round(el.getBoundingClientRect().left));"
        " return lefts.length > 0 && new Set(lefts).size === 1; }",
        selector,
    )


async def phone_problems(page, name: str, layout: str | None, primary: str, artifacts) -> list[str]:  # type: ignore[no-untyped-def]
    """What is wrong with the page on a phone (after screenshots of it): anything wider than
    the screen, a layout that is not one column, controls under 24 x 24 px, and primary
    controls that do not show or are under 44 px."""
    await page.wait_for_timeout(300)  # layout after the last update
    await screens(page, artifacts, f"phone-{name}")
    problems = [f"{name}: {wide}" for wide in await horizontal_overflow(page)]
    if layout is not None and not await one_column(page, layout):
        problems.append(f"{name}: {layout} is not one column")
    controls = "button, a[href], input, select, summary, [tabindex='0']"
    problems += [f"{name}: under 24px: {small}" for small in await small_targets(page, controls)]
    problems += [f"{name}: primary under 44px: {small}" for small in await small_targets(page, primary, 44)]
    shown = await page.evaluate(
        "(selector) => [...document.querySelectorAll(selector)].some((el) => el.getClientRects().length > 0)", primary
    )
    if not shown:
        problems.append(f"{name}: no {primary} shows")
    return problems


async def test_phone_layout_of_the_room_console_projector_and_lineage(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    contexts = [await browser.new_context(**PHONE) for _ in range(4)]
    ada, host, wall, reader = [await ctx.new_page() for ctx in contexts]
    errors: list[str] = []
    for page in (ada, host, wall, reader):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    bo = Screen(site)
    await bo.join_as("Bo")
    bo_image = await submit_entry(bo, "a paper boat on a pond with a long prompt that wraps over several lines")
    await join(ada, site, "Ada")
    await submit_from_page(ada, site, "a red kite in the sky")
    await sign_in(host, site)
    await wall.goto(site + "/projector/main")
    # On a phone the projector scrolls and shows every entry.
    await wall.wait_for_selector(f'[data-testid="projector-entry"][data-image-id="{bo_image}"]', timeout=15000)
    problems: list[str] = []
    problems += await phone_problems(ada, "room-generate", ".room-layout", "[data-testid=submit-button]", artifacts)

    await host.get_by_test_id("duration-input").fill("300")
    await host.get_by_test_id("transition-vote").click()
    await wait_phase(ada, "vote")
    await card(ada, bo_image).get_by_test_id("vote-up").wait_for()
    problems += await phone_problems(
        ada, "room-vote", ".room-layout", "[data-testid=vote-up]:not([disabled])", artifacts
    )
    problems += await phone_problems(host, "console-vote", ".host-layout", "[data-testid^=transition-]", artifacts)
    problems += await phone_problems(wall, "projector-vote", ".pj-main", "[data-testid=projector-entry]", artifacts)

    await host.get_by_test_id("transition-reveal").click()
    await wall.get_by_test_id("projector-reveal").wait_for(state="visible")
    await wall.wait_for_function(
        "() => document.querySelectorAll('[data-testid=projector-reveal] canvas[data-ready=true]').length === 2"
    )
    await wall.wait_for_timeout(1700)  # the wipe animation
    # The before/after pictures keep their size in the scrolling column.
    frames = await wall.eval_on_selector_all(
        ".pj-frame", "(frames) => frames.map((f) => f.getBoundingClientRect().height)"
    )
    assert len(frames) == 2 and min(frames) > 150, frames
    problems += await phone_problems(wall, "projector-reveal", ".pj-main", "[data-testid=projector-winner]", artifacts)

    await host.get_by_test_id("transition-closed").click()
    await ada.wait_for_function("() => document.querySelector('[data-testid=round-number]')?.textContent === '2'")
    await reader.goto(site + "/lineage/main")
    await reader.locator('[data-testid="lineage-step"][data-round="1"]').wait_for()
    await reader.wait_for_function(
        "() => [...document.querySelectorAll('.compare-img')].every((img) => img.naturalWidth > 0)"
    )
    problems += await phone_problems(reader, "lineage", ".lin-step-body", "[data-testid=lineage-slider]", artifacts)

    await bo.close()
    for ctx in contexts:
        await ctx.close()
    assert not errors, errors
    assert not problems, "\n".join(problems)


async def test_joining_voting_and_running_the_round_with_the_keyboard_alone(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    kay_ctx, host_ctx = [await browser.new_context(**LAPTOP) for _ in range(2)]
    kay, host = await kay_ctx.new_page(), await host_ctx.new_page()
    errors: list[str] = []
    for page in (kay, host):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    bo = Screen(site)
    await bo.join_as("Bo")
    bo_image = await submit_entry(bo, "a paper boat on a pond")

    # Joining: the nickname field has the focus; Tab reaches the join button, Enter joins.
    await kay.goto(site + "/")
    await kay.get_by_test_id("nickname-input").wait_for()
    assert await focused(kay) == "nickname-input"
    await kay.keyboard.type("Kay")
    await tab_to(kay, "[data-testid=join-button]")
    await kay.keyboard.press("Enter")
    await kay.wait_for_url("**/room/main")
    await kay.get_by_test_id("seed-image").wait_for()
    await kay.wait_for_function("() => document.querySelector('[data-testid=mask-canvas]')?.width > 1")

    # The studio: Tab goes through the mask tools to the prompt and on, and back with
    # Shift+Tab, without getting stuck; Invert marks the whole picture from the keyboard.
    studio = await tab_to(kay, "[data-testid=invert-button]")
    await kay.keyboard.press("Enter")
    await kay.wait_for_function("() => !document.querySelector('[data-testid=clear-button]').disabled")
    through = await tab_to(kay, "[data-testid=prompt-input]")
    assert "brush-size" in studio + through, "the brush size slider is a stop on the way"
    await kay.keyboard.type("a lighthouse in the fog")
    await tab_to(kay, "[data-testid=submit-button]")
    async with kay.expect_response("**/api/rooms/main/submissions") as answered:
        await kay.keyboard.press("Enter")
    kay_image = (await (await answered.value).json())["image"]["id"]
    # The keyboard stays on Submit after sending.
    await kay.wait_for_function("() => document.activeElement?.dataset.testid === 'submit-button'")
    back = await tab_to(kay, "[data-testid=lineage-link]", backwards=True)
    assert "tool-brush" in back and "prompt-input" in back, back
    mine = f'[data-testid="my-submissions"] [data-image-id="{kay_image}"]'
    await kay.wait_for_selector(f'{mine}[data-status="done"]', timeout=15000)
    await tab_to(kay, f"{mine} [data-testid=enter-button]")
    await kay.keyboard.press("Space")
    # Enter and Withdraw take turns under the keyboard.
    await kay.wait_for_function("() => document.activeElement?.dataset.testid === 'withdraw-button'")

    # The facilitator signs in and opens voting with the keyboard; the focus stays with the
    # phase buttons when they change.
    await host.goto(site + "/host")
    await host.get_by_test_id("token-input").wait_for()
    assert await focused(host) == "token-input"
    await host.keyboard.type(FACILITATOR_TOKEN)
    await tab_to(host, "[data-testid=signin-button]")
    await host.keyboard.press("Enter")
    await host.get_by_test_id("transition-vote").wait_for()
    await tab_to(host, "[data-testid=duration-input]")
    await host.keyboard.type("300")
    await tab_to(host, "[data-testid=transition-vote]")
    await host.keyboard.press("Enter")
    await host.get_by_test_id("transition-reveal").wait_for()
    await host.wait_for_function("() => document.activeElement?.dataset.testid === 'transition-reveal'")
    await host.screenshot(path=artifacts / "keyboard-console-vote.png")

    # Pause and resume the clock: the focus moves to the button that shows.
    await tab_to(host, "[data-testid=host-pause]")
    await host.keyboard.press("Space")
    await host.wait_for_function("() => document.activeElement?.dataset.testid === 'host-resume'")
    await host.keyboard.press("Enter")
    await host.wait_for_function("() => document.activeElement?.dataset.testid === 'host-pause'")

    # Kay votes Bo's entry up with Space, then down with Enter.
    await wait_phase(kay, "vote")
    bo_card = f'[data-testid="image-card"][data-image-id="{bo_image}"]'
    await tab_to(kay, f"{bo_card} [data-testid=vote-up]")
    await kay.keyboard.press("Space")
    await kay.wait_for_selector(f'{bo_card} [data-testid=vote-up][aria-pressed="true"]')
    await tab_to(kay, f"{bo_card} [data-testid=vote-down]")
    await kay.keyboard.press("Enter")
    await kay.wait_for_selector(f'{bo_card} [data-testid=vote-down][aria-pressed="true"]')
    assert await kay.locator(f"{bo_card} [data-testid=vote-up]").get_attribute("aria-pressed") == "false"
    await kay.screenshot(path=artifacts / "keyboard-room-vote.png")

    # The facilitator reveals and closes the round from the keyboard.
    await tab_to(host, "[data-testid=transition-reveal]", backwards=True)
    await host.keyboard.press("Enter")
    await kay.get_by_test_id("winner-banner").wait_for()
    await host.wait_for_function("() => document.activeElement?.dataset.testid === 'transition-closed'")
    await host.keyboard.press("Enter")
    await kay.wait_for_function("() => document.querySelector('[data-testid=round-number]')?.textContent === '2'")
    await host.wait_for_function("() => document.activeElement?.dataset.testid === 'transition-vote'")

    await bo.close()
    for ctx in (kay_ctx, host_ctx):
        await ctx.close()
    assert not errors, errors
