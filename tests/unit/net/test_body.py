"""Streamed body reading: wire and decoded size limits, gzip/deflate bombs."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator, Callable

import pytest

from agentflow.net.body import read_limited
from agentflow.net.errors import OutboundHTTPError, ResponseTooLarge


async def chunks(data: bytes, size: int = 65536) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


async def test_identity_within_and_past_limit() -> None:
    assert await read_limited(chunks(b"x" * 100), limit=100) == b"x" * 100
    with pytest.raises(ResponseTooLarge) as info:
        await read_limited(chunks(b"x" * 101), limit=100)
    assert info.value.limit == 100
    assert info.value.type == "http.too_large"


async def test_stops_reading_once_past_limit() -> None:
    seen = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal seen
        while True:
            seen += 1
            yield b"y" * 1000

    with pytest.raises(ResponseTooLarge):
        await read_limited(endless(), limit=10_000)
    assert seen == 11


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", raw_deflate),
        ("identity, gzip", gzip.compress),
    ],
)
async def test_decodes(encoding: str, encode: Callable[[bytes], bytes]) -> None:
    data = b"hello world " * 1000
    body = await read_limited(chunks(encode(data), 100), limit=len(data), content_encoding=encoding)
    assert body == data


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_decompression_bomb_is_cut_at_the_limit(encoding: str) -> None:
    bomb = (gzip.compress if encoding == "gzip" else zlib.compress)(b"\0" * (64 * 1024 * 1024))
    assert len(bomb) < 100_000  # small on the wire...
    with pytest.raises(ResponseTooLarge):
        await read_limited(chunks(bomb), limit=1024 * 1024, content_encoding=encoding)


async def test_unknown_encoding_is_returned_raw() -> None:
    assert (
        await read_limited(chunks(b"\x8b\x00br"), limit=10, content_encoding="br") == b"\x8b\x00br"
    )


async def test_corrupt_gzip_is_a_non_retryable_network_error() -> None:
    with pytest.raises(OutboundHTTPError) as info:
        await read_limited(chunks(b"not gzip at all"), limit=100, content_encoding="gzip")
    assert info.value.retryable is False
