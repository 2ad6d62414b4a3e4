"""Crypto-shredding of a person's contact details (issue 13): pure seal and open, no I/O.

Identity events stay in the IDENTITY stream for 400 days. Their email, full name and phone
travel sealed with AES-256-GCM (NIST SP 800-38D, through the `cryptography` library) under a
per-person key that the gateway keeps and destroys when the person asks for erasure
(PDPL 91/2025): from then on the copies in the stream, the dead letters and any backup are
noise. The person's id is the associated data, so a sealed blob moved onto another person's
event fails to open.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from hashlib import sha256

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import ValidationError

from shared.contracts.events.identity import Contact, SealedContact

#: Bytes of a key: AES-256.
KEY_BYTES = 32
#: Bytes of a GCM nonce: the 96 bits SP 800-38D recommends; random per seal (a key seals
#: at most a few thousand profile changes in its life, far below the 2^32 random-nonce bound).
NONCE_BYTES = 12


class SealBroken(ValueError):
    """A sealed contact that does not open with the key and person given: another person's
    blob, a tampered ciphertext, a wrong key, or a payload that is not a contact."""


def new_key() -> bytes:
    """A fresh random 256-bit key from the operating system's CSPRNG."""
    return AESGCM.generate_key(bit_length=256)


def key_id(key: bytes) -> str:
    """A short public name of a key (not secret, not reversible): the first 8 bytes of
    its SHA-256, hex. Lets a reader tell a rotated key from the one it cached."""
    return sha256(b"innohub-person-key:" + key).hexdigest()[:16]


def seal(key: bytes, user_id: str, contact: Contact) -> SealedContact:
    """`contact` as JSON, encrypted and authenticated under `key` with `user_id` as
    associated data. Raises `ValueError` for a key that is not 32 bytes."""
    if len(key) != KEY_BYTES:
        raise ValueError("a person key is 32 bytes")
    nonce = os.urandom(NONCE_BYTES)
    plaintext = contact.model_dump_json(exclude_none=True).encode()
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, user_id.encode())
    return SealedContact(
        key_id=key_id(key),
        nonce=base64.b64encode(nonce).decode(),
        ciphertext=base64.b64encode(ciphertext).decode(),
    )


def open_sealed(key: bytes, user_id: str, sealed: SealedContact) -> Contact:
    """The contact inside `sealed`. Raises `SealBroken` when the key, the person or the
    ciphertext do not match (GCM's tag fails), or the payload is not a contact."""
    try:
        nonce = base64.b64decode(sealed.nonce, validate=True)
        ciphertext = base64.b64decode(sealed.ciphertext, validate=True)
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, user_id.encode())
        return Contact.model_validate(json.loads(plaintext))
    except (InvalidTag, binascii.Error, ValueError, ValidationError) as exc:
        raise SealBroken("the sealed contact does not open for this person") from exc


def encode_key(key: bytes) -> str:
    """A key as base64 text, for the one RPC that carries it."""
    return base64.b64encode(key).decode()


def decode_key(text: str) -> bytes:
    """A key from its base64 text. Raises `ValueError` unless it is 32 bytes."""
    key = base64.b64decode(text, validate=True)
    if len(key) != KEY_BYTES:
        raise ValueError("a person key is 32 bytes")
    return key
