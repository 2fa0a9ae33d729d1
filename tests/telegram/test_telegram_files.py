"""Documents and photos: getFile, download from the file URL, checks, storage, the case card."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from telegram_harness import (
    OFFICER,
    Harness,
    Person,
)

from bot.telegram.files import NOT_NOW

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def _docx() -> bytes:
    """The smallest zip that is a Word document: it holds word/document.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>" + " " * 300)
    return buffer.getvalue()


DOCX = _docx()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def to_letter_question(p: Person) -> None:
    await p.say("/new")
    await p.tap("Communication")
    await p.tap("AL allegation letter")
    await p.say("Burundi")
    await p.say("yesterday")
    await p.say("WGAD")
    await p.tap("AL BDI 1/2017")
    await p.say("Summary.")
    await p.say("/skip")


def stored(h: Harness, data: bytes) -> Path:
    assert h.repo is not None
    return Path(h.repo.files_dir()) / hashlib.sha256(data).hexdigest()


async def test_document_answers_a_file_question(harness: Harness) -> None:
    p = harness.person(OFFICER)
    await to_letter_question(p)

    (review,) = await p.send_document(PDF, "Letter to BDI.pdf", "application/pdf")

    assert "Saved: Letter to BDI.pdf" in review.text
    (get_file,) = harness.stub.called("getFile")
    assert get_file.status == 200
    assert stored(harness, PDF).read_bytes() == PDF
    assert harness.repo is not None
    (entry,) = harness.repo.list_cases()
    case = harness.repo.get_case(entry["id"])
    assert case is not None
    meta = case["runs"][0]["answers"]["letter"]
    assert meta == {
        "name": "Letter to BDI.pdf",
        "size": len(PDF),
        "mime": "application/pdf",
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "sent_by": str(OFFICER),
        "at": "2017-05-15T08:00:00+00:00",  # the injected clock
    }


async def test_attach_a_file_from_the_case_card_and_list_it(harness: Harness) -> None:
    p = harness.person(OFFICER)
    await to_letter_question(p)
    await p.say("/skip")
    card = (await p.tap("Save"))[0]

    prompt = (await p.tap("Attach a file", card))[0]
    assert prompt.text.startswith("Send the file to attach to AL BDI 1/2017")
    (done,) = await p.send_document(DOCX, "reply.docx", WORD)
    assert done.text == "Attached reply.docx to AL BDI 1/2017."
    await p.tap("Attach a file", card)
    (photo,) = await p.send_photo(JPEG)
    assert photo.text == "Attached photo-20170515-080000.jpg to AL BDI 1/2017."

    listed = (await p.say("/case AL BDI 1/2017"))[0].text
    assert "Files: reply.docx, photo-20170515-080000.jpg" in listed
    assert stored(harness, DOCX).read_bytes() == DOCX
    assert stored(harness, JPEG).read_bytes() == JPEG


async def test_refusals_name_the_problem_and_keep_nothing(harness: Harness) -> None:
    p = harness.person(OFFICER)
    await to_letter_question(p)
    files_before = set(Path(harness.repo.files_dir()).iterdir()) if harness.repo else set()

    exe = (await p.send_document(b"MZ\x90\x00", "tool.exe", "application/x-msdownload"))[0]
    assert exe.text == (
        "I cannot keep this kind of file. Please send a PDF, DOCX, DOC, JPEG or PNG file."
    )
    fake = (await p.send_document(b"MZ\x90\x00 not a pdf", "letter.pdf", "application/pdf"))[0]
    assert fake.text == "This does not look like a PDF file, so it was not kept."

    await harness.stop()  # the same data folder, with stricter settings
    await harness.start(max_file_bytes=2000, file_types=("pdf", "png"))
    big = (await p.send_document(PDF, "big.pdf", "application/pdf"))[0]
    assert big.text == "This file is 10 KB; the limit is 2 KB. Please send a smaller file."
    docx = (await p.send_document(DOCX, "reply.docx", WORD))[0]
    assert docx.text == "I cannot keep this kind of file. Please send a PDF or PNG file."
    (png,) = await p.send_document(PNG, "scan.png", "image/png")
    assert "Saved: scan.png" in png.text

    assert harness.repo is not None
    kept = set(Path(harness.repo.files_dir()).iterdir()) - files_before
    assert kept == {stored(harness, PNG)}
    assert len(harness.stub.called("getFile")) == 2  # the fake PDF and the PNG; not the others


async def test_a_file_nobody_asked_for_is_not_downloaded(harness: Harness) -> None:
    p = harness.person(OFFICER)
    (outside, where) = await p.send_document(PDF, "letter.pdf", "application/pdf")
    assert outside.text == NOT_NOW
    assert where.text.startswith("You are not in a checklist.")

    await p.say("/new")
    await p.tap("Communication")
    (wrong, question) = await p.send_document(PDF, "letter.pdf", "application/pdf")
    assert wrong.text == NOT_NOW
    assert question.text.startswith("Question 1 of 8")

    assert not harness.stub.called("getFile")
    assert harness.repo is not None
    assert list(Path(harness.repo.files_dir()).iterdir()) == []
