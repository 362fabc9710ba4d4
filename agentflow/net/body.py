"""Read a response body with a hard size limit, decompressing within the limit.

Both the bytes on the wire and the decoded bytes count against the limit, and
gzip/deflate are inflated with zlib's ``max_length`` so a small compressed body
cannot expand past the limit in memory (decompression bombs). Encodings other
than gzip, deflate and identity are not decoded: the raw bytes are returned and
the Content-Encoding header tells the caller.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable

from agentflow.net.errors import OutboundHTTPError, ResponseTooLarge

ACCEPT_ENCODING = "gzip, deflate"


def _too_large(limit: int) -> ResponseTooLarge:
    return ResponseTooLarge(f"Response body is larger than {limit} bytes", limit=limit)


class _Overflow(Exception):
    """Inflating would pass the limit."""


class _Inflater:
    """zlib decoder that never produces more than the room it is given."""

    def __init__(self, encoding: str) -> None:
        self._deflate = encoding == "deflate"
        wbits = zlib.MAX_WBITS if self._deflate else 16 + zlib.MAX_WBITS
        self._z = zlib.decompressobj(wbits)
        self._started = False

    def _inflate(self, data: bytes, room: int) -> bytes:
        # max_length=room+1: reaching it means the limit is passed (0 would mean unbounded).
        out = self._z.decompress(data, room + 1)
        if len(out) > room or self._z.unconsumed_tail:
            raise _Overflow
        return out

    def decode(self, data: bytes, room: int) -> bytes:
        try:
            first, self._started = not self._started, True
            try:
                return self._inflate(data, room)
            except zlib.error:
                if not (self._deflate and first):
                    raise
                # Some servers send raw deflate without the zlib header.
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                return self._inflate(data, room)
        except zlib.error as exc:
            raise OutboundHTTPError("Could not decode the response body", retryable=False) from exc

    def flush(self, room: int) -> bytes:
        out = self._z.flush()
        if len(out) > room:
            raise _Overflow
        return out


def _inflater_for(content_encoding: str | None) -> _Inflater | None:
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip().lower()]
    codings = [c for c in codings if c != "identity"]
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflater("deflate" if codings[0] == "deflate" else "gzip")
    return None


def content_is_decoded(content_encoding: str | None) -> bool:
    """Whether `read_limited` decodes a body with this Content-Encoding."""
    return _inflater_for(content_encoding) is not None


async def read_limited(
    chunks: AsyncIterable[bytes], *, limit: int, content_encoding: str | None = None
) -> bytes:
    """Collect `chunks`, inflating gzip/deflate; raise ResponseTooLarge past `limit`."""
    inflater = _inflater_for(content_encoding)
    body = bytearray()
    wire = 0
    try:
        async for chunk in chunks:
            wire += len(chunk)
            if wire > limit:
                raise _too_large(limit)
            body += inflater.decode(chunk, limit - len(body)) if inflater else chunk
            if len(body) > limit:
                raise _too_large(limit)
        if inflater is not None:
            body += inflater.flush(limit - len(body))
    except _Overflow:
        raise _too_large(limit) from None
    return bytes(body)
