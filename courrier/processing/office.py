"""Office documents (Word, Excel, PowerPoint, LibreOffice) converted to PDF by LibreOffice.

Each call runs ``soffice --headless --convert-to pdf`` in a subprocess of its own:
- in a temporary folder of its own holding the input, the output, LibreOffice's user profile
  (``-env:UserInstallation=file://…``: two LibreOffice processes sharing a profile would hand
  the second conversion to the first process, or fail on the profile's lock) and its HOME and
  TMPDIR; the folder is removed whatever happens;
- in a new session (``start_new_session=True``): LibreOffice starts ``oosplash`` which starts
  ``soffice.bin``; on timeout, or if the caller is interrupted (a Celery soft time limit), the
  whole process group is killed, so nothing survives the call.
The new profile starts with the few settings saying that this LibreOffice version already ran
(``profile_seed``): a conversion then costs less CPU than ``soffice --convert-to`` alone, which
redoes its first-start checks on every run.
The PDF is then normalised like an uploaded PDF (``pdf_prepare``): pages of other sizes (US
Letter, A3 spreadsheets) are fitted to A4.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
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
VERSION_TIMEOUT = 10
GROUP_EXIT_TIMEOUT = 10
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


PROFILE_SEED = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Setup/Office"><prop oor:name="ooSetupInstCompleted" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Setup/Office"><prop oor:name="LastCompatibilityCheckID" oor:op="fuse"><value>{build}</value></prop></item>
<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>{version}</value></prop></item>
</oor:items>
"""


@functools.cache
def profile_seed(soffice: str) -> str | None:
    """The settings a new profile starts with, saying that this LibreOffice version has already
    run in it: otherwise every conversion in a fresh profile (and even in a reused one) runs the
    first-start work of a new version — ~66 graphics render tests and the extension
    compatibility check — which costs more CPU than converting a letter. Read once per process
    from ``soffice --version`` ("LibreOffice 7.4.7.2 40(Build:2)"); None (no seed, slower but
    correct) if it cannot be read."""
    try:
        _returncode, output, _errors = run_in_own_session([soffice, "--version"], timeout=VERSION_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"(\d+)\.(\d+)[\d.]*\s+(\S+)", output.decode(errors="replace"))
    if found is None:
        return None
    return PROFILE_SEED.format(version=f"{found[1]}.{found[2]}", build=found[3])


def soffice_command(soffice: str, *, source: Path, outdir: Path, profile: Path) -> list[str]:
    return [
        soffice, f"-env:UserInstallation={profile.as_uri()}",
        "--headless", "--invisible", "--nologo", "--nodefault", "--nolockcheck", "--norestore",
        "--convert-to", "pdf", "--outdir", str(outdir), str(source),
    ]


def run_in_own_session(command: list[str], *, timeout: float, **options) -> tuple[int, bytes, bytes]:
    """(exit code, stdout, stderr) of a command run in a new session; on timeout (then
    ``TimeoutExpired``) or if the caller is interrupted (a Celery soft time limit), and after it
    ends anyway, its whole process group is killed: nothing it started survives the call."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, **options)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        process_group_kill(process)
    return process.returncode, stdout, stderr


def process_group_kill(process: subprocess.Popen) -> None:
    """Kill the process's whole group (its session: started with ``start_new_session``)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already gone
        os.killpg(process.pid, signal.SIGKILL)
    try:
        process.wait(timeout=GROUP_EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:  # SIGKILL cannot be ignored: only a process stuck in the kernel
        logger.error("LibreOffice (pid %s) survived SIGKILL", process.pid)
    # Its children (soffice.bin) are not ours to wait for: watch them finish dying.
    deadline = time.monotonic() + GROUP_EXIT_TIMEOUT
    while group_alive(process.pid):
        if time.monotonic() > deadline:
            logger.error("processes of group %s survived SIGKILL", process.pid)
            break
        time.sleep(0.02)


def group_alive(group: int) -> bool:
    """Whether a process of this group still runs (zombies, already dead, do not count)."""
    try:
        entries = os.scandir("/proc")
    except OSError:  # not Linux: nothing to watch
        return False
    with entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if len(fields) > 2 and int(fields[2]) == group and fields[0] not in (b"Z", b"X"):
                return True
    return False


def office_check(content: bytes) -> None:
    """The refusals that need no conversion (empty, password-protected), in a few milliseconds:
    for the request, before the file is queued for ``office_to_pdf``."""
    if not content:
        raise refuse(EMPTY_FILE)
    if password_protected(content):
        raise refuse(PASSWORD)


def office_to_pdf(content: bytes, *, filename: str, timeout: int = 120) -> ProcessedPdf:
    office_check(content)
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
        seed = profile_seed(soffice)
        if seed is not None:
            (profile / "user").mkdir(parents=True)
            (profile / "user" / "registrymodifications.xcu").write_text(seed, encoding="utf-8")
        env = {**os.environ, "HOME": str(home), "TMPDIR": str(work), "SAL_USE_VCLPLUGIN": "svp"}
        command = soffice_command(soffice, source=source, outdir=outdir, profile=profile)
        try:
            returncode, _stdout, stderr = run_in_own_session(command, timeout=timeout, cwd=work, env=env)
        except subprocess.TimeoutExpired:
            logger.warning("LibreOffice timed out after %s s on %s", timeout, source.name)
            raise refuse(f"La conversion du document a dépassé le délai de {timeout} secondes : enregistrez-le "
                         "en PDF puis ajoutez le PDF.")
        converted = outdir / (source.stem + ".pdf")
        if returncode != 0 or not converted.is_file() or converted.stat().st_size == 0:
            logger.warning("LibreOffice could not convert %s (exit %s): %s", source.name, returncode,
                           stderr.decode(errors="replace")[-500:])
            raise refuse(FAILED)
        pdf = converted.read_bytes()
    return pdf_prepare(pdf)
