"""What an uploaded file really is, and a safe name to show for it.

The type comes from the file's content (magic bytes through `puremagic`, then a look at the zip
directory for Office documents), never from its name or the browser's claimed content type.
Only the first bytes and the zip's central directory are read: the file itself is streamed to
the store afterwards.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

import puremagic

HEAD_BYTES = 8192
MAX_NAME_LENGTH = 120
MAX_ZIP_ENTRIES = 20_000
# An Office document unpacks to a few times its size; a zip bomb to thousands of times. Read from
# the archive's directory only (nothing is unpacked): what the members declare they expand to.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200


@dataclass(frozen=True)
class FileKind:
    key: str
    label: str
    content_type: str
    extensions: tuple[str, ...]

    @property
    def inline(self) -> bool:
        """Browsers may show these in a tab; everything else downloads."""
        return self.key in {"pdf", "jpeg", "png"}


KINDS: dict[str, FileKind] = {
    kind.key: kind
    for kind in [
        FileKind("pdf", "PDF", "application/pdf", ("pdf",)),
        FileKind("jpeg", "JPEG", "image/jpeg", ("jpg", "jpeg")),
        FileKind("png", "PNG", "image/png", ("png",)),
        FileKind(
            "docx",
            "DOCX",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
        ),
        FileKind(
            "pptx",
            "PPTX",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ("pptx",),
        ),
        FileKind(
            "xlsx",
            "XLSX",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ("xlsx",),
        ),
    ]
}

# The part that makes a zip an Office document of each kind.
_OFFICE_MAIN_PARTS = {
    "word/document.xml": "docx",
    "ppt/presentation.xml": "pptx",
    "xl/workbook.xml": "xlsx",
}
_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
_PUREMAGIC_TO_KIND = {
    ".pdf": "pdf",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".jfif": "jpeg",
    ".jpe": "jpeg",
    ".png": "png",
}


@dataclass(frozen=True)
class Sniffed:
    """The result of looking at a file: a kind we know, or a description of what it is."""

    kind: FileKind | None
    description: str  # e.g. "a Windows executable", for the refusal message
    has_macros: bool = False


def sniff(stream: IO[bytes]) -> Sniffed:
    """Identify `stream` by its content. Leaves the stream at position 0."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    if not head:
        return Sniffed(None, "an empty file")
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(stream)
    if head.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"#!")):
        return Sniffed(None, "a program")
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    for match in matches:
        key = _PUREMAGIC_TO_KIND.get(match.extension.lower())
        # puremagic also matches signatures found later in the header; ours must open the file.
        if key and head.startswith(_SIGNATURES[key]):
            return Sniffed(KINDS[key], KINDS[key].label)
    if matches:
        best = matches[0]  # puremagic's own ranking
        return Sniffed(None, best.name or best.extension.lstrip(".").upper())
    if _looks_like_text(head):
        return Sniffed(None, "plain text")
    return Sniffed(None, "an unknown type")


def _sniff_zip(stream: IO[bytes]) -> Sniffed:
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        stream.seek(0)
        return Sniffed(None, "a damaged zip archive")
    finally:
        stream.seek(0)
    if len(infos) > MAX_ZIP_ENTRIES:
        return Sniffed(None, "a zip archive")
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_COMPRESSION_RATIO * max(packed, 1024):
        return Sniffed(None, "an archive that would unpack to " + human_size(unpacked))
    names = {info.filename for info in infos}
    has_macros = any(name.lower().endswith("vbaproject.bin") for name in names)
    if "[Content_Types].xml" in names:
        for part, key in _OFFICE_MAIN_PARTS.items():
            if part in names:
                return Sniffed(KINDS[key], KINDS[key].label, has_macros=has_macros)
    return Sniffed(None, "a zip archive")


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def measure(stream: IO[bytes]) -> int:
    """The size of a seekable stream, without reading it."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def sanitise_filename(raw: str | None, *, kind: FileKind | None = None) -> str:
    """A name safe to show and to offer in a download.

    Drops any path (a browser may send C:\\Users\\me\\plan.pdf), control and format characters
    (including the right-to-left override that makes "exe.pdf" read as "fdp.exe"), leading dots
    and runs of whitespace; caps the length while keeping the extension; and, when the content
    is of a known kind, makes sure the extension matches it.
    """
    name = (raw or "").replace("\\", "/").split("/")[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10 or " " in extension:
        stem, extension = name, ""
    stem = stem.strip(" .") or "attachment"
    extension = extension.strip().lower()
    if kind is not None and extension not in kind.extensions:
        # A PNG called "plan.pdf" downloads as "plan.pdf.png": what it is, and what it was called.
        if extension:
            stem = f"{stem}.{extension}"
        extension = kind.extensions[0]
    suffix = f".{extension}" if extension else ""
    room = MAX_NAME_LENGTH - len(suffix)
    if len(stem) > room:
        stem = stem[:room].rstrip(" .")
    return f"{stem}{suffix}"


def human_size(size_bytes: int) -> str:
    if size_bytes < 1024 * 1024:
        # Rounded up: a small file is "1 KB", never "0 KB" (which reads as an empty file).
        return f"{max(-(-size_bytes // 1024), 1)} KB"
    return f"{size_bytes / (1024 * 1024):.1f} MB"
