"""The kinds of supporting documents the bot accepts, and the one policy every transport
applies to them (Telegram and the console alike).

Staff attach letters, replies and statements: PDF, Word and photos of paper documents.
A type is named by its usual extension (what an admin writes in FOLLOWUP_FILE_TYPES).
A document is taken only if its name's extension is an allowed type AND its content is
that type (first bytes, and for Office's zip containers the part every such file holds),
and it is within the size limit. The MIME type a client reports is never trusted over the
name: "evil.exe" sent as application/pdf is refused, not kept as a PDF under that name.
Only a document sent with no name at all is typed by its MIME type (and then named by us).
Names are cleaned of control and bidirectional-formatting characters first, so a
right-to-left override cannot make "invoice‮fdp.exe" read as "invoiceexe.pdf".
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from babel.numbers import get_decimal_symbol

from workflows.language import _, current


@dataclass(frozen=True)
class FileType:
    name: str
    mime: str
    signatures: tuple[bytes, ...]
    #: A part that every zip container of this type holds (DOCX, XLSX, ODT are all zips).
    part: str = ""
    #: Bytes found at an offset after the signature (WebP: "WEBP" at 8, after "RIFF").
    marker: tuple[int, bytes] | None = None

    def matches(self, data: bytes) -> bool:
        """Whether the content is of this type (a renamed executable or archive is not)."""
        if not any(data.startswith(signature) for signature in self.signatures):
            return False
        if self.marker is not None:
            offset, expected = self.marker
            return data[offset : offset + len(expected)] == expected
        return not self.part or _zip_holds(data, self.part)


def _zip_holds(data: bytes, part: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return part in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP = b"PK\x03\x04"  # DOCX, XLSX and ODT are zip containers
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office documents

KNOWN: dict[str, FileType] = {
    t.name: t
    for t in (
        FileType("pdf", "application/pdf", (b"%PDF-",)),
        FileType("docx", _WORD, (_ZIP,), part="word/document.xml"),
        FileType("doc", "application/msword", (_OLE,)),
        FileType("odt", "application/vnd.oasis.opendocument.text", (_ZIP,), part="content.xml"),
        FileType("rtf", "application/rtf", (b"{\\rtf",)),
        FileType("xlsx", _EXCEL, (_ZIP,), part="xl/workbook.xml"),
        FileType("xls", "application/vnd.ms-excel", (_OLE,)),
        FileType("jpeg", "image/jpeg", (b"\xff\xd8\xff",)),
        FileType("png", "image/png", (b"\x89PNG\r\n\x1a\n",)),
        FileType("webp", "image/webp", (b"RIFF",), marker=(8, b"WEBP")),
    )
}
ALIASES = {"jpg": "jpeg"}
DEFAULT_TYPES = ("pdf", "docx", "doc", "jpeg", "png")
#: Longest file name kept (Telegram allows more; nobody needs it and cards must stay short).
MAX_NAME = 120


def canonical(name: str) -> str | None:
    """The known type called `name` (case-insensitive, `jpg` = `jpeg`), or None."""
    key = name.strip().lower().lstrip(".")
    key = ALIASES.get(key, key)
    return key if key in KNOWN else None


def identify(file_name: str | None, mime: str | None) -> FileType | None:
    """The type a document claims to be: its name's extension decides, and an unknown or
    missing extension is no type at all; only a document without any name is typed by MIME."""
    if file_name:
        by_name = canonical(PurePath(file_name).suffix)
        return KNOWN[by_name] if by_name else None
    if mime:
        return next((t for t in KNOWN.values() if t.mime == mime.lower()), None)
    return None


def clean_name(name: str | None) -> str:
    """A file name safe to keep and show: no control or invisible formatting characters
    (bidirectional overrides, zero-width), no folders, no leading dots, at most MAX_NAME
    characters (the extension kept). "" when nothing is left."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(
        "_" if ch in "/\\" else ch
        for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
    )
    text = " ".join(text.split()).lstrip(". ")
    if len(text) > MAX_NAME:
        suffix = PurePath(text).suffix[:16]
        text = text[: MAX_NAME - len(suffix)] + suffix
    return text


@dataclass(frozen=True)
class FilePolicy:
    """Which types are allowed and how large a file may be: one policy for every transport."""

    types: tuple[FileType, ...]
    max_bytes: int

    @classmethod
    def of(cls, names: tuple[str, ...], max_bytes: int) -> FilePolicy:
        return cls(tuple(KNOWN[name] for name in names), max_bytes)

    def refusal(self, kind: FileType | None, size: int | None) -> str | None:
        """Why a file cannot be taken, from its claimed type and size; None if it can."""
        if kind not in self.types:
            names = [t.name.upper() for t in self.types]
            listed = names[0]
            if len(names) > 1:
                # Translators: the last of a list of file types: "PDF, DOCX or PNG".
                listed = _("{types} or {last}").format(types=", ".join(names[:-1]), last=names[-1])
            text = _("I cannot keep this kind of file. Please send a {types} file.")
            return text.format(types=listed)
        if size is not None and size > self.max_bytes:
            text = _("This file is {size}; the limit is {limit}. Please send a smaller file.")
            return text.format(size=_size(size), limit=_size(self.max_bytes))
        if size == 0:
            return _("This file is empty. Please send the document itself.")
        return None

    def content_refusal(self, kind: FileType | None, data: bytes) -> str | None:
        """Why the bytes themselves cannot be taken (size, then content); None if they can."""
        if refusal := self.refusal(kind, len(data)):
            return refusal
        assert kind is not None
        if not kind.matches(data):
            text = _("This does not look like a {type} file, so it was not kept.")
            return text.format(type=kind.name.upper())
        return None


def _size(size: int) -> str:
    """ "340 KB", "1.5 MB" ("1,5 Mo" in French): rounded as before, the decimal mark and the
    unit's name in the reader's language."""
    if size < 1024 * 1024:
        return _("{n} KB").format(n=f"{size / 1024:.0f}")
    megabytes = f"{size / 1024 / 1024:.1f}".replace(".", get_decimal_symbol(current()))
    return _("{n} MB").format(n=megabytes)
