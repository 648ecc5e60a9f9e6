"""Office documents (Word, Excel, PowerPoint, LibreOffice) converted to PDF by LibreOffice.

Each call runs ``soffice --headless --convert-to pdf`` in a subprocess of its own:
- in a temporary folder of its own holding the input, the output, LibreOffice's user profile
  (``-env:UserInstallation=file://…``: two LibreOffice processes sharing a profile would hand
  the second conversion to the first process, or fail on the profile's lock) and its HOME and
  TMPDIR; the folder is removed whatever happens;
- in a new session (``start_new_session=True``): LibreOffice starts ``oosplash`` which starts
  ``soffice.bin``; on timeout, or if the caller is interrupted (a Celery soft time limit), the
  whole process group is killed, so nothing survives the call.
The PDF is then normalised like an uploaded PDF (``pdf_prepare``): pages of other sizes (US
Letter, A3 spreadsheets) are fitted to A4.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path

from .kinds import OFFICE_FORMATS
from .pdf import pdf_prepare
from .values import ProcessedPdf, refuse

logger = logging.getLogger(__name__)

EXTENSIONS = {extension for _label, extension in OFFICE_FORMATS.values()} | {"dot", "dotx", "xlt", "xltx", "pot", "potx"}
EMPTY_FILE = "Le fichier est vide."
UNAVAILABLE = ("La conversion des documents Word, Excel, PowerPoint et LibreOffice est momentanément indisponible : "
               "enregistrez votre document en PDF puis ajoutez le PDF.")
PASSWORD = ("Ce document est protégé par un mot de passe : enregistrez-le sans protection puis ajoutez-le de "
            "nouveau.")
OLE2_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
FAILED = ("La conversion du document en PDF a échoué : il est peut-être endommagé ou protégé par un mot de passe. "
          "Enregistrez-le en PDF puis ajoutez le PDF.")


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def input_name(filename: str) -> str:
    """``document.<extension>``: LibreOffice reads the type from the content, the extension helps;
    the user's file name never reaches the command line."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"document.{extension}" if re.fullmatch(r"[a-z]{3,4}", extension) and extension in EXTENSIONS else "document"


def password_protected(content: bytes) -> bool:
    """A password-protected Word/Excel/PowerPoint 2007+ file is an OLE2 container holding an
    ``EncryptedPackage`` stream (MS-OFFCRYPTO); a protected OpenDocument file declares
    ``<manifest:encryption-data>`` in its manifest. (LibreOffice would only say it cannot load
    them; a protected legacy .doc/.xls gets the general conversion message.)"""
    if content.startswith(OLE2_SIGNATURE):
        return "EncryptedPackage".encode("utf-16-le") in content
    if content.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                manifest = archive.getinfo("META-INF/manifest.xml")
                if manifest.file_size > 1_000_000:
                    return False
                return b"encryption-data" in archive.read(manifest)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
            return False
    return False


def soffice_command(soffice: str, *, source: Path, outdir: Path, profile: Path) -> list[str]:
    return [
        soffice, f"-env:UserInstallation={profile.as_uri()}",
        "--headless", "--invisible", "--nologo", "--nodefault", "--nolockcheck", "--norestore",
        "--convert-to", "pdf", "--outdir", str(outdir), str(source),
    ]


def process_group_kill(process: subprocess.Popen) -> None:
    """Kill the process's whole group (its session: started with ``start_new_session``)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already gone
        os.killpg(process.pid, signal.SIGKILL)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # SIGKILL cannot be ignored: only a process stuck in the kernel
        logger.error("LibreOffice (pid %s) survived SIGKILL", process.pid)


def office_to_pdf(content: bytes, *, filename: str, timeout: int = 120) -> ProcessedPdf:
    if not content:
        raise refuse(EMPTY_FILE)
    if password_protected(content):
        raise refuse(PASSWORD)
    soffice = soffice_path()
    if soffice is None:
        logger.error("LibreOffice (soffice) is not installed: office documents cannot be converted")
        raise refuse(UNAVAILABLE)
    with tempfile.TemporaryDirectory(prefix="courrier-office-", ignore_cleanup_errors=True) as folder:
        work = Path(folder)
        source = work / input_name(filename)
        source.write_bytes(content)
        outdir, profile, home = work / "out", work / "profile", work / "home"
        home.mkdir()
        env = {**os.environ, "HOME": str(home), "TMPDIR": str(work), "SAL_USE_VCLPLUGIN": "svp"}
        process = subprocess.Popen(
            soffice_command(soffice, source=source, outdir=outdir, profile=profile),
            cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process_group_kill(process)
            logger.warning("LibreOffice timed out after %s s on %s", timeout, source.name)
            raise refuse(f"La conversion du document a dépassé le délai de {timeout} secondes : enregistrez-le "
                         "en PDF puis ajoutez le PDF.")
        finally:
            # Whatever happened (success, timeout, the caller interrupted): nothing of the group survives.
            process_group_kill(process)
        converted = outdir / (source.stem + ".pdf")
        if process.returncode != 0 or not converted.is_file() or converted.stat().st_size == 0:
            logger.warning("LibreOffice could not convert %s (exit %s): %s", source.name, process.returncode,
                           stderr.decode(errors="replace")[-500:])
            raise refuse(FAILED)
        pdf = converted.read_bytes()
    return pdf_prepare(pdf)
