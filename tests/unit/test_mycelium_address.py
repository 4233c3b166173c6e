"""The node address mycelium derives from a public key, checked without the blake3 package.

A BLAKE3 reference for inputs of at most one block (64 bytes) is written out here from
the BLAKE3 specification, so the production code (which uses the ``blake3`` package)
is not checked against itself.
"""

from __future__ import annotations

import ipaddress
import os
import struct

import pytest

from hero_assistance.adapters.mycelium import derive_node_address, is_overlay_address

VECTOR_KEY = "abd16194646defe7ad2318a0f0a69eb2e3fe939c3b0b51cf0bb88bb8028ecd1d"
VECTOR_ADDRESS = "597:d890:a254:dd45:2bc6:9a47:40d5:ed83"

_IV = (0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
       0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19)
_PERMUTATION = (2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8)
_CHUNK_START, _CHUNK_END, _ROOT = 1, 2, 8
_MASK = 0xFFFFFFFF


def _rotr(word: int, bits: int) -> int:
    return ((word >> bits) | (word << (32 - bits))) & _MASK


def _g(s: list[int], lanes: tuple[int, int, int, int], x: int, y: int) -> None:
    a, b, c, d = lanes
    s[a] = (s[a] + s[b] + x) & _MASK
    s[d] = _rotr(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & _MASK
    s[b] = _rotr(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b] + y) & _MASK
    s[d] = _rotr(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & _MASK
    s[b] = _rotr(s[b] ^ s[c], 7)


def _compress(words: list[int], block_len: int, flags: int) -> bytes:
    state = [*_IV, *_IV[:4], 0, 0, block_len, flags]  # chaining value = key = IV, counter 0
    m = list(words)
    for round_number in range(7):
        _g(state, (0, 4, 8, 12), m[0], m[1])
        _g(state, (1, 5, 9, 13), m[2], m[3])
        _g(state, (2, 6, 10, 14), m[4], m[5])
        _g(state, (3, 7, 11, 15), m[6], m[7])
        _g(state, (0, 5, 10, 15), m[8], m[9])
        _g(state, (1, 6, 11, 12), m[10], m[11])
        _g(state, (2, 7, 8, 13), m[12], m[13])
        _g(state, (3, 4, 9, 14), m[14], m[15])
        if round_number < 6:
            m = [m[i] for i in _PERMUTATION]
    out = [state[i] ^ state[i + 8] for i in range(8)] + [state[i + 8] ^ _IV[i] for i in range(8)]
    return struct.pack("<16I", *out)


def blake3_reference(data: bytes, length: int) -> bytes:
    """BLAKE3 of at most 64 bytes: one chunk of one block, root output of up to 64 bytes."""
    assert len(data) <= 64
    assert length <= 64
    words = list(struct.unpack("<16I", data.ljust(64, b"\0")))
    return _compress(words, len(data), _CHUNK_START | _CHUNK_END | _ROOT)[:length]


def reference_address(public_key: bytes) -> ipaddress.IPv6Address:
    """The derivation of DESIGN section 3, on the reference hash."""
    raw = bytearray(blake3_reference(public_key, 16))
    raw[0] = 0x04 | (bin(raw[0]).count("1") % 2)
    return ipaddress.IPv6Address(bytes(raw))


def test_the_reference_hash_matches_the_published_empty_input_vector() -> None:
    # From the BLAKE3 paper and test_vectors.json: BLAKE3 of the empty input.
    assert blake3_reference(b"", 32).hex() == (
        "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262")


def test_the_design_vector_holds_for_the_reference_and_the_adapter() -> None:
    key = bytes.fromhex(VECTOR_KEY)
    assert str(reference_address(key)) == VECTOR_ADDRESS
    assert str(derive_node_address(key)) == VECTOR_ADDRESS


def test_the_adapter_agrees_with_the_reference_on_random_keys() -> None:
    for _ in range(200):
        key = os.urandom(32)
        derived = derive_node_address(key)
        assert derived == reference_address(key)
        assert is_overlay_address(str(derived))
        assert derived.packed[0] in (0x04, 0x05)


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_a_key_that_is_not_32_bytes_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        derive_node_address(b"\1" * length)


@pytest.mark.parametrize(("address", "inside"), [
    ("400::", True), ("597:d890:a254:dd45:2bc6:9a47:40d5:ed83", True),
    ("5ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", True), ("3ff:ffff::1", False),
    ("600::", False), ("fd00::1", False), ("::ffff:127.0.0.1", False), ("127.0.0.1", False),
    ("4aa:1::2%veth0", True), ("not an address", False), ("", False),
])
def test_the_overlay_range_is_400_slash_7(address: str, inside: bool) -> None:
    assert is_overlay_address(address) is inside
