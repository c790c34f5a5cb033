"""The key ring on its own: token format, errors, and index values pinned."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from emarac.crypto.keyring import DecryptionError, KeyRing

KEY_1 = bytes(range(32))
KEY_2 = bytes(range(32, 64))
AAD = b"person.family_name_ct:00000000-0000-0000-0000-000000000001"


def ring(active: int = 2) -> KeyRing:
    return KeyRing({1: KEY_1, 2: KEY_2}, active)


def test_token_layout_is_format_version_nonce_then_aes_gcm():
    token = ring().encrypt(b"Marigold", AAD)
    assert token[:5] == b"\x01\x00\x00\x00\x02"
    nonce, sealed = token[5:17], token[17:]
    assert AESGCM(KEY_2).decrypt(nonce, sealed, AAD) == b"Marigold"


def test_a_token_made_by_hand_decrypts():
    # What older code wrote: the format must not drift.
    nonce = bytes(12)
    token = b"\x01\x00\x00\x00\x01" + nonce + AESGCM(KEY_1).encrypt(nonce, b"Quennell", AAD)
    assert ring().decrypt(token, AAD) == b"Quennell"


def test_encrypt_under_an_older_version_on_request():
    r = ring()
    token = r.encrypt(b"x", AAD, version=1)
    assert token[:5] == b"\x01\x00\x00\x00\x01"
    assert r.decrypt(token, AAD) == b"x"


def test_fresh_nonce_each_time():
    r = ring()
    assert r.encrypt(b"same", AAD) != r.encrypt(b"same", AAD)


def test_encrypt_many_seals_each_value_for_its_own_place_with_a_nonce_of_its_own():
    # A rotation encrypts a batch at once, the nonces read together: each
    # token must be what encrypt would make (same layout, bound to its own
    # associated data) and no two may share a nonce.
    r = ring()
    values = [(b"same", AAD), (b"same", AAD), (b"Quennell", AAD + b"2"), (b"", AAD + b"3")]
    tokens = r.encrypt_many([p for p, _ in values], [aad for _, aad in values])
    assert [r.decrypt(t, aad) for t, (_, aad) in zip(tokens, values, strict=True)] == [
        b"same",
        b"same",
        b"Quennell",
        b"",
    ]
    assert all(t[:5] == b"\x01\x00\x00\x00\x02" for t in tokens)
    assert len({t[5:17] for t in tokens}) == len(tokens)
    with pytest.raises(DecryptionError):
        r.decrypt(tokens[2], AAD)  # sealed for another place
    assert r.encrypt_many([], []) == []


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (b"", "not an eMARAC ciphertext"),
        (b"\x01\x00\x00\x00\x02" + bytes(20), "not an eMARAC ciphertext"),  # too short
        (b"\x02\x00\x00\x00\x02" + bytes(40), "not an eMARAC ciphertext"),  # other format
        (b"\x01\x00\x00\x00\x09" + bytes(40), "no data key version 9 is loaded"),
    ],
)
def test_what_is_not_a_loaded_ciphertext_is_refused_plainly(token, message):
    with pytest.raises(DecryptionError, match=message):
        ring().decrypt(token, AAD)


def test_wrong_place_or_tampering_fails():
    r = ring()
    token = r.encrypt(b"Marigold", AAD)
    with pytest.raises(DecryptionError, match="does not belong"):
        r.decrypt(token, AAD[:-1] + b"2")
    with pytest.raises(DecryptionError, match="does not belong"):
        r.decrypt(token[:-1] + bytes([token[-1] ^ 1]), AAD)


def test_counters_count_calls():
    r = ring()
    token = r.encrypt(b"a", AAD)
    r.decrypt(token, AAD)
    assert (r.encryptions, r.decryptions) == (1, 1)


@pytest.mark.parametrize("bits", [8, 13, 16, 20, 32])
def test_blind_index_value_is_hkdf_then_truncated_hmac(bits):
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"emarac-blind-index-v1", info=b"person.x"
    ).derive(KEY_1)
    digest = hmac.digest(key, b"obrien", hashlib.sha256)
    value = int.from_bytes(digest[:8], "big") >> (64 - bits)
    expected = f"1:{value:0{(bits + 3) // 4}x}"
    r = ring()
    assert r.blind(1, "person.x", "obrien", bits) == expected
    assert r.blind(1, "person.x", "obrien", bits) == expected  # cached formats agree
    assert r.blind(2, "person.x", "obrien", bits) != expected


def test_blind_index_pinned_vector():
    # Fixed inputs, fixed answer: stored indexes stay searchable.
    # (value computed by the code before the speed-up of issue 18)
    assert ring().blind(1, "person.family_name_bidx", "obrien", 16) == "1:b6fc"


@pytest.mark.parametrize("key_length", [0, 1, 32, 63, 64, 65, 200])
@pytest.mark.parametrize("message", [b"", b"obrien", "zo\u00eb".encode(), bytes(range(256)) * 3])
def test_blind_index_hmac_is_the_standard_hmac(key_length, message):
    # The blinder resumes from precomputed pad states instead of calling
    # hmac.digest: it must be the same function for any key and message.
    from emarac.crypto.keyring import _hmac_sha256

    key = bytes((7 * i + 3) % 256 for i in range(key_length))
    assert _hmac_sha256(key)(message) == hmac.digest(key, message, hashlib.sha256)
