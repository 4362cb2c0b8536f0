"""`pixelpatchwork detector train|eval|explain|score`: the argument parser and the four commands.

This module imports without PyTorch (the main command line builds its parser from it);
each command checks for PyTorch first and, without it, says how to install the extra and
exits 2. Unusable input (folders, images, checkpoints, an output that exists) is refused
with one line on stderr and exit 2, before anything is written; outputs appear only when
complete (temporary file or folder, then a rename).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from pathlib import Path
from typing import Any, NoReturn

from . import CLASSES, INSTALL_HINT, DetectorError

DEFAULT_CHECKPOINT = "detector.pt"
DEFAULT_EVAL_OUT = "detector-eval"
LISTED_SKIPS = 10
MAX_OVERLAY_SIDE = 2048


def _refuse(command: str, message: str) -> NoReturn:
    print(f"pixelpatchwork detector {command}: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
    except (ImportError, OSError):
        print(f"pixelpatchwork detector: {INSTALL_HINT}", file=sys.stderr, flush=True)
        sys.exit(2)


def _threads(args: argparse.Namespace) -> None:
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)


def _report_skipped(collection: Any) -> None:
    if not collection.skipped:
        return
    print(f"{collection.skipped_summary()}:", file=sys.stderr, flush=True)
    for skipped in collection.skipped[:LISTED_SKIPS]:
        print(f"  {skipped}", file=sys.stderr)
    if len(collection.skipped) > LISTED_SKIPS:
        print(f"  ... and {len(collection.skipped) - LISTED_SKIPS} more", file=sys.stderr)


def _collect(command: str, ai: list[str], human: list[str], size: int) -> Any:
    from tqdm import tqdm

    from .data import collect, count_files

    try:
        with tqdm(total=count_files(ai + human), unit="file", desc="read images", disable=None) as bar:
            collection = collect(ai, human, size, progress=bar.update)
    except DetectorError as exc:
        _refuse(command, str(exc))
    _report_skipped(collection)
    return collection


def _fmt(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.3f}"


def cmd_train(args: argparse.Namespace) -> None:
    _require_torch()
    from .augment import Ablations
    from .model import ModelConfig
    from .train import TrainSettings

    if not args.ai or not args.human:
        _refuse("train", "training needs both classes: give at least one --ai DIR and one --human DIR")
    try:
        settings = TrainSettings(
            epochs=args.epochs,
            batch_size=args.batch_size,
            learning_rate=args.lr,
            weight_decay=args.weight_decay,
            val_fraction=args.val,
            patience=args.patience,
            seed=args.seed,
            model=ModelConfig(size=args.size, width=args.width),
            ablations=Ablations(grayscale=args.grayscale, watermark=args.watermark, jpeg=args.jpeg, noise=args.noise),
        )
    except ValueError as exc:
        _refuse("train", str(exc))
    out = Path(args.out)
    if out.is_dir():
        _refuse("train", f"{out} is a folder; --out names the checkpoint file to write")
    if out.exists() and not args.force:
        _refuse("train", f"{out} already exists; choose another --out, remove it or add --force")
    if not out.parent.is_dir():
        _refuse("train", f"the folder {out.parent} does not exist")
    _threads(args)
    try:
        collection = _collect("train", args.ai, args.human, settings.model.size)
        result = _train(collection, settings)
        from . import checkpoint

        checkpoint.save(out, result.model, settings.ablations, **result.checkpoint_info(collection))
    except DetectorError as exc:
        _refuse("train", str(exc))
    except KeyboardInterrupt:
        print("pixelpatchwork detector train: interrupted; no checkpoint written", file=sys.stderr, flush=True)
        sys.exit(130)
    counts = collection.counts()
    v = result.validation
    epochs_run = len(result.history)
    stop = f", stopped early after {epochs_run}" if result.stopped_early else f" of {epochs_run}"
    print(
        f"trained on {len(result.train_indices)} images, held out {len(result.val_indices)} "
        f"({counts.get('ai', 0)} ai, {counts.get('human', 0)} human in {len(collection.sources())} source folders); "
        f"ablations: {settings.ablations.describe()}",
        flush=True,
    )
    print(
        f"best epoch {result.best_epoch}{stop}: held-out accuracy {_fmt(v['accuracy'])}, ROC AUC {_fmt(v['auc'])}, "
        f"loss {_fmt(v['loss'])}",
        flush=True,
    )
    for name, figures in v["per_source"].items():
        print(f"  {name}: {figures['images']} held out, accuracy {_fmt(figures['accuracy'])}", flush=True)
    print(f"checkpoint: {out}", flush=True)


def _train(collection: Any, settings: Any) -> Any:
    from tqdm import tqdm

    from .train import Progress, train

    class Bars(Progress):
        bar: Any = None

        def epoch_started(self, epoch: int, epochs: int, batches: int) -> None:
            self.bar = tqdm(total=batches, unit="batch", desc=f"epoch {epoch}/{epochs}", disable=None)

        def batch_done(self, loss: float) -> None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.3f}", refresh=False)

        def epoch_done(self, record: dict[str, float]) -> None:
            self.bar.set_postfix(
                loss=f"{record['train_loss']:.3f}", val_loss=f"{record['val_loss']:.3f}", val_acc=f"{record['val_accuracy']:.3f}"
            )
            self.bar.close()

    bars = Bars()
    try:
        return train(collection, settings, bars)
    finally:
        if bars.bar is not None:
            bars.bar.close()


def cmd_eval(args: argparse.Namespace) -> None:
    _require_torch()
    from . import checkpoint
    from .evaluate import check_out, evaluate, write_report

    if not args.ai and not args.human:
        _refuse("eval", "give at least one --ai DIR or --human DIR to evaluate on (both classes for ROC AUC)")
    out = Path(args.out)
    try:
        check_out(out)
        loaded = checkpoint.load(args.checkpoint)
    except DetectorError as exc:
        _refuse("eval", str(exc))
    _threads(args)
    try:
        collection = _collect("eval", args.ai, args.human, loaded.size)
        evaluation = evaluate(loaded, collection, Path(args.checkpoint))
        names = write_report(evaluation, out)
    except DetectorError as exc:
        _refuse("eval", str(exc))
    except KeyboardInterrupt:
        print("pixelpatchwork detector eval: interrupted; nothing written", file=sys.stderr, flush=True)
        sys.exit(130)
    print(f"checkpoint {args.checkpoint} (ablations: {evaluation.ablations}) on {len(collection.samples)} images:", flush=True)
    print(f"  {'source':<24} {'class':<6} {'images':>6} {'accuracy':>8} {'ROC AUC':>8} {'ECE':>6}  seen in training", flush=True)
    for row in evaluation.rows:
        print(
            f"  {row.source:<24} {row.cls:<6} {row.images:>6} {_fmt(row.accuracy):>8} {_fmt(row.auc):>8} {_fmt(row.ece):>6}  "
            f"{'yes' if row.in_training else 'no'}",
            flush=True,
        )
    print(f"wrote {len(names)} files to {out}: {', '.join(names)}", flush=True)


def cmd_explain(args: argparse.Namespace) -> None:
    _require_torch()
    from . import checkpoint
    from .augment import prepare
    from .data import image_array, load_image
    from .gradcam import grad_cam, overlay, save_png

    image_path = Path(args.image)
    if not image_path.is_file():
        _refuse("explain", f"there is no image file {image_path}")
    try:
        original = load_image(image_path)
        loaded = checkpoint.load(args.checkpoint)
    except DetectorError as exc:
        _refuse("explain", str(exc))
    if not 0 <= args.alpha <= 1:
        _refuse("explain", f"--alpha must be between 0 and 1, not {args.alpha}")
    prepared = prepare(image_array(image_path, loaded.size), loaded.ablations)
    first = grad_cam(loaded.model, prepared, "ai")
    predicted = "ai" if first.scores["ai"] >= 0.5 else "human"
    target = predicted if args.target == "predicted" else args.target
    out = Path(args.out) if args.out else Path(f"{image_path.stem}-gradcam-{target}.png")
    if out.is_dir():
        _refuse("explain", f"{out} is a folder; --out names the PNG file to write")
    if out.exists() and not args.force:
        _refuse("explain", f"{out} already exists; choose another --out, remove it or add --force")
    if not out.parent.is_dir():
        _refuse("explain", f"the folder {out.parent} does not exist")
    explanation = first if target == "ai" else grad_cam(loaded.model, prepared, target)
    shown = original.copy()
    shown.thumbnail((MAX_OVERLAY_SIDE, MAX_OVERLAY_SIDE))
    try:
        save_png(overlay(shown, explanation.cam, alpha=args.alpha), out)
    except OSError as exc:
        _refuse("explain", f"cannot write {out}: {exc}")
    print(
        f"{image_path}: P(ai) = {explanation.scores['ai']:.3f}, predicted {predicted}; "
        f"Grad-CAM for class {target} (checkpoint ablations: {loaded.ablations.describe()}): {out}",
        flush=True,
    )
    if explanation.raw_peak <= 0:
        print(f"the model found no evidence for class {target} in this image: the heatmap is empty", flush=True)


def cmd_score(args: argparse.Namespace) -> None:
    """Score room ROOM's finished images with a checkpoint and store the scores where the
    analytics page reads them (see detector/room.py)."""
    _require_torch()
    from ..cli import _settings
    from .room import Scorer

    settings = _settings()
    path = args.checkpoint or settings.detector_checkpoint
    if not path:
        _refuse("score", "no checkpoint: give --checkpoint FILE or set DETECTOR_CHECKPOINT")
    try:
        scorer = Scorer.load(path)
    except DetectorError as exc:
        _refuse("score", str(exc))
    _threads(args)
    try:
        scores, key = asyncio.run(_score_room(settings, args.room, scorer))
    except DetectorError as exc:
        _refuse("score", str(exc))
    except KeyboardInterrupt:
        print("pixelpatchwork detector score: interrupted; the stored scores are unchanged", file=sys.stderr, flush=True)
        sys.exit(130)
    if scores.skipped:
        print(f"{len(scores.skipped)} images skipped:", file=sys.stderr, flush=True)
        for skipped in scores.skipped[:LISTED_SKIPS]:
            print(f"  image {skipped['id']}: {skipped['reason']}", file=sys.stderr)
        if len(scores.skipped) > LISTED_SKIPS:
            print(f"  ... and {len(scores.skipped) - LISTED_SKIPS} more", file=sys.stderr)
    ai = sum(1 for p in scores.scores.values() if p >= 0.5)
    print(
        f"scored {len(scores.scores)} images of room {args.room} with {scorer.path.name} "
        f"(sha256 {scorer.sha256[:12]}, ablations: {scorer.loaded.ablations.describe()}): "
        f"{ai} with P(ai) >= 0.5; stored in {key}",
        flush=True,
    )


async def _score_room(settings: Any, slug: str, scorer: Any) -> Any:
    from tqdm import tqdm

    from ..domain import rooms
    from ..domain.errors import DomainError
    from ..offline import opened
    from .room import finished_images, save_scores, score_images

    async def run(score: Any, data: bytes) -> float:
        return score(data)

    async with opened(settings) as (sessionmaker, storage):
        async with sessionmaker() as db:
            try:
                room = await rooms.get_room(db, slug)
            except DomainError as exc:
                raise DetectorError(exc.message) from exc
            images = await finished_images(db, room)
            room_id = room.id
        with tqdm(total=len(images), unit="image", desc=f"score {slug}", disable=None) as bar:
            scores = await score_images(storage, images, scorer, run, progress=lambda image: bar.update(1))
        key = await save_scores(storage, room_id, scores)
    return scores, key


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, not {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def add_parser(commands: Any) -> None:
    """Add `detector` with train, eval, explain and score to the main parser's subcommands."""
    detector = commands.add_parser(
        "detector", help="AI-or-human image detector: train, evaluate per source, explain with Grad-CAM, score a room (extra: detector)"
    )
    sub = detector.add_subparsers(dest="detector_command", required=True)
    folders = {"action": "extend", "nargs": "+", "default": [], "metavar": "DIR"}

    train = sub.add_parser("train", help="train a detector on folders of AI-made and human-made images (CPU)")
    train.add_argument("--ai", **folders, help="folders of AI-made images (each folder is one source)")
    train.add_argument("--human", **folders, help="folders of human-made images (each folder is one source)")
    train.add_argument("--out", default=DEFAULT_CHECKPOINT, help=f"checkpoint file to write (default {DEFAULT_CHECKPOINT})")
    train.add_argument("--force", action="store_true", help="overwrite --out when it exists")
    train.add_argument("--epochs", type=_positive(int), default=20, help="most epochs (default 20)")
    train.add_argument("--patience", type=_positive(int), default=4, help="stop after this many epochs without a better held-out loss (default 4)")
    train.add_argument("--batch-size", type=_positive(int), default=32, help="images per step (default 32)")
    train.add_argument("--lr", type=_positive(float), default=2e-3, help="AdamW learning rate (default 0.002)")
    train.add_argument("--weight-decay", type=float, default=1e-4, help="AdamW weight decay (default 0.0001)")
    train.add_argument("--val", type=float, default=0.2, help="share of each source held out for validation (default 0.2)")
    train.add_argument("--size", type=int, default=64, help="input size: images are squashed to SIZE x SIZE (default 64)")
    train.add_argument("--width", type=int, default=16, help="channels of the first convolution (default 16)")
    train.add_argument("--seed", type=int, default=0, help="seed of the split, weights and augmentations (default 0)")
    train.add_argument("--threads", type=_positive(int), default=None, help="CPU threads for PyTorch (default: its own choice)")
    ablation = train.add_argument_group("ablations (each is recorded in the checkpoint and reported by eval)")
    ablation.add_argument("--grayscale", action="store_true", help="feed luma only: is it colour saturation?")
    ablation.add_argument("--watermark", action="store_true", help="stamp random watermarks on half the images of both classes: is it watermarks?")
    ablation.add_argument("--jpeg", action="store_true", help="re-encode half the images as JPEG at quality 30-95: is it image quality?")
    ablation.add_argument("--noise", action="store_true", help="add Gaussian noise to half the images: is it image quality?")
    train.set_defaults(func=cmd_train)

    evaluate = sub.add_parser("eval", help="accuracy, ROC AUC and calibration of a checkpoint, per source folder")
    evaluate.add_argument("--checkpoint", default=DEFAULT_CHECKPOINT, help=f"checkpoint to evaluate (default {DEFAULT_CHECKPOINT})")
    evaluate.add_argument("--ai", **folders, help="folders of AI-made images (each folder is one source)")
    evaluate.add_argument("--human", **folders, help="folders of human-made images (each folder is one source)")
    evaluate.add_argument("--out", default=DEFAULT_EVAL_OUT, help=f"new or empty folder for tables and plots (default {DEFAULT_EVAL_OUT})")
    evaluate.add_argument("--threads", type=_positive(int), default=None, help="CPU threads for PyTorch (default: its own choice)")
    evaluate.set_defaults(func=cmd_eval)

    explain = sub.add_parser("explain", help="a class-aware Grad-CAM heatmap over one image (PNG)")
    explain.add_argument("image", metavar="IMAGE", help="the image to explain")
    explain.add_argument("--checkpoint", default=DEFAULT_CHECKPOINT, help=f"checkpoint to use (default {DEFAULT_CHECKPOINT})")
    explain.add_argument(
        "--target", choices=[*CLASSES, "predicted"], default="predicted",
        help="class whose evidence the heatmap shows (default: the predicted class)",
    )
    explain.add_argument("--out", default=None, help="PNG to write (default IMAGE-gradcam-TARGET.png here)")
    explain.add_argument("--alpha", type=float, default=0.6, help="strength of the heatmap over the image, 0..1 (default 0.6)")
    explain.add_argument("--force", action="store_true", help="overwrite --out when it exists")
    explain.set_defaults(func=cmd_explain)

    score = sub.add_parser(
        "score", help="score a room's finished images (P(ai)) and store the scores for its analytics page"
    )
    score.add_argument("room", metavar="ROOM", help="the room's slug (as in /room/<slug>)")
    score.add_argument("--checkpoint", default=None, help="checkpoint to use (default: the DETECTOR_CHECKPOINT setting)")
    score.add_argument("--threads", type=_positive(int), default=None, help="CPU threads for PyTorch (default: its own choice)")
    score.set_defaults(func=cmd_score)
