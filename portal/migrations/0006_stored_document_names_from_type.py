"""Stored documents: the name becomes ``<safe base name>.<extension of the stored type>`` (the
rule of ``portal.uploads.stored_name``, frozen here), and the generic OLE types that were once
accepted as Excel get the Excel type. Files on disk are not renamed: rows point to them as before."""

import re
import unicodedata

from django.db import migrations

EXTENSIONS = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/tiff": "tif",
    "image/gif": "gif",
}
LEGACY_EXCEL = {"application/x-ole-storage": "application/vnd.ms-excel", "application/CDFV2": "application/vnd.ms-excel"}


def _stored_name(name: str, content_type: str) -> str:
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    stem = re.sub(r"[^\w\- ]+", "_", stem)
    stem = re.sub(r"\s*_[\s_]*", "_", re.sub(r"\s+", " ", stem)).strip(" _-")[:100].strip(" _-")
    return f"{stem or 'document'}.{EXTENSIONS.get(content_type, 'bin')}"


def forwards(apps, schema_editor):
    StoredDocument = apps.get_model("portal", "StoredDocument")
    changed = []
    for document in StoredDocument.objects.only("id", "original_name", "content_type").iterator(chunk_size=2000):
        content_type = LEGACY_EXCEL.get(document.content_type, document.content_type)
        name = _stored_name(document.original_name, content_type)
        if (name, content_type) != (document.original_name, document.content_type):
            document.original_name, document.content_type = name, content_type
            changed.append(document)
        if len(changed) >= 2000:
            StoredDocument.objects.bulk_update(changed, ["original_name", "content_type"])
            changed = []
    StoredDocument.objects.bulk_update(changed, ["original_name", "content_type"])


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_outbox_personal_link")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
