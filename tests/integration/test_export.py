"""The research export: the tables read back equal the database, pictures and masks are the
stored bytes, the COCO masks decode to the stored masks, and the zip (file or HTTP stream)
holds the same dataset as the folder. Bad input gets clear 4xx JSON errors."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from sqlalchemy import select

from pixelpatchwork.db.engine import make_engine, make_sessionmaker
from pixelpatchwork.db.models import Image, Room, Round, User, Vote, VoteEvent
from pixelpatchwork.export import dataset as dataset_module
from pixelpatchwork.export import dataset_entries, write_folder, write_zip, zip_stream
from pixelpatchwork.export.tables import TABLES, parse_iso
from pixelpatchwork.storage.local import LocalStorage
from tests import research_room
from tests.factories import HOST, join, move_phase
from tests.research_room import EDITS, T0

# Columns that hold a database attribute as it is (the others are derived and checked one by one).
DIRECT = {
    "participants": {"user_id": "id", "nickname": "nickname", "participant_ref": "participant_ref", "consented_at": "consented_at",
                     "removed": "removed", "joined_at": "created_at"},
    "rounds": {"round_id": "id", "round_number": "number", "phase": "phase", "seed_image_id": "seed_image_id",
               "winner_image_id": "winner_image_id", "created_at": "created_at", "vote_started_at": "vote_started_at",
               "closed_at": "closed_at", "phase_started_at": "phase_started_at"},
    "images": {"image_id": "id", "kind": "kind", "round_id": "round_id", "parent_id": "parent_id", "author_id": "author_id",
               "prompt": "prompt", "status": "status", "error": "error", "provider": "provider", "model": "model",
               "quality": "quality", "width": "width", "height": "height", "mask_area": "mask_area", "feather_px": "feather_px",
               "entered": "entered", "approved": "approved", "hidden": "hidden", "up_count": "up_count",
               "down_count": "down_count", "created_at": "created_at", "started_at": "started_at", "finished_at": "finished_at",
               "generation_ms": "generation_ms", "details": "details"},
    "votes": {"vote_id": "id", "image_id": "image_id", "user_id": "user_id", "value": "value", "hidden": "hidden",
              "created_at": "created_at", "updated_at": "updated_at"},
    "vote_events": {"event_id": "id", "image_id": "image_id", "user_id": "user_id", "value": "value", "created_at": "created_at"},
}
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
MODELS = {"participants": User, "rounds": Round, "images": Image, "votes": Vote, "vote_events": VoteEvent}


@pytest.fixture
async def study(make_settings) -> AsyncIterator:  # type: ignore[no-untyped-def]
    settings = make_settings()
    engine = make_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    assert settings.media_dir is not None
    storage = LocalStorage(settings.media_dir)
    await storage.start()
    built = await research_room.build(sessionmaker, storage)
    yield sessionmaker, storage, built
    await engine.dispose()


async def export_folder(sessionmaker, storage, room_id: int, folder: Path) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as db:
        room = await db.get(Room, room_id)
        await write_folder(dataset_entries(db, storage, room, winner_rule="net"), folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def read_csv(data: bytes, table) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    columns = {c.name: c for c in table.columns}
    return [{name: columns[name].parse_csv(cell) for name, cell in row.items()} for row in rows]


async def check_tables(sessionmaker, files: dict[str, bytes], built) -> dict[str, list[dict]]:  # type: ignore[no-untyped-def]
    """Every table's CSV equals its JSON, and both equal the database."""
    tables: dict[str, list[dict]] = {}
    for table in TABLES:
        from_csv = read_csv(files[f"{table.name}.csv"], table)
        from_json = json.loads(files[f"{table.name}.json"])
        assert list(csv.reader(io.StringIO(files[f"{table.name}.csv"].decode())))[0] == table.header
        # CSV has one empty cell for null and for empty text; JSON keeps the difference.
        assert from_csv == [{k: None if v == "" else v for k, v in row.items()} for row in from_json], table.name
        tables[table.name] = from_json
    async with sessionmaker() as db:
        for name, mapping in DIRECT.items():
            model = MODELS[name]
            if model is Vote or model is VoteEvent:
                stmt = select(model).join(Image, model.image_id == Image.id).where(Image.room_id == built.room_id)
            else:
                stmt = select(model).where(model.room_id == built.room_id)
            stored = {row.id: row for row in await db.scalars(stmt)}
            exported = tables[name]
            first_column = next(iter(mapping))
            assert [row[first_column] for row in exported] == sorted(stored), name
            types = {c.name: c.type for c in next(t for t in TABLES if t.name == name).columns}
            for row in exported:
                record = stored[row[first_column]]
                for column, attribute in mapping.items():
                    value = row[column]
                    if types[column] == "timestamp" and value is not None:
                        value = parse_iso(value)
                    assert value == getattr(record, attribute), (name, column, row[first_column])
    return tables


