"""Image storage behind one interface: a local folder (default) or S3."""

from __future__ import annotations

from ..settings import Settings
from .base import Storage, StorageError


def make_storage(settings: Settings) -> Storage:
    """S3 when S3_BUCKET is set, else the local media folder."""
    if settings.s3_bucket:
        from .s3 import S3Storage

        return S3Storage(settings)
    from .local import LocalStorage

    assert settings.media_dir is not None
    return LocalStorage(settings.media_dir)


__all__ = ["Storage", "StorageError", "make_storage"]
