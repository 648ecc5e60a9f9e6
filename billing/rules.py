"""Pure billing rules (no Django import): invoice periods, VAT split of TTC amounts, the
"soit N LRAR" count of the purchase page, HMAC signatures of payment notifications."""

from __future__ import annotations

import hashlib
import hmac
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def vat_split(including_tax: Decimal, rate_percent: Decimal) -> tuple[Decimal, Decimal]:
    """Split a TTC amount into (HT, TVA), rounded to the cent; HT + TVA == TTC exactly."""
    excluding = (including_tax * 100 / (100 + rate_percent)).quantize(CENT, rounding=ROUND_HALF_UP)
    return excluding, including_tax - excluding


def letters_affordable(available: Decimal, unit_price: Decimal) -> int:
    """How many letters at ``unit_price`` the credit pays for (0 when nothing is available)."""
    if unit_price <= 0 or available <= 0:
        return 0
    return int(available // unit_price)


def signature_of(payload: bytes, secret: bytes) -> str:
    """HMAC-SHA256 of the payload, hex encoded."""
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()


def signature_matches(payload: bytes, signature: str, secret: bytes) -> bool:
    """Constant-time comparison of a received signature with the expected one."""
    expected = signature_of(payload, secret).encode("ascii")
    return hmac.compare_digest(expected, signature.strip().lower().encode("utf-8"))
