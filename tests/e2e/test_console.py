"""The facilitator console: create and switch rooms, moderate a participant's edit, see
them in the people list and kick them, which ends their session on their own screen."""

from __future__ import annotations

import pytest

from tests.conftest import FACILITATOR_TOKEN
from tests.e2e.test_live_room import join, paint

pytestmark = pytest.mark.browser


async def sign_in(page, base: str, query: str = "") -> None:  # type: ignore[no-untyped-def]
    await page.goto(base + "/host" + query)
    await page.get_by_test_id("token-input").fill(FACILITATOR_TOKEN)
    await page.get_by_test_id("signin-button").click()
    await page.get_by_test_id("host-room-select").wait_for()


async def selected_room(page) -> str:  # type: ignore[no-untyped-def]
    return await page.get_by_test_id("host-room-select").input_value()


async def test_console_rooms_moderation_and_people(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    host_ctx, alice_ctx = [await browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(2)]
    host, alice = await host_ctx.new_page(), await alice_ctx.new_page()
    errors: list[str] = []
    for page in (host, alice):
        page.on("pageerror", lambda exc: errors.append(str(exc)))

    # A new room from the console; the console switches to it and the picker shows it.
    await sign_in(host, site)
    await host.wait_for_function("() => document.querySelectorAll('[data-testid=host-room-select] option').length >= 1")
    assert await selected_room(host) == "main"
    await host.get_by_test_id("new-room-name").fill("Friday workshop")
    await host.get_by_test_id("new-room-mode").select_option("facilitated")
    await host.get_by_test_id("new-room-create").click()
    await host.wait_for_url("**/host?room=*")
    new_slug = host.url.split("room=", 1)[1]
    assert new_slug and new_slug != "main"
    await host.wait_for_function(
        f"() => document.querySelector('[data-testid=host-room-select]').value === {new_slug!r}"
        " && document.querySelectorAll('[data-testid=host-room-select] option').length >= 2"
    )
    await host.screenshot(path=artifacts / "host-new-room.png", full_page=True)

    # The picker goes back to the default room.
    await host.get_by_test_id("host-room-select").select_option("main")
    await host.wait_for_url("**/host?room=main")
    await host.wait_for_function("() => document.querySelector('[data-testid=host-room-select]').value === 'main'")

    # A participant joins the default room, submits an edit and enters it.
    await join(alice, site, "Alice")
    await paint(alice, (0.1, 0.1, 0.4, 0.4))
    prompt = "a lighthouse made of cheese"
    await alice.get_by_test_id("prompt-input").fill(prompt)
    async with alice.expect_response("**/api/rooms/main/submissions") as submitted:
        await alice.get_by_test_id("submit-button").click()
    image_id = (await (await submitted.value).json())["image"]["id"]
    mine = alice.locator(f'[data-testid="my-submissions"] [data-image-id="{image_id}"]')
    await alice.wait_for_selector(f'[data-testid="my-submissions"] [data-image-id="{image_id}"][data-status="done"]', timeout=15000)
    await mine.get_by_test_id("enter-button").click()

    # The console's moderation list shows it; hiding it marks the row hidden.
    row = host.locator(f'[data-testid="moderation-row"][data-image-id="{image_id}"]')
    await row.wait_for(timeout=10000)
    assert prompt in await row.get_by_test_id("moderation-prompt").inner_text()
    await host.wait_for_selector(f'[data-testid="moderation-row"][data-image-id="{image_id}"][data-entered="true"]', timeout=10000)
    await row.get_by_test_id("hide-button").click()
    await host.wait_for_selector(f'[data-testid="moderation-row"][data-image-id="{image_id}"][data-hidden="true"]', timeout=10000)
    assert await row.get_by_test_id("unhide-button").count() == 1

    # The people list shows Alice connected, and the counters count her.
    person = host.locator('[data-testid="participant-row"]', has_text="Alice")
    await host.wait_for_selector('[data-testid="participant-row"][data-connected="true"]:has-text("Alice")', timeout=10000)
    await host.wait_for_function(
        "() => Number(document.querySelector('[data-testid=counter-connected]').textContent) >= 1", timeout=10000
    )
    assert int(await host.get_by_test_id("counter-participants").inner_text()) >= 1
    await host.screenshot(path=artifacts / "host-people.png", full_page=True)

    # Kicking her (after the confirm dialog) ends her session on her own screen.
    host.once("dialog", lambda dialog: dialog.accept())
    await person.get_by_test_id("kick-button").click()
    ended = alice.get_by_test_id("session-ended")
    await ended.wait_for(timeout=10000)
    assert "removed" in (await ended.inner_text()).lower()
    await alice.screenshot(path=artifacts / "alice-kicked.png", full_page=True)
    await alice.wait_for_url("**/?room=main", timeout=10000)
    await host.wait_for_selector('[data-testid="participant-row"][data-removed="kicked"]:has-text("Alice")', timeout=10000)

    assert not errors, errors
    for ctx in (host_ctx, alice_ctx):
        await ctx.close()
