"""The analytics page in Chromium: a facilitator signs in on it, the charts draw (ECharts, SVG)
under the site's Content-Security-Policy, a chart downloads as CSV, SVG and PNG, the
dataset link serves the zip, and stored detector scores draw their scatter chart."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from pixelpatchwork.app import create_app
from tests import research_room
from tests.conftest import FACILITATOR_TOKEN
from tests.live import live_server

pytestmark = pytest.mark.browser


async def build_study(make_settings):  # type: ignore[no-untyped-def]
    """The known room of tests/research_room.py, in the live server's database and media folder."""
    return await research_room.build_for(make_settings())


# The page asks who is signed in: these answers are expected, not problems.
EXPECTED = ("status of 401", "status of 404")


def watch(page, problems: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Collect page errors and console errors (a CSP violation is one) other than expected 4xx answers."""
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: problems.append(f"console: {msg.text}")
        if (msg.type == "error" and not any(e in msg.text for e in EXPECTED)) or "Content Security Policy" in msg.text
        else None,
    )


async def test_the_analytics_page_draws_charts_and_downloads_them(browser, site, make_settings, artifacts) -> None:  # type: ignore[no-untyped-def]
    await build_study(make_settings)
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = await context.new_page()
    problems: list[str] = []
    watch(page, problems)
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url) if "/static/app.js" in request.url else None)

    # Not signed in: the page asks for the facilitator token, then shows the figures.
    await page.goto(site + "/analytics/study")
    await page.get_by_test_id("token-input").fill(FACILITATOR_TOKEN)
    await page.get_by_test_id("signin-button").click()
    await page.get_by_test_id("analytics-stats").wait_for(timeout=15000)
    assert await page.get_by_role("heading", level=1).inner_text() == "Analytics · Study room"

    # Every chart of the room has data and is drawn as SVG by the charting library, which
    # loads without starting the app a second time.
    await page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=chart][data-drawn=true] .an-canvas svg').length === 9",
        timeout=15000,
    )
    assert len(scripts) == 1, scripts
    assert await page.get_by_test_id("analytics").count() == 1
    net = page.locator('[data-chart="net-scores"]')
    # Net scores -1, 0, 1, 1, 1, 3 (tests/research_room.py): five bins on the axis, -1 to 3.
    labels = await net.locator("svg text").all_text_contents()
    for label in ("-1", "0", "1", "2", "3"):
        assert label in labels, labels
    assert await page.get_by_test_id("stat-votes").locator(".an-stat-value").inner_text() == "17"
    assert await page.get_by_test_id("stat-majority").locator(".an-stat-value").inner_text() == "50%"
    assert "1 of 2 rounds" in await page.get_by_test_id("majority-summary").inner_text()
    rows = page.get_by_test_id("lineage-table").locator("tbody tr")
    assert await rows.count() == 3
    assert "a red kite over the hills" in await rows.nth(0).inner_text()
    await page.screenshot(path=artifacts / "analytics.png", full_page=True)
    await net.screenshot(path=artifacts / "analytics-net-scores.png")

    # The chart's data as CSV: the table the chart draws.
    async with page.expect_download() as csv_download:
        await net.get_by_test_id("download-csv").click()
    download = await csv_download.value
    assert download.suggested_filename == "study-net-scores.csv"
    table = list(csv.reader(io.StringIO((await download.path()).read_text())))
    assert table == [["net_score", "images"], ["-1", "1"], ["0", "1"], ["1", "3"], ["2", "0"], ["3", "1"]]

    # SVG and PNG of the chart.
    async with page.expect_download() as svg_download:
        await net.get_by_test_id("download-svg").click()
    svg = (await (await svg_download.value).path()).read_text()
    assert svg.lstrip().startswith("<svg") and "Net scores of the entries" in svg
    async with page.expect_download() as png_download:
        await net.get_by_test_id("download-png").click()
    png_file = await (await png_download.value).path()
    assert png_file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (artifacts / "net-scores-download.png").write_bytes(png_file.read_bytes())

    # The dataset link serves the zip with this browser's facilitator cookie.
    href = await page.get_by_test_id("download-dataset").get_attribute("href")
    assert href == "/api/host/rooms/study/export.zip"
    response = await page.request.get(site + href)
    assert response.status == 200
    archive = zipfile.ZipFile(io.BytesIO(await response.body()))
    assert {"README.md", "images.csv", "votes.json", "coco/annotations.json"} <= set(archive.namelist())

    # In German too.
    await page.goto(site + "/analytics/study?lang=de")
    await page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=chart][data-drawn=true] .an-canvas svg').length === 9",
        timeout=15000,
    )
    assert await page.get_by_role("heading", level=1).inner_text() == "Auswertung · Study room"
    await page.screenshot(path=artifacts / "analytics-de.png", full_page=True)

    # The facilitator console links to the page of the room it shows.
    await page.goto(site + "/host?room=study&lang=en")
    await page.get_by_test_id("host-analytics").click()
    await page.wait_for_url("**/analytics/study")
    await page.get_by_test_id("analytics-stats").wait_for(timeout=15000)
    assert problems == []
    await context.close()


async def test_an_empty_room_and_an_unknown_room(browser, site, artifacts) -> None:  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport={"width": 1000, "height": 800})
    page = await context.new_page()
    problems: list[str] = []
    watch(page, problems)
    await page.goto(site + "/analytics/main")
    await page.get_by_test_id("token-input").fill(FACILITATOR_TOKEN)
    await page.get_by_test_id("signin-button").click()
    notes = page.get_by_test_id("analytics-notes")
    await notes.wait_for(timeout=15000)
    assert "Nobody has voted" in await notes.inner_text()
    assert await page.get_by_test_id("chart-empty").count() >= 4
    assert await page.get_by_test_id("download-csv").count() == 9
    await page.screenshot(path=artifacts / "analytics-empty.png", full_page=True)

    await page.goto(site + "/analytics/no-such-room")
    status = page.get_by_test_id("analytics-status")
    await page.wait_for_function(
        "() => document.querySelector('[data-testid=analytics-status]').getAttribute('role') === 'alert'", timeout=15000
    )
    assert "there is no room called 'no-such-room'" in await status.inner_text()
    assert problems == []
    await context.close()


async def test_the_detector_chart_and_button(browser, make_settings, tmp_path, artifacts) -> None:  # type: ignore[no-untyped-def]
    """Stored detector scores draw the scatter chart (written straight into storage, so no
    model runs here); with a checkpoint configured the page offers to score the room, and
    an unusable checkpoint is reported on the page."""
    built = await build_study(make_settings)
    scores = {str(built.images[name]): p for name, p in (("seed", 0.1), ("E1", 0.8), ("E2", 0.3), ("E3", 0.55), ("F2", 0.9))}
    settings = make_settings(detector_checkpoint=str(tmp_path / "broken.pt"))
    (tmp_path / "broken.pt").write_bytes(b"not a checkpoint")
    path = settings.media_dir / f"rooms/{built.room_id}/detector-scores.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "format": "pixelpatchwork-detector-scores", "format_version": 1, "scored_at": 1_740_000_000_000,
        "checkpoint": {"name": "tiny.pt", "sha256": "ab" * 32, "created": None, "ablations": "none", "size": 32},
        "images": len(scores), "scores": scores, "skipped": [],
    }))
    async with live_server(create_app(settings)) as site:
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = await context.new_page()
        problems: list[str] = []
        watch(page, problems)
        await page.goto(site + "/analytics/study")
        await page.get_by_test_id("token-input").fill(FACILITATOR_TOKEN)
        await page.get_by_test_id("signin-button").click()
        chart = page.locator('[data-chart="detector-score"]')
        await page.wait_for_function(
            "() => document.querySelector('[data-chart=detector-score][data-drawn=true] .an-canvas svg') !== null",
            timeout=15000,
        )
        assert "Detector score against votes" in await chart.locator("h3").inner_text()
        assert "tiny.pt" in await page.get_by_test_id("detector-meta").inner_text()
        # Five scored pictures: the CSV is the chart's table.
        async with page.expect_download() as csv_download:
            await chart.get_by_test_id("download-csv").click()
        table = list(csv.reader(io.StringIO((await (await csv_download.value).path()).read_text())))
        assert table[0] == ["image_id", "kind", "round", "in_vote", "winner", "up", "down", "net_score", "p_ai"]
        assert [row[0] for row in table[1:]] == sorted(scores, key=int)
        assert table[1][1:] == ["seed", "1", "false", "false", "0", "0", "0", "0.1"]
        await chart.screenshot(path=artifacts / "detector-score.png")

        # The checkpoint cannot be read: the button reports why, and can be pressed again.
        button = page.get_by_test_id("detector-score")
        assert await button.inner_text() == "Score the images again"
        await button.click()
        status = page.get_by_test_id("detector-status")
        await page.wait_for_function(
            "() => document.querySelector('[data-testid=detector-status]').getAttribute('role') === 'alert'", timeout=30000
        )
        text = await status.inner_text()
        assert "DETECTOR_CHECKPOINT cannot be used" in text or "PyTorch is not installed" in text, text
        assert await button.is_enabled()
        await context.close()
    # The failed request answered 4xx/5xx: the console reports it, nothing else may.
    assert [p for p in problems if "status of 422" not in p and "status of 503" not in p] == []
