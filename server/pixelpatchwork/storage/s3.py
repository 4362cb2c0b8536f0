"""S3 or any S3-compatible store (aioboto3). Browsers get presigned URLs."""

from __future__ import annotations

import contextlib

import aioboto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..settings import Settings
from .base import Storage, StorageError


class S3Storage(Storage):
    backend = "s3"

    def __init__(self, settings: Settings) -> None:
        assert settings.s3_bucket
        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_prefix
        self.endpoint_url = settings.s3_endpoint_url
        self.region = settings.s3_region
        self.expires_s = settings.s3_url_expires_s
        self._session = aioboto3.Session()
        self._stack: contextlib.AsyncExitStack | None = None
        self._client = None

    async def start(self) -> None:
        self._stack = contextlib.AsyncExitStack()
        self._client = await self._stack.enter_async_context(
            self._session.client(
                "s3",
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                config=Config(retries={"max_attempts": 4, "mode": "standard"}, signature_version="s3v4"),
            )
        )

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None
            self._client = None

    @property
    def client(self):  # type: ignore[no-untyped-def]
        if self._client is None:
            raise StorageError("S3 storage used before start()")
        return self._client

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            await self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 put of {key} failed: {exc}") from exc

    async def get(self, key: str) -> bytes:
        try:
            response = await self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            async with response["Body"] as body:
                return await body.read()
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 get of {key} failed: {exc}") from exc

    async def delete(self, key: str) -> None:
        try:
            await self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 delete of {key} failed: {exc}") from exc

    async def url(self, key: str) -> str:
        return await self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)}, ExpiresIn=self.expires_s
        )

    async def check(self) -> None:
        try:
            await self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 bucket {self.bucket} is not reachable: {exc}") from exc
