"""The shapes the document pipeline returns, its page geometry and its one error helper."""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.errors import ApplicationError

POINTS_PER_MM = 72 / 25.4
A4_MM = (210, 297)
A4_POINTS = (A4_MM[0] * POINTS_PER_MM, A4_MM[1] * POINTS_PER_MM)
# A page within this many points (~1 mm) of A4 is A4 (rounding of 595.28 x 841.89 varies by producer).
A4_TOLERANCE_POINTS = 3.0

FIELD = "documents"
POSTAL_CODE = re.compile(r"^\d{5}$")
ADDRESS_LINE_MAX_CHARS = 38  # AFNOR XP Z10-011: 38 characters per line, at most 6 lines
ADDRESS_LINES_MAX = 4


@dataclass(frozen=True)
class WindowArea:
    """A rectangle of an A4 portrait page in millimetres from its top-left corner."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


# The window of the DL envelopes the letters are posted in (SPEC §6): the one named constant.
WINDOW_MM = WindowArea(x0=100, y0=45, x1=200, y1=95)

# The QR code carrying the envelope number sits at the top of the window, above the first
# line of the recipient's address (seed 001 §8.3); a first line must start below QR_BOTTOM_MM.
QR_SIZE_MM = 9.0
QR_LEFT_MM = WINDOW_MM.x0 + 5
QR_TOP_MM = WINDOW_MM.y0 + 1.5
ADDRESS_MIN_TOP_MM = QR_TOP_MM + QR_SIZE_MM + 0.5


@dataclass(frozen=True)
class ProcessedPdf:
    """A normalised PDF: every page A4, portrait or landscape, as it will be printed."""

    pdf: bytes
    pages: int


@dataclass(frozen=True)
class PostalAddress:
    name: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str

    @property
    def lines(self) -> tuple[str, ...]:
        return (self.name, *self.address_lines, f"{self.postal_code} {self.city}")


@dataclass(frozen=True)
class DetectedAddress:
    """An address read in the window of page 1, top to bottom (2 to 6 lines)."""

    lines: tuple[str, ...]
    name: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str
    first_line_top_mm: float  # top of the first line, from the top of the page
    source: str  # "text" (text layer) or "ocr" (Tesseract, French)

    def as_postal_address(self) -> PostalAddress:
        return PostalAddress(name=self.name, address_lines=self.address_lines,
                             postal_code=self.postal_code, city=self.city)


def refuse(message: str) -> ApplicationError:
    return ApplicationError(message, field=FIELD)


def postal_address_check(address: PostalAddress, *, field: str = "recipient") -> None:
    """Refuse an address that would not fit the window: name, 1 to 4 lines of at most 38
    characters, a 5-digit postal code and a city."""
    if not address.name.strip():
        raise ApplicationError("Indiquez le nom et prénom ou l'entreprise du destinataire.", field=field)
    lines = [line for line in address.address_lines if line.strip()]
    if not 1 <= len(lines) <= ADDRESS_LINES_MAX:
        raise ApplicationError(f"L'adresse compte de 1 à {ADDRESS_LINES_MAX} lignes.", field=field)
    for line in (address.name, *lines, address.city):
        if len(line.strip()) > ADDRESS_LINE_MAX_CHARS:
            raise ApplicationError(
                f"« {line.strip()} » dépasse {ADDRESS_LINE_MAX_CHARS} caractères : l'adresse ne tiendrait pas "
                "dans la fenêtre de l'enveloppe.", field=field)
    if not POSTAL_CODE.match(address.postal_code.strip()):
        raise ApplicationError("Le code postal compte 5 chiffres.", field=field)
    if not address.city.strip():
        raise ApplicationError("Indiquez la ville du destinataire.", field=field)
