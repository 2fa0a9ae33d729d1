"""The kinds of supporting documents the bot accepts, and how to recognise each.

Staff attach letters, replies and statements: PDF, Word and photos of paper documents.
A type is named by its usual extension (what an admin writes in FOLLOWUP_FILE_TYPES)
and recognised three ways: the file name's extension, the MIME type the Telegram client
reports, and the first bytes of the content. The content check is what stops a renamed
executable or archive from being stored as "letter.pdf".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath


@dataclass(frozen=True)
class FileType:
    name: str
    mime: str
    signatures: tuple[bytes, ...]

    def matches(self, data: bytes) -> bool:
        return any(data.startswith(signature) for signature in self.signatures)


_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP = b"PK\x03\x04"  # DOCX, XLSX and ODT are zip containers
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office documents

KNOWN: dict[str, FileType] = {
    t.name: t
    for t in (
        FileType("pdf", "application/pdf", (b"%PDF-",)),
        FileType("docx", _WORD, (_ZIP,)),
        FileType("doc", "application/msword", (_OLE,)),
        FileType("odt", "application/vnd.oasis.opendocument.text", (_ZIP,)),
        FileType("rtf", "application/rtf", (b"{\\rtf",)),
        FileType("xlsx", _EXCEL, (_ZIP,)),
        FileType("xls", "application/vnd.ms-excel", (_OLE,)),
        FileType("jpeg", "image/jpeg", (b"\xff\xd8\xff",)),
        FileType("png", "image/png", (b"\x89PNG\r\n\x1a\n",)),
        FileType("webp", "image/webp", (b"RIFF",)),
    )
}
ALIASES = {"jpg": "jpeg"}
DEFAULT_TYPES = ("pdf", "docx", "doc", "jpeg", "png")


def canonical(name: str) -> str | None:
    """The known type called `name` (case-insensitive, `jpg` = `jpeg`), or None."""
    key = name.strip().lower().lstrip(".")
    key = ALIASES.get(key, key)
    return key if key in KNOWN else None


def identify(file_name: str | None, mime: str | None) -> FileType | None:
    """The type a document claims to be: by extension first, else by its MIME type."""
    if file_name and (by_name := canonical(PurePath(file_name).suffix)):
        return KNOWN[by_name]
    if mime:
        return next((t for t in KNOWN.values() if t.mime == mime.lower()), None)
    return None
