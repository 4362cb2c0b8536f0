"""`pixelpatchwork export`: a folder or a zip of a room's dataset, and clear refusals."""

from __future__ import annotations

import asyncio
import json
import zipfile

import pytest

from pixelpatchwork import cli
from tests import research_room


@pytest.fixture
def installed(make_settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """An install with the study room, and the environment the command reads its settings from."""
    settings = make_settings()
    built = asyncio.run(research_room.build_for(settings))
    research_room.command_environment(monkeypatch, settings, tmp_path)
    return built


def test_export_to_a_folder(installed, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    cli.main(["export", "study", "--out", str(tmp_path / "data")])
    out = capsys.readouterr().out
    assert "exported room study" in out and "9 images" in out and str(tmp_path / "data") in out
    images = json.loads((tmp_path / "data" / "images.json").read_text())
    assert {row["image_id"] for row in images} == set(installed.images.values())
    assert (tmp_path / "data" / "README.md").is_file()
    assert (tmp_path / "data" / "masks" / f"{installed.images['G1']}.png").is_file()


def test_export_to_a_zip_with_the_default_name(installed, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    cli.main(["export", "study", "--zip"])
    archive = zipfile.ZipFile(tmp_path / "study-dataset.zip")
    assert archive.testzip() is None
    assert "coco/annotations.json" in archive.namelist()
    assert len(json.loads(archive.read("votes.json"))) == 18


def test_export_refusals(installed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as unknown:
        cli.main(["export", "no-such-room", "--out", str(tmp_path / "x")])
    assert str(unknown.value) == "pixelpatchwork export: there is no room called 'no-such-room'"
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(SystemExit) as occupied:
        cli.main(["export", "study", "--out", str(busy)])
    assert "is not an empty folder" in str(occupied.value)
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]
    (tmp_path / "taken.zip").write_bytes(b"")
    with pytest.raises(SystemExit) as taken:
        cli.main(["export", "study", "--zip", "--out", str(tmp_path / "taken.zip")])
    assert "already exists" in str(taken.value)
