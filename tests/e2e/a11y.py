"""Accessibility checks shared by the browser tests: an axe-core audit of the page as it is
(WCAG 2.1 A and AA rules), phone-layout measurements, and a room with finished entries made
through the HTTP API so the pages have something to show."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.conftest import mask_data_url
from tests.e2e.conftest import ROOT
from tests.live import Screen

AXE_SCRIPT = ROOT / "client" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# WCAG 2.1 A/AA, plus 2.2 AA (target size) and axe's best practices (landmarks, headings).
AUDIT_TAGS = [*WCAG_TAGS, "wcag22aa", "best-practice"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LAPTOP = {"viewport": {"width": 1280, "height": 900}}


def axe_source() -> str:
    """axe-core's browser bundle (client devDependency: `cd client && npm install`)."""
    from tests.services import service_unavailable

    if not AXE_SCRIPT.exists():
        service_unavailable(f"axe-core is not installed at {AXE_SCRIPT}: run `cd client && npm install`")
    return AXE_SCRIPT.read_text(encoding="utf-8")


async def axe_violations(page, state: str, tags: list[str] = AUDIT_TAGS) -> list[str]:  # type: ignore[no-untyped-def]
    """Run axe-core on the page as it is; one line per offending element: the page state, the
    rule, its impact, the element and axe's summary of what to fix. The page's context must
    be made with bypass_csp=True: the script goes in inline, which the site's CSP refuses."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.add_script_tag(content=axe_source())
    results: dict[str, Any] = await page.evaluate(
        "async (tags) => await window.axe.run(document, {"
        " runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })",
        tags,
    )
    lines = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            impact = node.get("impact") or violation["impact"]
            lines.append(f"[{state}] {violation['id']} ({impact}) {target}: {summary}")
    return lines


async def horizontal_overflow(page) -> list[str]:  # type: ignore[no-untyped-def]
    """What makes the page wider than the screen: empty when nothing does, else the page's
    width and the outermost elements that reach past the right edge. A phone browser widens
    its layout viewport to fit wide content, so the measure is the context's viewport width."""
    width = page.viewport_size["width"]
    return await page.evaluate(
        "(width) => { const page = document.documentElement.scrollWidth;"
        " if (page <= width + 1 && window.innerWidth <= width + 1) return [];"
        " const wide = [...document.body.querySelectorAll('*')].filter((el) => {"
        "   const box = el.getBoundingClientRect();"
        "   return box.width > 0 && box.right > width + 1 && !el.closest('[hidden]'); });"
        " const outer = wide.filter((el) => !wide.includes(el.parentElement));"
        " return [`the page is ${page}px wide on a ${width}px screen`, ...outer.slice(0, 8).map((el) =>"
        "   `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).trim().split(/\\s+/).join('.') : ''}"
        " reaches ${Math.round(el.getBoundingClientRect().right)}px`)]; }",
        width,
    )


async def small_targets(page, selector: str, minimum: float = 24) -> list[str]:  # type: ignore[no-untyped-def]
    """The visible elements matching `selector` smaller than minimum x minimum CSS px, with
    their size (WCAG 2.5.8 target size)."""
    return await page.evaluate(
        "([selector, minimum]) => [...document.querySelectorAll(selector)].flatMap((el) => {"
        " const box = el.getBoundingClientRect();"
        " if (box.width === 0 && box.height === 0) return [];"
        " if (box.width >= minimum && box.height >= minimum) return [];"
        " const name = el.dataset.testid || el.id || el.textContent.trim().slice(0, 30) || el.tagName;"
        " return [`${name}: ${Math.round(box.width)}x${Math.round(box.height)}`]; })",
        [selector, minimum],
    )


