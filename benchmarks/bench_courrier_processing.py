"""Courrier papier, document processing (``courrier.processing``):

1. office conversion: ``office_to_pdf`` (its own temporary LibreOffice profile, process group,
   A4 normalisation) against LibreOffice alone on the same file (``soffice --headless
   --convert-to pdf`` with a warm profile); target ≤ 1.2×. LibreOffice alone with a fresh profile
   per call is shown too; wall and CPU time (CPU is what a loaded machine does not blur);
2. address detection per page: text layer, and Tesseract OCR of a scanned page;
3. the print-ready PDF of a full envelope (95 sheets in duplex: 190 pages) with its QR code.
Medians of alternated runs (the machine is shared)."""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

OFFICE_RUNS = 5
TEXT_RUNS = 50
OCR_RUNS = 3
RATIO_TARGET = 1.2
TEXT_TARGET_MS = 50
OCR_TARGET_MS = 3000
PRINT_TARGET_MS = 3000


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(function, *args, **kwargs) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the processes it started and waited for)."""
    cpu, started = children_cpu(), time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started, children_cpu() - cpu


def soffice_alone(soffice: str, source: Path, profile: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-soffice-") as outdir:
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                        "--outdir", outdir, str(source)], check=True, capture_output=True, timeout=300)
        assert any(Path(outdir).glob("*.pdf")), "LibreOffice alone produced no PDF"


def run(report) -> None:
    from courrier import processing
    from tests.courrier.fixtures.documents import docx_bytes, letter_pdf, pdf_pages, scanned_page_png, xlsx_bytes

    soffice = processing.office.soffice_path()
    if soffice is None:
        raise RuntimeError("LibreOffice is missing: make system-deps")
    files = {
        "Word, 120 paragraphs": ("lettre.docx", docx_bytes(
            [f"Paragraphe {n} : nous vous prions de trouver ci-joint les pièces du dossier." * 3 for n in range(120)])),
        "Excel, 300 rows": ("cotisations.xlsx", xlsx_bytes(
            [["Police", "Sociétaire", "Montant"]] + [[f"01{n:05d}", f"Sociétaire {n}", n * 10] for n in range(300)])),
    }
    with tempfile.TemporaryDirectory(prefix="bench-courrier-") as folder:
        work = Path(folder)
        warm_profile = work / "warm-profile"
        for label, (name, content) in files.items():
            source = work / name
            source.write_bytes(content)
            soffice_alone(soffice, source, warm_profile)  # warm-up: the profile is created once
            ours, alone_warm, alone_fresh = [], [], []
            for run_index in range(OFFICE_RUNS):
                alone_warm.append(timed(soffice_alone, soffice, source, warm_profile))
                fresh = work / f"fresh-{run_index}"
                alone_fresh.append(timed(soffice_alone, soffice, source, fresh))
                shutil.rmtree(fresh, ignore_errors=True)
                ours.append(timed(processing.office_to_pdf, content, filename=name))
            converted = processing.office_to_pdf(content, filename=name)

            def median_ms(timings: list[tuple[float, float]], which: int) -> float:
                return statistics.median(timing[which] for timing in timings) * 1000

            warm, fresh_wall, ours_wall = (median_ms(v, 0) for v in (alone_warm, alone_fresh, ours))
            warm_cpu, fresh_cpu, ours_cpu = (median_ms(v, 1) for v in (alone_warm, alone_fresh, ours))
            report(f"{label} ({converted.pages} pages): LibreOffice alone, warm profile (median of {OFFICE_RUNS})",
                   warm, "ms")
            report(f"{label}: LibreOffice alone, fresh profile per call", fresh_wall, "ms")
            report(f"{label}: office_to_pdf (own seeded profile, process group, A4)", ours_wall, "ms")
            report(f"{label}: ratio office_to_pdf / LibreOffice alone (wall)", ours_wall / warm, "×",
                   limit=RATIO_TARGET, limit_label="target")
            # CPU time of the LibreOffice processes: what the wall times mean on a loaded machine.
            report(f"{label}: CPU of LibreOffice alone, warm profile", warm_cpu, "ms")
            report(f"{label}: CPU of LibreOffice alone, fresh profile", fresh_cpu, "ms")
            report(f"{label}: CPU of office_to_pdf", ours_cpu, "ms",
                   limit=RATIO_TARGET * warm_cpu, limit_label=f"{RATIO_TARGET}× LibreOffice alone")

    text_letter = processing.pdf_prepare(letter_pdf()).pdf
    processing.address_detect(text_letter)
    timings = []
    for _ in range(TEXT_RUNS):
        started = time.perf_counter()
        found = processing.address_detect(text_letter)
        timings.append((time.perf_counter() - started) * 1000)
    assert found is not None and found.source == "text"
    report(f"address detection, text layer: one page (median of {TEXT_RUNS})", statistics.median(timings), "ms",
           limit=TEXT_TARGET_MS, limit_label="target")

    scanned = processing.image_to_pdf(scanned_page_png(), content_type="image/png").pdf
    timings = []
    for _ in range(OCR_RUNS):
        started = time.perf_counter()
        found = processing.address_detect(scanned)
        timings.append((time.perf_counter() - started) * 1000)
    assert found is not None and found.source == "ocr", found
    report(f"address detection, Tesseract OCR of a 300 dpi scan: one page (median of {OCR_RUNS})",
           statistics.median(timings), "ms", limit=OCR_TARGET_MS, limit_label="target")

    address_page = processing.address_page_pdf(
        recipient=processing.PostalAddress("SARL DUPOND", ("1 RUE DES FLEURS",), "38000", "GRENOBLE"),
        sender=None, letterhead_lines=["Cabinet Un SARL"])
    a4 = (595.28, 841.89)
    document = pdf_pages(*[{"size": a4, "texts": [(72, 700, 12, f"Page {n}")]} for n in range(187)])
    started = time.perf_counter()
    printed = processing.print_pdf(parts=[address_page, document], envelope_number="CP-2026-000001", duplex=True)
    elapsed = (time.perf_counter() - started) * 1000
    assert printed.pages == 190
    report("print_pdf: address page + 187 pages in duplex (95 sheets, 190 pages)", elapsed, "ms",
           limit=PRINT_TARGET_MS, limit_label="target")
    started = time.perf_counter()
    images = processing.page_images(printed.pdf, width_px=600, max_pages=10)
    report("page_images: 10 pages at 600 px", (time.perf_counter() - started) * 1000, "ms")
    assert len(images) == 10
