"""The file types a paper letter accepts (seed 001 §8.1), by content type as libmagic names them."""

from __future__ import annotations

from .values import refuse

PDF_TYPES = {"application/pdf": "PDF"}
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF", "image/gif": "GIF"}
# content type → (label, the extension LibreOffice is given the file under)
OFFICE_FORMATS = {
    "application/msword": ("Word", "doc"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("Word", "docx"),
    "application/vnd.ms-word.document.macroenabled.12": ("Word", "docm"),
    "application/rtf": ("Word", "rtf"),
    "text/rtf": ("Word", "rtf"),
    "application/vnd.ms-excel": ("Excel", "xls"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("Excel", "xlsx"),
    "application/vnd.ms-excel.sheet.macroenabled.12": ("Excel", "xlsm"),
    "application/vnd.ms-powerpoint": ("PowerPoint", "ppt"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("PowerPoint", "pptx"),
    "application/vnd.ms-powerpoint.presentation.macroenabled.12": ("PowerPoint", "pptm"),
    "application/vnd.oasis.opendocument.text": ("LibreOffice", "odt"),
    "application/vnd.oasis.opendocument.spreadsheet": ("LibreOffice", "ods"),
    "application/vnd.oasis.opendocument.presentation": ("LibreOffice", "odp"),
    "application/vnd.oasis.opendocument.graphics": ("LibreOffice", "odg"),
    # Legacy Word, Excel and PowerPoint files as some libmagic versions name them (OLE2 containers).
    "application/x-ole-storage": ("Word, Excel ou PowerPoint", "doc"),
    "application/cdfv2": ("Word, Excel ou PowerPoint", "doc"),
    # A password-protected Word/Excel/PowerPoint 2007+ file (an encrypted OLE2 container): accepted
    # here so that ``office_check`` answers that it is protected, not that its type is unknown.
    "application/encrypted": ("Word, Excel ou PowerPoint", "docx"),
}
OFFICE_TYPES = {content_type: label for content_type, (label, _extension) in OFFICE_FORMATS.items()}
# What ``portal.uploads.check_upload(allowed=…)`` is given for the documents of a letter.
ACCEPTED_TYPES = {**PDF_TYPES, **IMAGE_TYPES, **OFFICE_TYPES, "application/CDFV2": "Word, Excel ou PowerPoint"}


def kind_of(content_type: str) -> str:
    """"pdf", "image" or "office" for a content type detected on the file's content."""
    normalised = content_type.split(";", 1)[0].strip().lower()
    if normalised in PDF_TYPES:
        return "pdf"
    if normalised in IMAGE_TYPES:
        return "image"
    if normalised in OFFICE_FORMATS:
        return "office"
    raise refuse("Ce type de fichier n'est pas accepté : PDF, images PNG, JPEG, TIFF ou GIF, documents Word, "
                 "Excel, PowerPoint ou LibreOffice.")


def office_extension(content_type: str) -> str | None:
    found = OFFICE_FORMATS.get(content_type.split(";", 1)[0].strip().lower())
    return found[1] if found else None
