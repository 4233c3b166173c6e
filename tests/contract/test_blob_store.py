"""BlobStore contract: content-addressed bytes, each stored once under its sha256."""

from __future__ import annotations

import asyncio

import pytest

from hero_assistance.domain.ports import BlobStore

from ._factories import sha

pytestmark = pytest.mark.anyio

DATA = bytes(range(256)) * 3 + b"\x00\r\n\x1a trailing"
OTHER = b"another image"


async def test_a_stored_blob_reads_back_byte_for_byte(blobs: BlobStore) -> None:
    await blobs.put(sha(DATA), DATA)

    assert await blobs.get(sha(DATA)) == DATA
    assert await blobs.exists(sha(DATA)) is True


async def test_an_absent_blob_is_none_and_does_not_exist(blobs: BlobStore) -> None:
    await blobs.put(sha(DATA), DATA)

    assert await blobs.get(sha(OTHER)) is None
    assert await blobs.exists(sha(OTHER)) is False


async def test_blobs_are_kept_apart(blobs: BlobStore) -> None:
    await blobs.put(sha(DATA), DATA)
    await blobs.put(sha(OTHER), OTHER)

    assert await blobs.get(sha(DATA)) == DATA
    assert await blobs.get(sha(OTHER)) == OTHER


async def test_putting_the_same_blob_again_is_harmless(blobs: BlobStore) -> None:
    await blobs.put(sha(DATA), DATA)
    await blobs.put(sha(DATA), DATA)

    assert await blobs.get(sha(DATA)) == DATA


async def test_concurrent_puts_of_the_same_blob_store_it_whole(blobs: BlobStore) -> None:
    big = bytes(range(256)) * 4096  # 1 MiB

    await asyncio.gather(*[blobs.put(sha(big), big) for _ in range(5)])

    assert await blobs.get(sha(big)) == big


async def test_a_large_blob_round_trips(blobs: BlobStore) -> None:
    big = bytes(reversed(range(256))) * (3 * 4096) + b"tail"  # 3 MiB and a bit

    await blobs.put(sha(big), big)

    assert await blobs.get(sha(big)) == big


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(sha(OTHER), id="digest of other bytes"),
        pytest.param(sha(DATA).upper(), id="upper-case digest"),
        pytest.param(sha(DATA)[:-1], id="truncated digest"),
        pytest.param(sha(DATA) + "0", id="digest with an extra digit"),
        pytest.param("", id="empty"),
        pytest.param("../" + sha(DATA), id="path traversal"),
        pytest.param(f"{sha(DATA)[:2]}/{sha(DATA)[2:]}", id="path separator"),
    ],
)
async def test_a_name_that_is_not_the_content_digest_is_refused(
    blobs: BlobStore, name: str
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the port names the type, not the text
        await blobs.put(name, DATA)

    assert await blobs.exists(sha(DATA)) is False
    assert await blobs.get(sha(DATA)) is None
