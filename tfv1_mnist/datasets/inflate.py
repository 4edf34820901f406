"""Bounded gzip inflation: never more bytes than a header promises.

A gzip stream is inflated only as far as the caller asks (``gunzip_head``:
the header's first bytes; ``gunzip_exact``: exactly the size the header
declares), so a gzip bomb is refused before it is allocated.  Used by the IDX
reader.
"""

from __future__ import annotations

import zlib

from tfv1_mnist.errors import DataError

__all__ = ["gunzip_head", "gunzip_exact"]


def gunzip_head(data: memoryview, n: int, where: str) -> bytes:
    """Inflates at most the first ``n`` bytes, feeding the input in small pieces.

    Small pieces, because zlib copies the input it has not used (all of it,
    for a big file) into ``unconsumed_tail``.
    """
    obj = zlib.decompressobj(wbits=31)
    out = b""
    pos = 0
    tail = b""
    try:
        while len(out) < n and (tail or pos < len(data)):
            piece = tail + bytes(data[pos:pos + 4096])
            pos += 4096
            out += obj.decompress(piece, n - len(out))
            tail = obj.unconsumed_tail
            if obj.eof:
                break
    except zlib.error as err:
        raise DataError(f"{where}: not a valid gzip file ({err}); fetch the file again") from None
    return out


def gunzip_exact(data: memoryview, total: int, where: str) -> bytes:
    """Inflates a whole gzip stream that must hold exactly ``total`` bytes.

    Never produces more than ``total + 1`` bytes, whatever the stream holds
    (a gzip bomb is cut short and refused), and checks the end marker and CRC.
    """
    obj = zlib.decompressobj(wbits=31)
    try:
        out = obj.decompress(data, total)
        parts = [out]
        have = len(out)
        while have < total and obj.eof and obj.unused_data[:2] == b"\x1f\x8b":
            # Concatenated gzip members (as `cat a.gz b.gz` makes): go on.
            rest = obj.unused_data
            obj = zlib.decompressobj(wbits=31)
            parts.append(obj.decompress(rest, total - have))
            have += len(parts[-1])
        if have < total:
            raise DataError(
                f"{where}: truncated: its header promises {total} bytes but the gzip stream holds "
                f"{have}; fetch the file again"
            )
        if obj.decompress(obj.unconsumed_tail, 1):
            raise DataError(
                f"{where}: holds more data than its header's counts say; the file is corrupt or not "
                "MNIST; fetch it again"
            )
        if not obj.eof:
            raise DataError(f"{where}: truncated gzip stream (no end marker); fetch the file again")
        trailing = obj.unused_data
        if trailing.strip(b"\0"):
            if trailing[:2] == b"\x1f\x8b" and zlib.decompressobj(wbits=31).decompress(trailing, 1):
                raise DataError(
                    f"{where}: holds more data than its header's counts say (a further gzip member); "
                    "the file is corrupt or not MNIST; fetch it again"
                )
            raise DataError(f"{where}: unexpected bytes after the gzip stream; fetch the file again")
    except zlib.error as err:
        raise DataError(f"{where}: corrupt gzip data ({err}); fetch the file again") from None
    return parts[0] if len(parts) == 1 else b"".join(parts)
