"""MinHash signatures and LSH band keys: small, deterministic, no dependency.

A shingle is hashed once (blake2b, 64 bits) and then permuted by 64 fixed
universal hash functions (a*x + b mod the Mersenne prime 2**61 - 1) whose
coefficients come from a seeded generator, so signatures computed on any
machine, in any process, compare equal. The fraction of equal positions in two
signatures estimates the Jaccard similarity of the two shingle sets. Band keys
(16 bands of 4 rows) make documents with Jaccard above about 0.5 likely to share
a key, which is how candidates are found through an index instead of by
comparing every pair. Winnowing (`winnow`) picks anchors from the shingles in reading
order so that a short excerpt shares anchors with the long text it comes from, which band
keys (built for texts of similar size) do not promise.
"""
from __future__ import annotations

import hashlib
import random
import struct
from collections.abc import Iterable, Sequence

PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
PRIME = (1 << 61) - 1
EMPTY = PRIME  # the signature value of an empty set: equal to nothing real

_generator = random.Random(0x5713_7A7C)  # fixed seed: signatures must be reproducible
_COEFFICIENTS = tuple(
    (_generator.randrange(1, PRIME), _generator.randrange(0, PRIME)) for _ in range(PERMUTATIONS)
)


def hash_text(text: str) -> int:
    """A 61-bit hash of `text`, stable across processes (unlike `hash`)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % PRIME


def shingles(tokens: Sequence[str], size: int) -> set[int]:
    """Hashes of every run of `size` consecutive tokens (one run when there are fewer tokens)."""
    if not tokens:
        return set()
    if len(tokens) <= size:
        return {hash_text(" ".join(tokens))}
    return {hash_text(" ".join(tokens[i:i + size])) for i in range(len(tokens) - size + 1)}


def ordered_shingles(tokens: Sequence[str], size: int) -> list[int]:
    """Hashes of the runs of `size` consecutive tokens, in reading order (one run when fewer)."""
    if not tokens:
        return []
    if len(tokens) <= size:
        return [hash_text(" ".join(tokens))]
    return [hash_text(" ".join(tokens[i:i + size])) for i in range(len(tokens) - size + 1)]


def winnow(hashes: Sequence[int], window: int) -> set[int]:
    """The smallest hash of every `window` consecutive hashes (winnowing, Schleimer et al.
    2003): a sample of about 2 / (window + 1) of them that two texts sharing any run of
    `window` hashes are certain to share, whatever the rest of the two texts."""
    if len(hashes) <= window:
        return {min(hashes)} if hashes else set()
    return {min(hashes[i:i + window]) for i in range(len(hashes) - window + 1)}


def signature(hashes: Iterable[int]) -> tuple[int, ...]:
    """The MinHash signature (PERMUTATIONS values) of a set of shingle hashes."""
    values = list(hashes)
    if not values:
        return (EMPTY,) * PERMUTATIONS
    return tuple(min((a * x + b) % PRIME for x in values) for a, b in _COEFFICIENTS)


def similarity(first: Sequence[int], second: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the sets behind two signatures (0 when either is empty)."""
    if len(first) != len(second) or not first:
        raise ValueError("signatures must have the same, non-zero length")
    if first[0] == EMPTY and all(v == EMPTY for v in first):
        return 0.0
    if second[0] == EMPTY and all(v == EMPTY for v in second):
        return 0.0
    return sum(a == b for a, b in zip(first, second, strict=True)) / len(first)


def band_keys(sig: Sequence[int]) -> list[int]:
    """One key per band of the signature (signed 63-bit, to fit a PostgreSQL bigint)."""
    if all(v == EMPTY for v in sig):
        return []
    keys = []
    for band in range(BANDS):
        rows = sig[band * ROWS:(band + 1) * ROWS]
        packed = struct.pack(f">H{ROWS}Q", band, *rows)
        digest = hashlib.blake2b(packed, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True) >> 1)
    return keys
