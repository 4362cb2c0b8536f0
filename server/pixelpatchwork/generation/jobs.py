"""The durable generation queue: jobs claimed with a lease, so a killed worker's job runs again.

The jobs row is the truth. A worker claims a job with a conditional UPDATE (after SELECT ...
FOR UPDATE SKIP LOCKED on MariaDB), renews its lease while it works, and finishes with a
conditional UPDATE that only succeeds while it still holds the job. Result files have fixed
keys per image, so a job that did run twice leaves exactly one result.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import os
import socket
import time
import uuid
from datetime import timedelta

from PIL import Image as PILImage
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .. import imaging
from ..db.models import GenerationSlot, Image, Job, Room
from ..domain.clock import utcnow
from ..domain.events import Outbox
from ..domain.images import image_keys
from ..domain.rooms import bump_version
from ..domain.views import load_image_view
from ..settings import Settings
from ..storage import Storage, StorageError
from ..sketch import paint
from .base import EditRequest, EditResult, GenerationError, Provider, SketchRequest

log = logging.getLogger(__name__)

IDLE_SLOT_POLL_FACTOR = 10

PROGRESS_INTERVAL_S = 0.2


def backoff_s(attempt: int, base_s: float = 2.0) -> float:
    """Seconds to wait before attempt `attempt + 1`: base, 2 x base, 4 x base, ... capped at 60."""
    return min(60.0, base_s * 2.0 ** (attempt - 1))


def participant_hash(secret: str, user_id: int | None) -> str:
    """A stable id for a participant that does not reveal who they are (OpenAI safety_identifier)."""
    return hashlib.sha256(f"{secret}:participant:{user_id}".encode()).hexdigest()[:32]


class Worker:
    """Runs generation jobs with bounded concurrency until `stop()`."""

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        storage: Storage,
        provider: Provider,
        publish,  # async (Outbox) -> None
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.storage = storage
        self.provider = provider
        self.publish = publish
        self.worker_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"[:64]
        self.wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._mysql = not settings.is_sqlite

    async def ensure_slots(self) -> None:
        """Create the global generation slots 1..GENERATION_GLOBAL_CONCURRENCY that are missing."""
        wanted = self.settings.generation_global_concurrency
        async with self.sessionmaker() as session:
            have = set(await session.scalars(select(GenerationSlot.id)))
            for slot_id in range(1, wanted + 1):
                if slot_id not in have:
                    session.add(GenerationSlot(id=slot_id))
            try:
                await session.commit()
            except SQLAlchemyError:
                await session.rollback()  # another process created them at the same moment

    def start(self) -> None:
        for slot in range(self.settings.worker_concurrency):
            self._tasks.append(asyncio.create_task(self._slot(slot), name=f"generation-slot-{slot}"))

    async def stop(self, grace_s: float = 5.0) -> None:
        """Let slots finish what they are doing (a claim, a short job), then cancel the rest.

        Cancelling a slot in the middle of a database call can leave its connection closing
        while another waits for the lock, so idle and quick slots are let go gracefully; a job
        still running after `grace_s` is cancelled, and its lease lets another worker redo it.
        """
        self._stopping.set()
        self.wake.set()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=grace_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self._tasks.clear()

    async def _slot(self, slot: int) -> None:
        while not self._stopping.is_set():
            try:
                job_id = await self.claim()
            except SQLAlchemyError:
                log.exception("claiming a job failed; retrying shortly")
                job_id = None
            if job_id is None:
                if self._stopping.is_set():
                    break
                self.wake.clear()
                # When idle, the first slot polls; the others look now and then and are woken
                # as soon as a job turns up, so an idle worker costs one query per poll.
                poll_s = self.settings.job_poll_s * (1 if slot == 0 else IDLE_SLOT_POLL_FACTOR)
                try:
                    await asyncio.wait_for(self.wake.wait(), timeout=poll_s)
                except asyncio.TimeoutError:
                    pass
                continue
            self.wake.set()  # there was a job: the idle slots look for more
            try:
                await self.run_job(job_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Nothing is marked done; the lease runs out and the job is claimed again.
                log.exception("job %s crashed in worker %s", job_id, self.worker_id)

    def _claimable(self, now):  # type: ignore[no-untyped-def]
        return or_(
            and_(Job.status == "queued", Job.available_at <= now),
            and_(Job.status == "running", Job.lease_until < now),
        )

    async def claim(self) -> int | None:
        """Take the oldest available job (or one whose worker's lease ran out) together with a
        free global slot; the job's id, or None when there is no job or no free slot."""
        now = utcnow()
        lease_until = now + timedelta(seconds=self.settings.job_lease_s)
        async with self.sessionmaker() as session:
            slot_query = (
                select(GenerationSlot.id)
                .where(
                    GenerationSlot.id <= self.settings.generation_global_concurrency,
                    or_(GenerationSlot.job_id.is_(None), GenerationSlot.lease_until < now),
                )
                .order_by(GenerationSlot.id)
                .limit(1)
            )
            job_query = select(Job.id).where(self._claimable(now)).order_by(Job.id).limit(1)
            if self._mysql:
                slot_query = slot_query.with_for_update(skip_locked=True)
                job_query = job_query.with_for_update(skip_locked=True)
            slot_id = await session.scalar(slot_query)
            if slot_id is None:
                return None
            job_id = await session.scalar(job_query)
            if job_id is None:
                return None
            result = await session.execute(
                update(Job)
                .where(Job.id == job_id, self._claimable(now))
                .values(
                    status="running", worker_id=self.worker_id, attempts=Job.attempts + 1,
                    lease_until=lease_until, updated_at=now,
                )
            )
            if result.rowcount != 1:
                await session.rollback()
                return None
            await session.execute(
                update(GenerationSlot).where(GenerationSlot.id == slot_id).values(job_id=job_id, lease_until=lease_until)
            )
            await session.commit()
            return job_id

    @staticmethod
    async def _release_slot(session: AsyncSession, job_id: int) -> None:
        await session.execute(
            update(GenerationSlot).where(GenerationSlot.job_id == job_id).values(job_id=None, lease_until=None)
        )

    async def _renew_lease(self, job_id: int) -> None:
        while True:
            await asyncio.sleep(self.settings.job_lease_s / 3)
            try:
                async with self.sessionmaker() as session:
                    now = utcnow()
                    until = now + timedelta(seconds=self.settings.job_lease_s)
                    renewed = await session.execute(
                        update(Job)
                        .where(Job.id == job_id, Job.worker_id == self.worker_id, Job.status == "running")
                        .values(lease_until=until, updated_at=now)
                    )
                    if renewed.rowcount == 1:
                        await session.execute(
                            update(GenerationSlot).where(GenerationSlot.job_id == job_id).values(lease_until=until)
                        )
                    await session.commit()
            except SQLAlchemyError:
                log.warning("renewing the lease of job %s failed", job_id, exc_info=True)

    async def run_job(self, job_id: int) -> None:
        """Generate, store and publish one claimed job."""
        async with self.sessionmaker() as session:
            job = await session.get(Job, job_id)
            assert job is not None
            image = await session.get(Image, job.image_id)
            room = await session.get(Room, job.room_id)
            assert image is not None and room is not None
            if job.attempts > self.settings.job_max_attempts:
                await self._fail(session, job, image, room, "the generation failed repeatedly; try again with another prompt")
                return
            seed = await session.get(Image, image.parent_id)
            assert seed is not None
            outbox = Outbox()
            if image.status != "generating":
                version = await bump_version(session, room.id)
                image.status = "generating"
                image.started_at = image.started_at or utcnow()
                outbox = await self._image_updated(session, room, image.id, version)
            await session.commit()
            await self.publish(outbox)
            seed_key, mask_key, prompt, author_id = seed.result_key, image.mask_key, image.prompt, image.author_id
            feather_px, sketch_key, details = image.feather_px, image.sketch_key, _details(image)

        renewer = asyncio.create_task(self._renew_lease(job_id))
        started = time.perf_counter()
        try:
            reporter = _ProgressReporter(self, room.slug, image.id, keys=image_keys(room.id, image.id))
            who = participant_hash(self.settings.secret_key.get_secret_value(), author_id)
            if sketch_key:
                result, final = await self._paint(sketch_key, details.get("sketch", {}).get("style", ""), who, reporter)
            else:
                seed_bytes = await self.storage.get(seed_key or "")
                mask_bytes = await self.storage.get(mask_key or "")
                seed_image = PILImage.open(io.BytesIO(seed_bytes)).convert("RGB")
                mask_image = PILImage.open(io.BytesIO(mask_bytes)).convert("L")
                result = await self.provider.edit(EditRequest(seed_image, mask_image, prompt, who), reporter)
                final = await asyncio.to_thread(imaging.composite, seed_image, result.image, mask_image, feather_px)
            await reporter.send(1.0, None, stage="storing")
            keys = image_keys(room.id, image.id)
            png = await asyncio.to_thread(imaging.encode_png, final)
            thumb = await asyncio.to_thread(imaging.thumbnail, final)
            await self.storage.put(keys["result"], png, "image/png")
            await self.storage.put(keys["thumb"], thumb, "image/webp")
        except GenerationError as exc:
            renewer.cancel()
            await self._after_error(job_id, exc.message, exc.retryable)
            return
        except StorageError as exc:
            renewer.cancel()
            log.warning("storage failed for job %s: %s", job_id, exc)
            await self._after_error(job_id, "the image could not be stored", retryable=True)
            return
        finally:
            renewer.cancel()
        await self._complete(job_id, keys, result, int((time.perf_counter() - started) * 1000))

    async def _paint(self, sketch_key: str, style: str, who: str, reporter: "_ProgressReporter") -> tuple[EditResult, PILImage.Image]:
        """Paint a sketch round's label map: the picture, at the map's size times paint.SCALE."""
        label_map = await asyncio.to_thread(paint.read_label_png, await self.storage.get(sketch_key))
        picture_map = await asyncio.to_thread(paint.label_image, label_map, None, paint.SCALE)
        prompt = paint.instructions(paint.regions(label_map), style)
        result = await self.provider.paint(SketchRequest(picture_map, prompt, who), reporter)
        final = result.image.convert("RGB")
        if final.size != picture_map.size:
            final = await asyncio.to_thread(final.resize, picture_map.size, PILImage.Resampling.LANCZOS)
        return result, final

    async def _complete(self, job_id: int, keys: dict[str, str], result: EditResult, elapsed_ms: int) -> None:
        async with self.sessionmaker() as session:
            now = utcnow()
            room_id = await session.scalar(select(Job.room_id).where(Job.id == job_id))
            version = await bump_version(session, room_id)
            done = await session.execute(
                update(Job)
                .where(Job.id == job_id, Job.worker_id == self.worker_id, Job.status == "running")
                .values(status="done", lease_until=None, updated_at=now)
            )
            if done.rowcount != 1:
                # Our lease ran out and another worker owns the job; its result replaces ours.
                await session.rollback()
                log.warning("job %s finished after losing its lease; leaving it to its new worker", job_id)
                return
            job = await session.get(Job, job_id)
            assert job is not None
            image = await session.get(Image, job.image_id)
            room = await session.get(Room, job.room_id)
            assert image is not None and room is not None
            image.status = "done"
            image.result_key = keys["result"]
            image.thumb_key = keys["thumb"]
            image.model = result.model
            image.quality = self.provider.quality
            image.details = json.dumps({**_details(image), **result.details}, default=str)
            image.error = None
            image.finished_at = now
            image.generation_ms = elapsed_ms
            # Without entry selection every finished edit goes straight into the vote.
            image.entered = not self.settings.entry_selection
            await self._release_slot(session, job_id)
            outbox = await self._image_updated(session, room, image.id, version)
            await session.commit()
        await self.publish(outbox)

    async def _after_error(self, job_id: int, message: str, retryable: bool) -> None:
        async with self.sessionmaker() as session:
            job = await session.get(Job, job_id)
            assert job is not None
            if job.worker_id != self.worker_id or job.status != "running":
                return
            image = await session.get(Image, job.image_id)
            room = await session.get(Room, job.room_id)
            assert image is not None and room is not None
            if retryable and job.attempts < self.settings.job_max_attempts:
                now = utcnow()
                job.status = "queued"
                job.available_at = now + timedelta(seconds=backoff_s(job.attempts, self.settings.job_retry_base_s))
                job.error = message
                job.lease_until = None
                job.updated_at = now
                await self._release_slot(session, job_id)
                await session.commit()
                log.info("job %s will be retried: %s", job_id, message)
                return
            await self._fail(session, job, image, room, message)

    async def _fail(self, session: AsyncSession, job: Job, image: Image, room: Room, message: str) -> None:
        version = await bump_version(session, room.id)
        now = utcnow()
        job.status = "failed"
        job.error = message
        job.lease_until = None
        job.updated_at = now
        image.status = "failed"
        image.error = message
        image.finished_at = now
        await self._release_slot(session, job.id)
        outbox = await self._image_updated(session, room, image.id, version)
        await session.commit()
        await self.publish(outbox)

    async def _image_updated(self, session: AsyncSession, room: Room, image_id: int, version: int) -> Outbox:
        """The `image:updated` event for a change made in `session` (sent after it commits)."""
        await session.flush()
        outbox = Outbox()
        outbox.add(room.slug, "image:updated", {"version": version, "image": await load_image_view(session, self.storage, image_id)})
        return outbox


def _details(image: Image) -> dict:
    """What is already known about an image's generation (a sketch rendering's round and style)."""
    try:
        details = json.loads(image.details) if image.details else {}
    except ValueError:
        return {}
    return details if isinstance(details, dict) else {}


async def queue_position(session: AsyncSession, job_id: int) -> int:
    """How many jobs wait before this one (1 = next)."""
    ahead = await session.scalar(select(func.count()).select_from(Job).where(Job.status == "queued", Job.id < job_id))
    return int(ahead or 0) + 1


class _ProgressReporter:
    """Turns provider progress into throttled `image:progress` events with a small preview URL."""

    def __init__(self, worker: Worker, room_slug: str, image_id: int, keys: dict[str, str]) -> None:
        self.worker = worker
        self.room_slug = room_slug
        self.image_id = image_id
        self.preview_base = keys["result"].rsplit("/", 1)[0]
        self._last = 0.0
        self._count = 0

    async def __call__(self, progress: float, preview: PILImage.Image | None) -> None:
        now = time.monotonic()
        if preview is None and now - self._last < PROGRESS_INTERVAL_S:
            return
        self._last = now
        await self.send(progress, preview, stage="generating")

    async def send(self, progress: float, preview: PILImage.Image | None, *, stage: str) -> None:
        url = None
        if preview is not None:
            self._count += 1
            data = await asyncio.to_thread(imaging.thumbnail, preview, imaging.PREVIEW_MAX_SIDE, "JPEG")
            # A key per preview, so browsers never show a cached earlier one.
            key = f"{self.preview_base}/preview-{self._count}.jpg"
            try:
                await self.worker.storage.put(key, data, "image/jpeg")
                url = await self.worker.storage.url(key)
            except StorageError:
                url = None
        outbox = Outbox()
        outbox.add(
            self.room_slug,
            "image:progress",
            {"version": None, "image_id": self.image_id, "stage": stage, "progress": round(progress, 3), "preview_url": url, "queue_position": None},
        )
        await self.worker.publish(outbox)
