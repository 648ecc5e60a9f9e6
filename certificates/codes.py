"""Verification codes of certificates: 80 random bits (``secrets``) written as 16 characters of
Crockford's base 32 in four groups (``7K3M-Q9TZ-2B8D-XW4N``): no I, L, O or U to misread, and
what a reader types is read leniently (lower case, O for 0, I or L for 1, spaces or no dashes).

Only the SHA-256 of the canonical form is stored. ``code_hash`` hashes whatever it is given, a
well-formed code or not, so a lookup costs the same for a malformed, an unknown and a real code.
"""

from __future__ import annotations

import hashlib
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
LENGTH = 16  # × 5 bits = 80 bits
GROUP = 4
MAX_INPUT = 64  # what a path or a form may hand over; longer is cut before hashing (never matches)
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})
_CANONICAL = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def code_new() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def canonical(text: str) -> str:
    """The code as stored (hashed): upper case, the lenient readings applied, no separators."""
    return str(text)[:MAX_INPUT].upper().translate(_READ_AS)


def is_well_formed(text: str) -> bool:
    return bool(_CANONICAL.match(canonical(text)))


def code_hash(text: str) -> str:
    return hashlib.sha256(canonical(text).encode("utf-8", "replace")).hexdigest()