async def wait_until_done(room: Callable[[], Awaitable[dict[str, Any]]], image_id: int, timeout: float = 20.0) -> None:
    """Poll the room's snapshot (fetched by `room`) until the image is finished."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if any(image["id"] == image_id and image["status"] == "done" for image in (await room())["images"]):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"image {image_id} did not finish in {timeout}s")


async def submit_entry(screen: Screen, prompt: str, box: tuple[int, int, int, int] = (80, 80, 320, 260)) -> int:
    """Submit an edit through the HTTP API, wait for the generator to finish it and enter it
    into the vote; returns the image id."""

    async def room() -> dict[str, Any]:
        return (await screen.http.get("/api/rooms/main")).json()

    answer = await screen.submit(await room(), prompt, box)
    assert answer.status_code == 202, answer.text
    image_id = answer.json()["image"]["id"]
    await wait_until_done(room, image_id)
    await screen.enter(image_id)
    return image_id


async def submit_from_page(page, site: str, prompt: str, box: tuple[int, int, int, int] = (500, 300, 800, 600)) -> int:  # type: ignore[no-untyped-def]
    """The same as the participant signed in on the page (its cookies): submit an edit, wait
    for it and enter it; returns the image id."""

    async def room() -> dict[str, Any]:
        return await (await page.request.get(site + "/api/rooms/main")).json()

    seed = (await room())["round"]["seed"]
    answer = await page.request.post(
        site + "/api/rooms/main/submissions",
        data={"prompt": prompt, "mask": mask_data_url(seed["width"], seed["height"], box), "seed_id": seed["id"]},
    )
    assert answer.status == 202, await answer.text()
    image_id = (await answer.json())["image"]["id"]
    await wait_until_done(room, image_id)
    entered = await page.request.post(site + f"/api/rooms/main/images/{image_id}/entry", data={"entered": True})
    assert entered.ok, await entered.text()
    return image_id


async def screenshot(page, folder: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    """A full-page screenshot into the test's artifacts folder."""
    path = folder / f"{name}.png"
    await page.screenshot(path=path, full_page=True)
    return path


async def screens(page, folder: Path, name: str, most: int = 12) -> list[Path]:  # type: ignore[no-untyped-def]
    """The page as a phone shows it, one screenful after another (name-1.png, name-2.png…):
    a full-page screenshot would drop the touch-screen emulation and its media queries."""
    paths = []
    height = page.viewport_size["height"]
    total = await page.evaluate("() => document.documentElement.scrollHeight")
    for index in range(min(most, -(-total // height))):
        await page.evaluate("(y) => window.scrollTo(0, y)", index * height)
        path = folder / f"{name}-{index + 1}.png"
        await page.screenshot(path=path)
        paths.append(path)
    await page.evaluate("() => window.scrollTo(0, 0)")
    return paths


FOCUS_INFO = """() => {
  const el = document.activeElement;
  const last = window.__a11yLastFocus;
  window.__a11yLastFocus = el;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow !== 'none';
  const text = (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 24);
  return {
    name: el.dataset.testid || el.id || `${el.tagName.toLowerCase()} "${text}"`,
    again: el === last,
    shown: box.width > 0 && box.height > 0,
    ring: el.matches(':focus-visible') && (outline || shadow),
  };
}"""


async def tab_to(page, selector: str, *, backwards: bool = False, most: int = 80) -> list[str]:  # type: ignore[no-untyped-def]
    """Press Tab (or Shift+Tab) until the focused element matches `selector`; returns the stops
    on the way. Every stop must be on screen with a visible focus indicator (an outline or a
    box-shadow while :focus-visible), and Tab must move on each time (no keyboard trap)."""
    stops: list[str] = []
    await page.evaluate("() => { window.__a11yLastFocus = document.activeElement; }")
    for _ in range(most):
        await page.keyboard.press("Shift+Tab" if backwards else "Tab")
        info = await page.evaluate(FOCUS_INFO)
        if info is None:
            stops.append("(page)")
            continue
        assert info["shown"], f"focus went to {info['name']}, which is not on screen; stops: {stops}"
        assert info["ring"], f"{info['name']} shows no focus indicator"
        if info["again"]:
            raise AssertionError(f"the keyboard is trapped on {info['name']}; stops: {stops}")
        stops.append(info["name"])
        if await page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return stops
    raise AssertionError(f"{selector} is not reachable with {'Shift+' if backwards else ''}Tab; stops: {stops}")


async def focused(page) -> str | None:  # type: ignore[no-untyped-def]
    """The test id (or id) of the focused element."""
    return await page.evaluate("() => document.activeElement?.dataset.testid || document.activeElement?.id || null")
