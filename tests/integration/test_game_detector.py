"""The detector in the "AI or human?" game: with DETECTOR_CHECKPOINT set, starting a picture
scores it and stores a Grad-CAM heatmap, shown at the reveal; a missing or unusable
checkpoint refuses the start with a message and leaves nothing behind, and the facilitator
may start without the detector.

Needs PyTorch (the `detector` extra): skipped without it locally, failed in CI.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from pixelpatchwork.app import create_app
from tests.factories import HOST
from tests.integration.test_detector_room import trained  # noqa: F401 - the tiny checkpoint fixture
from tests.integration.test_game import media_files, picture_data_url

ROOT = "/api/host/rooms/main"


async def start_with(make_settings, checkpoint, body=None):  # type: ignore[no-untyped-def]
    asgi = create_app(make_settings(detector_checkpoint=checkpoint))
    async with asgi.quart_app.test_app():
        client = asgi.quart_app.test_client()
        upload = await client.post(
            f"{ROOT}/artworks", json={"image": picture_data_url((230, 20, 200)), "title": "Vivid", "artist": "A. Painter"},
            headers=HOST,
        )
        assert upload.status_code == 201
        started = await client.post(f"{ROOT}/game/items", json=body or {}, headers=HOST)
        outcome = {"status": started.status_code, "body": await started.get_json()}
        if started.status_code == 201:
            await client.post(f"{ROOT}/game/reveal", json={}, headers=HOST)
            outcome["results"] = await (await client.get(f"{ROOT}/game", headers=HOST)).get_json()
            outcome["heatmap"] = None
            detector = outcome["results"]["items"][0]["reveal"]["detector"]
            if detector.get("heatmap_url"):
                heatmap = await client.get(detector["heatmap_url"])
                outcome["heatmap"] = Image.open(io.BytesIO(await heatmap.get_data()))
        outcome["game_files"] = media_files(asgi, "game")
        results = await (await client.get(f"{ROOT}/game", headers=HOST)).get_json()
        outcome["items"] = len(results["items"])
    return outcome


async def test_the_detector_scores_the_picture_and_explains_it(make_settings, trained: Path) -> None:  # noqa: F811
    from pixelpatchwork.detector.room import Scorer

    outcome = await start_with(make_settings, trained)
    assert outcome["status"] == 201, outcome["body"]
    results = outcome["results"]
    assert results["detector_configured"] is True
    detector = results["items"][0]["reveal"]["detector"]
    assert detector["status"] == "ok" and detector["checkpoint"].startswith(trained.name)
    # The score is what the checkpoint gives the picture shown (the neutral copy).
    picture_file = next(p for p in outcome["game_files"] if p.suffix == ".webp")
    expected = Scorer.load(trained).score(picture_file.read_bytes())
    assert detector["p_ai"] == round(expected, 4)
    assert detector["guess"] == ("ai" if expected >= 0.5 else "human")
    assert detector["correct"] == (detector["guess"] == "human")
    assert results["totals"]["detector_items"] == 1
    assert results["totals"]["detector_accuracy"] == (1.0 if detector["correct"] else 0.0)
    # The picture is shown 1024 pixels on its long side; the heatmap is drawn over it at 768.
    shown = Image.open(picture_file)
    assert shown.size == (1024, 768)
    assert outcome["heatmap"] is not None and outcome["heatmap"].size == (768, 576)


async def test_an_unusable_checkpoint_refuses_the_start_and_writes_nothing(make_settings, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint")
    for checkpoint in (garbage, tmp_path / "missing.pt"):
        outcome = await start_with(make_settings, checkpoint)
        assert outcome["status"] == 422, outcome["body"]
        error = outcome["body"]["error"]
        assert error["code"] == "detector_checkpoint_invalid"
        assert checkpoint.name in error["message"] and "without the detector" in error["message"]
        assert "Traceback" not in error["message"]
        assert outcome["items"] == 0 and outcome["game_files"] == []
    # The facilitator can still play, without the detector.
    outcome = await start_with(make_settings, garbage, {"detector": False})
    assert outcome["status"] == 201
    assert outcome["results"]["items"][0]["reveal"]["detector"] == {"status": "off"}


async def test_a_checkpoint_of_another_network_is_refused_with_the_reason(make_settings, trained: Path, tmp_path: Path) -> None:  # noqa: F811
    import torch

    payload = torch.load(trained, map_location="cpu", weights_only=True)
    payload["model"] = {**payload["model"], "width": payload["model"]["width"] * 2}  # weights no longer fit
    other = tmp_path / "wider.pt"
    torch.save(payload, other)
    outcome = await start_with(make_settings, other)
    assert outcome["status"] == 422
    error = outcome["body"]["error"]
    assert error["code"] == "detector_checkpoint_invalid" and "does not fit this detector's network" in error["message"]
    assert outcome["items"] == 0 and outcome["game_files"] == []


async def test_without_pytorch_the_start_says_how_to_install_it(make_settings, trained: Path, monkeypatch) -> None:  # noqa: F811
    from pixelpatchwork.detector import room as detector_room

    monkeypatch.setattr(detector_room, "torch_available", lambda: False)
    outcome = await start_with(make_settings, trained)
    assert outcome["status"] == 503
    error = outcome["body"]["error"]
    assert error["code"] == "detector_unavailable" and "pip install -e '.[detector]'" in error["message"]
    assert outcome["items"] == 0 and outcome["game_files"] == []