async def test_the_dataset_reads_back_equal_to_the_database(study, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, storage, built = study
    # Small pages, so every table is read across several of them.
    monkeypatch.setattr(dataset_module, "PAGE_SIZE", 3)
    files = await export_folder(sessionmaker, storage, built.room_id, tmp_path / "out")
    tables = await check_tables(sessionmaker, files, built)
    ids = built.images

    # Derived columns, from the room's table (tests/research_room.py).
    images = {row["image_id"]: row for row in tables["images"]}
    e1, e4, e5 = images[ids["E1"]], images[ids["E4"]], images[ids["E5"]]
    assert (e1["round_number"], e1["net_score"], e1["in_vote"], e1["wilson"]) == (1, 3, True, 0.4385)
    assert (e4["in_vote"], e4["image_file"], e4["mask_file"]) == (False, None, f"masks/{ids['E4']}.png")
    assert e5["in_vote"] is False and e5["image_file"] == f"images/{ids['E5']}.png"
    seed = images[ids["seed"]]
    assert (seed["kind"], seed["round_number"], seed["in_vote"], seed["wilson"], seed["mask_file"]) == ("seed", None, None, None, None)
    assert len(images) == 1 + len(EDITS)
    votes = tables["votes"]
    assert len(votes) == 18 and sum(1 for v in votes if v["hidden"]) == 1  # 17 counted and zed's hidden one
    assert {v["round_number"] for v in votes if v["image_id"] == ids["G1"]} == {3}
    events = tables["vote_events"]
    assert len(events) == 17 + 3 + 1
    withdrawal = next(e for e in events if e["value"] == 0)
    assert (withdrawal["image_id"], withdrawal["seconds_since_vote_opened"]) == (ids["E3"], 7.5)
    assert [row["outcome"] for row in tables["lineage"]] == ["winner", "winner", "open"]
    lineage = tables["lineage"][1]
    assert (lineage["round_number"], lineage["seed_image_id"], lineage["winner_image_id"], lineage["winner_prompt"]) == (
        2, ids["E1"], ids["F2"], "a red dragon kite",
    )
    assert (lineage["winner_up"], lineage["winner_down"], lineage["winner_mask_file"]) == (2, 1, f"masks/{ids['F2']}.png")
    assert [p["nickname"] for p in tables["participants"]] == ["Ada", "Bob", "Cy", "Dee", "Eve", "Zed"]

    # Pictures and masks are the stored bytes.
    async with sessionmaker() as db:
        for image in await db.scalars(select(Image).where(Image.room_id == built.room_id)):
            if image.result_key:
                assert files[f"images/{image.id}.png"] == await storage.get(image.result_key)
            else:
                assert f"images/{image.id}.png" not in files
            if image.mask_key:
                assert files[f"masks/{image.id}.png"] == await storage.get(image.mask_key)
    info = json.loads(files["room.json"])
    assert info["room"]["slug"] == "study" and info["notes"] == [] and info["counts"]["images"] == 9
    assert info["counts"] == {
        "participants": 6, "rounds": 3, "images": 9, "image_files": 8, "mask_files": 8, "votes": 18, "vote_events": 21,
        "artwork_files": 0, "game_items": 0, "guesses": 0, "sketch_files": 0,
    }


async def test_the_readme_describes_every_column_and_file(study, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, storage, built = study
    files = await export_folder(sessionmaker, storage, built.room_id, tmp_path / "out")
    readme = files["README.md"].decode()
    for table in TABLES:
        header = next(csv.reader(io.StringIO(files[f"{table.name}.csv"].decode())))
        assert f"## {table.name}.csv / {table.name}.json" in readme
        for column in header:
            assert f"| `{column}` |" in readme, (table.name, column)
    for name in ("room.json", "coco/annotations.json", "images/<image_id>.png", "masks/<image_id>.png"):
        assert f"`{name}`" in readme
    assert "Study room" in readme and "- none:" in readme


async def test_coco_masks_decode_to_the_stored_masks(study, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, storage, built = study
    files = await export_folder(sessionmaker, storage, built.room_id, tmp_path / "out")
    coco = COCO(str(tmp_path / "out" / "coco" / "annotations.json"))
    names = {image_id: name for name, image_id in built.images.items()}
    annotations = coco.loadAnns(coco.getAnnIds())
    assert len(annotations) == len(EDITS)  # the failed edit's mask too
    # The seeds that were edited: the first seed, E1 (round 2) and F2 (round 3).
    assert sorted(coco.getImgIds()) == sorted([built.images["seed"], built.images["E1"], built.images["F2"]])
    # The set has a ring (E3: a hole in the middle), a frame (E1), a lone pixel (E4) and a
    # checkerboard (E5): shapes a polygon would not give back exactly.
    assert built.masks["E3"][15, 15] == 0 and built.masks["E3"][6, 6] == 1 and built.masks["E4"][15, 20] == 1
    async with sessionmaker() as db:
        for annotation in annotations:
            edit = await db.get(Image, annotation["id"])
            name = names[edit.id]
            expected = built.masks[name]
            decoded = coco.annToMask(annotation)
            assert decoded.shape == (edit.height, edit.width)
            assert np.array_equal(decoded, expected), name
            stored = np.asarray(PILImage.open(io.BytesIO(files[f"masks/{edit.id}.png"])))
            assert np.array_equal(decoded, (stored == 255).astype(np.uint8))
            assert annotation["image_id"] == edit.parent_id
            assert annotation["caption"] == edit.prompt and annotation["category_id"] == 1
            assert annotation["area"] == int(expected.sum())
            assert annotation["round_number"] == EDITS[name][0]
            assert isinstance(annotation["segmentation"]["counts"], str)
            x, y, w, h = annotation["bbox"]
            rows, cols = np.nonzero(expected)
            assert (x, y, w, h) == (cols.min(), rows.min(), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1)
            # Decoding the raw RLE with pycocotools.mask gives the same mask.
            rle = {"size": annotation["segmentation"]["size"], "counts": annotation["segmentation"]["counts"].encode()}
            assert np.array_equal(mask_utils.decode(rle), expected)
    assert coco.loadCats([1])[0]["name"] == "edit"


async def test_the_zip_file_and_the_stream_hold_the_same_dataset(study, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, storage, built = study
    folder = await export_folder(sessionmaker, storage, built.room_id, tmp_path / "out")
    async with sessionmaker() as db:
        room = await db.get(Room, built.room_id)
        await write_zip(dataset_entries(db, storage, room, winner_rule="net"), tmp_path / "out.zip")
        streamed = b"".join([chunk async for chunk in zip_stream(dataset_entries(db, storage, room, winner_rule="net"))])
    for archive in (zipfile.ZipFile(tmp_path / "out.zip"), zipfile.ZipFile(io.BytesIO(streamed))):
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == sorted(folder)
        for name in folder:
            if name not in ("room.json", "README.md", "coco/annotations.json"):  # these carry the export time
                assert archive.read(name) == folder[name], name
        assert json.loads(archive.read("coco/annotations.json"))["annotations"] == json.loads(folder["coco/annotations.json"])["annotations"]


async def test_a_file_missing_from_storage_is_noted_and_left_out(study, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sessionmaker, storage, built = study
    async with sessionmaker() as db:
        e2 = await db.get(Image, built.images["E2"])
        await storage.delete(e2.result_key)
        await storage.delete(e2.mask_key)
    files = await export_folder(sessionmaker, storage, built.room_id, tmp_path / "out")
    images = {row["image_id"]: row for row in json.loads(files["images.json"])}
    assert images[built.images["E2"]]["image_file"] is None and images[built.images["E2"]]["mask_file"] is None
    assert f"images/{built.images['E2']}.png" not in files
    notes = json.loads(files["room.json"])["notes"]
    assert [n["code"] for n in notes] == ["missing_files"] and "2 file(s)" in notes[0]["message"]
    assert "missing_files" in files["README.md"].decode()
    assert len(json.loads(files["coco/annotations.json"])["annotations"]) == len(EDITS) - 1


async def test_a_room_without_rounds_or_votes_exports_empty_tables_with_notes(make_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings()
    engine = make_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    storage = LocalStorage(settings.media_dir)  # type: ignore[arg-type]
    async with sessionmaker() as db:
        room = Room(slug="bare", name="Bare", version=1, created_at=T0)
        db.add(room)
        await db.commit()
        room_id = room.id
    files = await export_folder(sessionmaker, storage, room_id, tmp_path / "out")
    await engine.dispose()
    for table in TABLES:
        assert read_csv(files[f"{table.name}.csv"], table) == [] and json.loads(files[f"{table.name}.json"]) == []
        assert files[f"{table.name}.csv"].decode().strip() == ",".join(table.header)
    info = json.loads(files["room.json"])
    assert [n["code"] for n in info["notes"]] == ["no_rounds", "no_votes"]
    coco = json.loads(files["coco/annotations.json"])
    assert coco["images"] == [] and coco["annotations"] == []
    assert "no_rounds" in files["README.md"].decode()


async def test_many_images_are_exported_page_by_page(make_settings, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A moderate room (240 edits): every picture, mask and annotation arrives, across pages."""
    monkeypatch.setattr(dataset_module, "PAGE_SIZE", 50)
    settings = make_settings()
    engine = make_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    storage = LocalStorage(settings.media_dir)  # type: ignore[arg-type]
    await storage.start()
    built = await research_room.build(sessionmaker, storage, slug="big")
    masks: dict[int, np.ndarray] = {}
    async with sessionmaker() as db:
        author = built.users["ada"]
        for n in range(240):
            mask = np.zeros((research_room.HEIGHT, research_room.WIDTH), dtype=np.uint8)
            mask[n % 20 : n % 20 + 5, n % 30 : n % 30 + 3] = 1
            image = Image(
                room_id=built.room_id, round_id=built.rounds[3], parent_id=built.images["F2"], author_id=author, kind="edit",
                prompt=f"edit number {n}", status="done", provider="offline", width=research_room.WIDTH, height=research_room.HEIGHT,
                mask_area=float(mask.mean()), up_count=0, down_count=0, tally_seq=0, created_at=T0 + timedelta(seconds=n),
            )
            db.add(image)
            await db.flush()
            image.result_key = f"rooms/{built.room_id}/images/{image.id}/result.png"
            image.mask_key = f"rooms/{built.room_id}/masks/many-{image.id}.png"
            await storage.put(image.result_key, research_room.picture(n), "image/png")
            await storage.put(image.mask_key, research_room.png(mask), "image/png")
            masks[image.id] = mask
        await db.commit()
    async with sessionmaker() as db:
        room = await db.get(Room, built.room_id)
        written = await write_zip(dataset_entries(db, storage, room, winner_rule="net"), tmp_path / "big.zip")
    await engine.dispose()
    archive = zipfile.ZipFile(tmp_path / "big.zip")
    names = archive.namelist()
    assert written == len(names) == 8 + 240 + 8 + 240 + 2 * len(TABLES) + 3
    assert len(json.loads(archive.read("images.json"))) == 9 + 240
    coco = json.loads(archive.read("coco/annotations.json"))
    decoded = {a["id"]: a for a in coco["annotations"]}
    assert len(decoded) == len(EDITS) + 240
    for image_id, mask in masks.items():
        rle = {"size": decoded[image_id]["segmentation"]["size"], "counts": decoded[image_id]["segmentation"]["counts"].encode()}
        assert np.array_equal(mask_utils.decode(rle), mask)


# --- over HTTP ----------------------------------------------------------------------------


async def build_in_app(app):  # type: ignore[no-untyped-def]
    svc = app.quart_app.extensions["pixelpatchwork"]
    return await research_room.build(svc.sessionmaker, svc.storage)


async def test_the_export_route_streams_the_dataset(app, client) -> None:  # type: ignore[no-untyped-def]
    built = await build_in_app(app)
    response = await client.get("/api/host/rooms/study/export.zip", headers=HOST)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="study-dataset-')
    archive = zipfile.ZipFile(io.BytesIO(await response.get_data()))
    assert archive.testzip() is None
    images = json.loads(archive.read("images.json"))
    assert {row["image_id"] for row in images} == set(built.images.values())
    assert "README.md" in archive.namelist() and f"masks/{built.images['E1']}.png" in archive.namelist()


async def test_the_export_and_analytics_routes_refuse_bad_requests(app, client) -> None:  # type: ignore[no-untyped-def]
    await build_in_app(app)
    participant = app.quart_app.test_client()
    await join(participant, "Mallory")
    for path in ("/api/host/rooms/study/export.zip", "/api/host/rooms/study/analytics"):
        anonymous = await client.get(path)
        assert anonymous.status_code == 401
        assert (await anonymous.get_json())["error"]["code"] == "not_facilitator"
        refused = await participant.get(path)
        assert refused.status_code == 401 and (await refused.get_json())["error"]["code"] == "not_facilitator"
        wrong = await client.get(path, headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401
        unknown = await client.get(path.replace("study", "no-such-room"), headers=HOST)
        assert unknown.status_code == 404
        body = await unknown.get_json()
        assert body["error"]["code"] == "room_not_found" and "no-such-room" in body["error"]["message"]
        assert "Traceback" not in await unknown.get_data(as_text=True)


async def test_the_analytics_route(app, client) -> None:  # type: ignore[no-untyped-def]
    built = await build_in_app(app)
    response = await client.get("/api/host/rooms/study/analytics", headers=HOST)
    assert response.status_code == 200
    body = await response.get_json()
    assert body["room"] == {"slug": "study", "name": "Study room", "mode": "facilitated"}
    assert body["winner_rule"] == "net" and body["notes"] == []
    first = body["lineage"][0]
    assert first["winner"]["id"] == built.images["E1"] and first["seed_thumb_url"].startswith("/media/")
    assert body["agreement"]["winner_majority"]["share"] == 0.5
    # The default room has a round and no votes: empty figures and a note, still 200.
    empty = await (await client.get("/api/host/rooms/main/analytics", headers=HOST)).get_json()
    assert {n["code"] for n in empty["notes"]} == {"no_submissions", "no_votes", "no_final_rounds"}
    assert empty["votes"]["net_histogram"] == [] and empty["lineage"][0]["vote_started_at"] is None
    # Opening the vote records when it opened: the origin of "votes over time".
    assert (await move_phase(client, "generate", "vote")).status_code == 200
    voting = await (await client.get("/api/host/rooms/main/analytics", headers=HOST)).get_json()
    assert voting["lineage"][0]["vote_started_at"] is not None
    assert (await move_phase(client, "vote", "closed")).status_code == 200
    closed = await (await client.get("/api/host/rooms/main/analytics", headers=HOST)).get_json()
    assert [row["outcome"] for row in closed["lineage"]] == ["no_winner", "open"]
    assert closed["lineage"][0]["vote_started_at"] == voting["lineage"][0]["vote_started_at"]
    assert closed["lineage"][1]["vote_started_at"] is None


@pytest.mark.mariadb
async def test_the_export_reads_back_equal_to_mariadb(make_settings, mariadb_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(database_url=mariadb_url)
    engine = make_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    storage = LocalStorage(settings.media_dir)  # type: ignore[arg-type]
    await storage.start()
    built = await research_room.build(sessionmaker, storage)
    try:
        files = await export_folder(sessionmaker, storage, built.room_id, tmp_path / "out")
        tables = await check_tables(sessionmaker, files, built)
        assert len(tables["vote_events"]) == 21
        assert json.loads(files["room.json"])["counts"]["votes"] == 18
    finally:
        await engine.dispose()
