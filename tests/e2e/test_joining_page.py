"""The landing page: a suggested nickname, and a research room's consent step with the
study's participant id from the link."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pixelpatchwork.db.models import User
from tests.conftest import FACILITATOR_TOKEN

pytestmark = pytest.mark.browser


async def test_suggested_nickname_and_research_consent(browser, make_settings, artifacts) -> None:  # type: ignore[no-untyped-def]
    from pixelpatchwork.app import create_app
    from tests.live import live_server

    asgi = create_app(make_settings())
    async with live_server(asgi) as site:
        context = await browser.new_context()
        page = await context.new_page()
        answer = await page.request.patch(
            site + "/api/host/rooms/main", data={"research": True},
            headers={"Authorization": f"Bearer {FACILITATOR_TOKEN}", "Content-Type": "application/json"},
        )
        assert answer.ok
        await page.goto(site + "/?room=main&pid=P-017")
        await page.get_by_test_id("random-nickname").click()
        await page.wait_for_function("() => document.querySelector('[data-testid=nickname-input]').value.length > 2")
        await page.get_by_test_id("consent-checkbox").wait_for()
        await page.get_by_test_id("join-button").click()
        error = page.get_by_test_id("join-error")
        await error.wait_for()
        assert "research" in (await error.inner_text()).lower()
        await page.screenshot(path=artifacts / "consent.png")
        await page.get_by_test_id("consent-checkbox").check()
        await page.get_by_test_id("join-button").click()
        await page.wait_for_url("**/room/main")
        async with asgi.services.sessionmaker() as db:
            user = await db.scalar(select(User))
        assert user.participant_ref == "P-017" and user.consented_at is not None
        await context.close()


async def test_cofacilitator_link_from_the_console(browser, site) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.test_projector import sign_in_host

    host = await (await browser.new_context()).new_page()
    await sign_in_host(host, site)
    await host.get_by_test_id("cofacilitator-button").click()
    link = host.get_by_test_id("cofacilitator-link")
    await link.wait_for()
    url = await link.input_value()
    assert "/host/invite/" in url
    helper = await (await browser.new_context()).new_page()
    await helper.goto(url)
    await helper.wait_for_url("**/host")
    await helper.get_by_test_id("host-phase").wait_for()
    assert await helper.get_by_test_id("token-input").count() == 0
