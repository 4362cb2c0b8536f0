"""Scoring a room's images with the detector: `POST /api/host/rooms/<slug>/detector-scores`
and `pixelpatchwork detector score ROOM` store P(ai) of every finished image, equal to
scoring the same pictures directly; the analytics answer carries them; clear errors.

Tests that score need PyTorch (the `detector` extra): skipped without it locally, failed in
CI. A tiny model is trained once on synthetic pictures (a few seconds on one thread).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pixelpatchwork import cli
from pixelpatchwork.app import create_app
from pixelpatchwork.detector import INSTALL_HINT

from tests import detector_images, research_room
from tests.factories import HOST, join
from tests.services import service_unavailable

SIZE = 32
ROUTE = "/api/host/rooms/study/detector-scores"
# The finished pictures of the study room: the seed and every edit but the failed E4.
SCORED = ["seed", "E1", "E2", "E3", "E5", "F1", "F2", "G1"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny checkpoint that tells saturated pictures (ai) from grey ones (human)."""
    try:
        import torch
        from pixelpatchwork.detector import checkpoint
        from pixelpatchwork.detector.data import collect
        from pixelpatchwork.detector.model import ModelConfig
        from pixelpatchwork.detector.train import TrainSettings, train
    except ImportError as exc:
        service_unavailable(f"PyTorch is not installed ({exc}): pip install -e '.[detector]'")
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("detector")
    detector_images.saturation_set(root / "ai", 40, saturated=True, size=SIZE, seed=1)
    detector_images.saturation_set(root / "human", 40, saturated=False, size=SIZE, seed=2)
    collection = collect([root / "ai"], [root / "human"], SIZE)
    result = train(collection, TrainSettings(epochs=3, batch_size=16, model=ModelConfig(size=SIZE, width=8)))
    path = root / "tiny.pt"
    checkpoint.save(path, result.model, result.settings.ablations, **result.checkpoint_info(collection))
    return path


def direct_scores(checkpoint_path: Path, media: Path, built: research_room.ResearchRoom) -> dict[int, float]:
    """P(ai) of each finished picture of the room, read from the media folder and scored with
    the detector's own functions (as `eval` does)."""
    from pixelpatchwork.detector import checkpoint
    from pixelpatchwork.detector.augment import prepare
    from pixelpatchwork.detector.data import image_array
    from pixelpatchwork.detector.model import predict

    loaded = checkpoint.load(checkpoint_path)
    ids = [built.images[name] for name in SCORED]
    arrays = [
        prepare(image_array(media / f"rooms/{built.room_id}/images/{image_id}/result.png", loaded.size), loaded.ablations)
        for image_id in ids
    ]
    return dict(zip(ids, (float(p) for p in predict(loaded.model, arrays)), strict=True))


def stored(media: Path, room_id: int) -> dict:
    return json.loads((media / f"rooms/{room_id}/detector-scores.json").read_text())


def assert_matches(scores: dict[str, float], expected: dict[int, float]) -> None:
    assert sorted(int(k) for k in scores) == sorted(expected)
    for image_id, p in expected.items():
        assert scores[str(image_id)] == pytest.approx(p, abs=1e-5)


@pytest.fixture
async def scored_app(make_settings, trained) -> AsyncIterator:  # type: ignore[no-untyped-def]
    settings = make_settings(detector_checkpoint=str(trained))
    asgi = create_app(settings)
    async with asgi.quart_app.test_app():
        svc = asgi.quart_app.extensions["pixelpatchwork"]
        built = await research_room.build(svc.sessionmaker, svc.storage)
        yield asgi, settings, built


async def test_the_route_scores_every_finished_image_and_the_analytics_carry_them(scored_app, trained) -> None:  # type: ignore[no-untyped-def]
    asgi, settings, built = scored_app
    client = asgi.quart_app.test_client()
    before = await (await client.get("/api/host/rooms/study/analytics", headers=HOST)).get_json()
    assert before["detector"] is None and before["detector_configured"] is True

    response = await client.post(ROUTE, json={}, headers=HOST)
    assert response.status_code == 200, await response.get_data(as_text=True)
    body = await response.get_json()
    assert body["scored"] == len(SCORED) and body["skipped"] == []

    saved = stored(settings.media_dir, built.room_id)
    assert saved["format"] == "pixelpatchwork-detector-scores" and saved["images"] == len(SCORED)
    assert saved["checkpoint"]["name"] == "tiny.pt"
    assert saved["checkpoint"]["sha256"] == hashlib.sha256(trained.read_bytes()).hexdigest()
    assert saved["checkpoint"]["ablations"] == "none" and saved["checkpoint"]["size"] == SIZE
    expected = direct_scores(trained, settings.media_dir, built)
    assert_matches(saved["scores"], expected)

    analytics = await (await client.get("/api/host/rooms/study/analytics", headers=HOST)).get_json()
    detector = analytics["detector"]
    assert detector == body["detector"]
    assert detector["checkpoint"] == saved["checkpoint"] and detector["scored_at"] == saved["scored_at"]
    rows = {row["id"]: row for row in detector["images"]}
    assert sorted(rows) == sorted(expected)
    for image_id, p in expected.items():
        assert rows[image_id]["p_ai"] == pytest.approx(p, abs=1e-5)
    seed = rows[built.images["seed"]]
    assert seed == {**seed, "kind": "seed", "round": 1, "in_vote": False, "winner": False, "up": 0, "down": 0, "score": 0}
    e1, f1, e5 = rows[built.images["E1"]], rows[built.images["F1"]], rows[built.images["E5"]]
    assert (e1["kind"], e1["round"], e1["up"], e1["down"], e1["score"], e1["winner"], e1["in_vote"]) == ("edit", 1, 3, 0, 3, True, True)
    assert (f1["round"], f1["up"], f1["down"], f1["score"], f1["winner"]) == (2, 2, 2, 0, False)
    assert e5["in_vote"] is False  # finished, never entered: scored, not an entry
    assert detector["correlation_score"] is None or -1 <= detector["correlation_score"] <= 1

    # A picture gone from storage is skipped with the reason; the others are scored again.
    (settings.media_dir / f"rooms/{built.room_id}/images/{built.images['G1']}/result.png").unlink()
    again = await (await client.post(ROUTE, json={}, headers=HOST)).get_json()
    assert again["scored"] == len(SCORED) - 1
    assert [s["id"] for s in again["skipped"]] == [built.images["G1"]] and "missing" in again["skipped"][0]["reason"]
    assert str(built.images["G1"]) not in stored(settings.media_dir, built.room_id)["scores"]


