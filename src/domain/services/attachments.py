"""Image attachments: cleaned, stored once per content, read only where policy allows."""

from __future__ import annotations

from ..attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_DECODED_BYTES,
    MAX_PIXELS,
    Attachment,
    content_address,
    inspect_image,
)
from ..errors import NotFound
from ..identity import Caller
from ..image_privacy import strip_private_data
from ..policy import require_bound
from ..ports import BlobStore, Clock, ImageDecoder, Repositories, Storage
from ._access import attachment_readable


class AttachmentLibrary:
    """Use cases on attachments."""

    def __init__(self, storage: Storage, blobs: BlobStore, clock: Clock, *,
                 decoder: ImageDecoder | None = None, max_bytes: int = MAX_ATTACHMENT_BYTES,
                 max_pixels: int = MAX_PIXELS,
                 max_decoded_bytes: int = MAX_DECODED_BYTES) -> None:
        """``decoder`` adds a full decode check; without it only headers are checked."""
        self._decoder = decoder
        self._storage = storage
        self._blobs = blobs
        self._clock = clock
        self._max_bytes = max_bytes
        self._max_pixels = max_pixels
        self._max_decoded_bytes = max_decoded_bytes

    async def upload(self, caller: Caller, data: bytes) -> Attachment:
        """Store an image (once per content) and remember who uploaded it.

        What is stored -- and hashed into the attachment's id -- is the upload without
        its metadata and without anything after the image's end (:mod:`..image_privacy`),
        so the id is not the SHA-256 of the bytes sent unless they had nothing to lose.
        """
        who = require_bound(caller)
        info = inspect_image(data, max_bytes=self._max_bytes, max_pixels=self._max_pixels,
                             max_decoded_bytes=self._max_decoded_bytes)
        stored = strip_private_data(data, info.mime)
        sha = content_address(stored)
        now = self._clock.now()
        # Bytes first, metadata second: a crash in between leaves an orphan blob, never
        # metadata that points at nothing. Stored bytes were decoded before they were
        # stored, so the same image sent again costs no second decode.
        if not await self._blobs.exists(sha):
            if self._decoder is not None:
                await self._decoder.verify(stored, info)  # the bytes that will be served
            await self._blobs.put(sha, stored)

        def record(repos: Repositories) -> Attachment:
            existing = repos.attachments.get(sha)
            attachment = existing or Attachment(
                sha256=sha, mime=info.mime, size=len(stored), width=info.width,
                height=info.height, created_at=now,
            )
            if existing is None:
                repos.attachments.add(attachment)
            if not repos.attachments.is_uploader(sha, who.user_id):
                repos.attachments.add_uploader(sha, who.user_id, now)
            return attachment

        return await self._storage.write(record)

    async def describe(self, caller: Caller, sha256: str) -> Attachment:
        """Metadata of an attachment the caller may read."""
        who = require_bound(caller)
        sha = sha256.lower()

        def look(repos: Repositories) -> Attachment:
            attachment = repos.attachments.get(sha)
            if attachment is None or not attachment_readable(
                repos, who, sha, repos.project.settings()
            ):
                raise NotFound(f"attachment {sha256} does not exist")
            return attachment

        return await self._storage.read(look)

    async def open(self, caller: Caller, sha256: str) -> tuple[Attachment, bytes]:
        """Metadata and bytes of an attachment the caller may read."""
        attachment = await self.describe(caller, sha256)
        data = await self._blobs.get(attachment.sha256)
        if data is None:
            raise NotFound(f"attachment {sha256} has no stored content")
        return attachment, data
