"""Files of the default storage (local disk, or an S3-compatible bucket: README, "Several machines").

Code reads and writes stored files through the storage API only (``FieldFile.open``,
``portal.pdf.document_bytes``), never through a local path: on a bucket there is none. Work that
needs a file on disk (LibreOffice) writes the bytes to a temporary folder of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from itertools import batched

from django.core.files.storage import Storage, storages

logger = logging.getLogger(__name__)

# S3's DeleteObjects takes at most 1 000 keys a request.
S3_DELETE_BATCH = 1000


def files_delete(names: Iterable[str], *, storage: Storage | None = None) -> int:
    """Delete stored files by name (a missing one is not an error); returns how many were asked.

    On a bucket, 1 000 names a request (a nightly purge of 300 000 files makes 300 requests,
    not 300 000); on the local disk, one by one."""
    storage = storage or storages["default"]
    names = [name for name in names if name]
    if not names:
        return 0
    if not type(storage).__module__.startswith("storages.backends.s3"):  # no boto3 import for the disk
        for name in names:
            storage.delete(name)
        return len(names)
    from storages.utils import clean_name

    keys = [storage._normalize_name(clean_name(name)) for name in names]
    for chunk in batched(keys, S3_DELETE_BATCH):
        answer = storage.bucket.delete_objects(Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True})
        errors = answer.get("Errors") or []
        if errors:
            # Codes only: file names may carry what a user typed.
            logger.error("storage: %d of %d files not deleted (%s)", len(errors), len(chunk),
                         ", ".join(sorted({error.get("Code", "?") for error in errors})))
    return len(names)