def test_the_command_scores_the_same_images(make_settings, trained, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings()
    built = asyncio.run(research_room.build_for(settings))
    research_room.command_environment(monkeypatch, settings, tmp_path, unset=("DETECTOR_CHECKPOINT",))

    # No checkpoint given and none configured: one line, exit 2, nothing stored.
    with pytest.raises(SystemExit) as refused:
        cli.main(["detector", "score", "study"])
    assert refused.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "pixelpatchwork detector score: no checkpoint: give --checkpoint FILE or set DETECTOR_CHECKPOINT"
    )
    with pytest.raises(SystemExit) as unknown:
        cli.main(["detector", "score", "no-such-room", "--checkpoint", str(trained)])
    assert unknown.value.code == 2
    assert capsys.readouterr().err.strip() == "pixelpatchwork detector score: there is no room called 'no-such-room'"
    assert not (settings.media_dir / f"rooms/{built.room_id}/detector-scores.json").exists()

    # The setting names the checkpoint.
    monkeypatch.setenv("DETECTOR_CHECKPOINT", str(trained))
    cli.main(["detector", "score", "study", "--threads", "1"])
    out = capsys.readouterr().out
    assert f"scored {len(SCORED)} images of room study with tiny.pt" in out
    assert f"stored in rooms/{built.room_id}/detector-scores.json" in out
    saved = stored(settings.media_dir, built.room_id)
    assert saved["checkpoint"]["sha256"] == hashlib.sha256(trained.read_bytes()).hexdigest()
    assert_matches(saved["scores"], direct_scores(trained, settings.media_dir, built))


async def test_refusals_with_a_checkpoint(scored_app, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asgi, settings, built = scored_app
    client = asgi.quart_app.test_client()
    participant = asgi.quart_app.test_client()
    await join(participant, "Mallory")
    for who, headers in ((client, {}), (participant, {}), (client, {"Authorization": "Bearer not-the-token"})):
        response = await who.post(ROUTE, json={}, headers=headers)
        assert response.status_code == 401 and (await response.get_json())["error"]["code"] == "not_facilitator"
    unknown = await client.post(ROUTE.replace("study", "no-such-room"), json={}, headers=HOST)
    assert unknown.status_code == 404 and (await unknown.get_json())["error"]["code"] == "room_not_found"
    form = await client.post(ROUTE, data="x=1", headers={**HOST, "Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415
    extra = await client.post(ROUTE, json={"all": True}, headers=HOST)
    assert extra.status_code in (400, 422)

    # A room this process is scoring already: 409.
    from pixelpatchwork.web import host

    host._scoring.add(built.room_id)
    try:
        busy = await client.post(ROUTE, json={}, headers=HOST)
    finally:
        host._scoring.discard(built.room_id)
    assert busy.status_code == 409 and (await busy.get_json())["error"]["code"] == "detector_busy"

    # An unusable checkpoint: 422 with the reason.
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"not a checkpoint")
    settings.detector_checkpoint = corrupt
    bad = await client.post(ROUTE, json={}, headers=HOST)
    assert bad.status_code == 422
    error = (await bad.get_json())["error"]
    assert error["code"] == "detector_checkpoint_invalid" and "is not a detector checkpoint" in error["message"]

    # Without PyTorch: 503 with the install hint.
    monkeypatch.setitem(sys.modules, "torch", None)
    missing = await client.post(ROUTE, json={}, headers=HOST)
    assert missing.status_code == 503
    error = (await missing.get_json())["error"]
    assert error["code"] == "detector_unavailable" and INSTALL_HINT in error["message"]
    assert not (settings.media_dir / f"rooms/{built.room_id}/detector-scores.json").exists()


async def test_not_configured(app, client) -> None:  # type: ignore[no-untyped-def]
    svc = app.quart_app.extensions["pixelpatchwork"]
    await research_room.build(svc.sessionmaker, svc.storage)
    response = await client.post(ROUTE, json={}, headers=HOST)
    assert response.status_code == 409
    error = (await response.get_json())["error"]
    assert error["code"] == "detector_not_configured" and "DETECTOR_CHECKPOINT" in error["message"]
    analytics = await (await client.get("/api/host/rooms/study/analytics", headers=HOST)).get_json()
    assert analytics["detector"] is None and analytics["detector_configured"] is False
    anonymous = await client.post(ROUTE, json={})
    assert anonymous.status_code == 401


async def test_an_unusable_scores_file_reads_as_never_scored(app, client) -> None:  # type: ignore[no-untyped-def]
    svc = app.quart_app.extensions["pixelpatchwork"]
    built = await research_room.build(svc.sessionmaker, svc.storage)
    await svc.storage.put(f"rooms/{built.room_id}/detector-scores.json", b"{not json", "application/json")
    analytics = await (await client.get("/api/host/rooms/study/analytics", headers=HOST)).get_json()
    assert analytics["detector"] is None
