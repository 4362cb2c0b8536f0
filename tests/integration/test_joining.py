"""Join codes, the join link and its QR code, the projector and lineage pages, and the
lineage with runners-up."""

from __future__ import annotations

import io

from tests.factories import enter, join, move_phase, snapshot, submit, wait_until_done


async def test_join_code_link_and_qr(client) -> None:  # type: ignore[no-untyped-def]
    snap = await snapshot(client)
    code = snap["room"]["join_code"]
    assert len(code) == 6 and code.isupper() and not set(code) & set("01OIL")
    assert snap["room"]["join_path"] == f"/j/{code}"

    found = await client.get(f"/api/join/{code.lower()[:3]} {code.lower()[3:]}")
    assert (await found.get_json()) == {"room": {"slug": "main", "name": snap["room"]["name"]}}
    unknown = await client.get("/api/join/ZZZZZZ")
    assert unknown.status_code == 404 and (await unknown.get_json())["error"]["code"] == "join_code_unknown"

    link = await client.get(f"/j/{code}")
    assert link.status_code == 302 and link.headers["Location"].endswith("/?room=main")
    bad = await client.get("/j/NOPE42")
    assert bad.status_code == 302 and "unknown=1" in bad.headers["Location"]

    qr = await client.get("/api/rooms/main/join-qr.svg")
    assert qr.status_code == 200 and qr.headers["Content-Type"].startswith("image/svg+xml")
    svg = await qr.get_data(as_text=True)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "<path" in svg
    assert (await client.get("/api/rooms/nowhere/join-qr.svg")).status_code == 404


async def test_qr_code_decodes_to_the_join_link(make_settings) -> None:  # type: ignore[no-untyped-def]
    """Render the SVG's modules and read them back: the QR holds PUBLIC_URL + /j/CODE."""
    import qrcode

    from pixelpatchwork.app import create_app

    asgi = create_app(make_settings(public_url="https://patchwork.example"))
    async with asgi.quart_app.test_app():
        client = asgi.quart_app.test_client()
        code = (await snapshot(client))["room"]["join_code"]
        svg = await (await client.get("/api/rooms/main/join-qr.svg")).get_data(as_text=True)
    expected = qrcode.QRCode(box_size=10, border=2)
    expected.add_data(f"https://patchwork.example/j/{code}")
    expected.make(fit=True)
    import qrcode.image.svg

    buffer = io.BytesIO()
    expected.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    assert svg == buffer.getvalue().decode()


async def test_projector_and_lineage_pages(client) -> None:  # type: ignore[no-untyped-def]
    for path, page in [("/projector/main", "projector"), ("/lineage/main", "lineage")]:
        html = await (await client.get(path)).get_data(as_text=True)
        assert f'data-page="{page}"' in html and 'data-room="main"' in html


async def test_lineage_lists_the_winner_and_runners_up(app) -> None:  # type: ignore[no-untyped-def]
    clients = [app.quart_app.test_client() for _ in range(4)]
    ids = []
    for n, client in enumerate(clients[:3]):
        await join(client, f"Author {n}")
        image = (await (await submit(client, f"edit {n}")).get_json())["image"]
        await wait_until_done(client, image["id"])
        await enter(client, image["id"])
        ids.append(image["id"])
    voter = clients[3]
    await join(voter, "Voter")
    await move_phase(voter, "generate", "vote")
    await voter.post("/api/rooms/main/votes", json={"image_id": ids[1], "value": "up"})
    await voter.post("/api/rooms/main/votes", json={"image_id": ids[2], "value": "down"})
    await move_phase(voter, "vote", "closed")
    steps = (await (await voter.get("/api/rooms/main/lineage")).get_json())["steps"]
    first = steps[0]
    assert first["winner"]["id"] == ids[1]
    assert first["winner"]["mask_url"] and first["winner"]["prompt"] == "edit 1" and first["winner"]["author"]["nickname"] == "Author 1"
    assert [i["id"] for i in first["runners_up"]] == [ids[0], ids[2]]
    assert steps[1]["seed"]["id"] == ids[1] and steps[1]["winner"] is None
