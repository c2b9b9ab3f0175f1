"""What a document really is, read from its content, never from its name (pure: no
Django): PDF, PNG and JPEG by their signatures (puremagic), XLSX as an Office Open XML
workbook, CSV as text."""

import csv
import io
import zipfile

import puremagic

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED = (PDF, PNG, JPEG, CSV, XLSX)
MAX_SIZE = 10 * 1024 * 1024  # 10 MB
SIGNED = {PDF, PNG, JPEG}


def content_type(data: bytes) -> str | None:
    """The accepted type `data` is, or None."""
    if not data:
        return None
    if data.startswith(b"PK\x03\x04"):
        return XLSX if _is_workbook(data) else None
    try:
        found = puremagic.from_string(data, mime=True)
    except puremagic.PureError:
        found = None
    if found in SIGNED:
        return found
    return CSV if _is_csv(data) else None


def _is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def _is_csv(data: bytes) -> bool:
    """UTF-8 text without control characters other than tabs and line ends, which the
    csv module reads."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if any(ord(char) < 32 and char not in "\t\r\n" for char in text):
        return False
    if text.lstrip().startswith(("<", "%!", "#!")):  # markup or a script, not a table
        return False
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        return False
    return bool(rows)
