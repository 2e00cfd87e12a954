"""Where the page breaks fall, read page by page as a person turns the pages (pdftotext per
page): the signature block — each party's name, signature line and date line — and the
reference line are on one page, and no page holds only a date or only a reference."""

from __future__ import annotations

import hashlib

import pytest
from document_checks import check_signature_layout, page_bodies

from posdiag.documents.fonts import find_fonts
from posdiag.documents.model import Document, Facts, Paragraph, Section, Signatures, Stamp
from posdiag.documents.pdf import render_pdf
from posdiag.i18n import _, use_language

ROLES = {"en": ("Technician: Li Wei", "Merchant: Ms Demo"),
         "zh_CN": ("技术员：李伟", "商户：张先生")}


def padded(lines: int, language: str) -> Document:
    """A form of ``lines`` lines of text, then the signatures: the block lands lower on the
    page, line by line, and past the bottom."""
    stamp = Stamp("replacement-request", "CASE-2026-0001", hashlib.sha256(b"x").hexdigest(),
                  language, "2026-01-01T12:00:00Z", "0.1.0", "UTC")
    with use_language(language):
        body = "\n".join(f"{_('Description')} {n}" for n in range(lines))
        return Document(
            title=_("Replacement request"), stamp=stamp, header=((_("Case"), "CASE-2026-0001"),),
            sections=(
                Section(_("Fault"), (Facts(((_("Category"), _("Printer fault")),)),
                                     Paragraph(body))),
                Section(_("Signatures"), (
                    Paragraph(_("The merchant confirms the fault described above; the technician "
                                "confirms the terminal's identity and the backup named above.")),
                    Signatures(ROLES[language], _("Signature"), _("Date")))),
            ),
            footer="posdiag 0.1.0", qr_caption="CASE-2026-0001")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_signatures_and_the_reference_stay_together_wherever_the_page_ends(language):
    fonts = find_fonts()
    rendered: dict[int, bytes] = {}

    def pdf(lines: int) -> bytes:
        if lines not in rendered:
            with use_language(language):
                rendered[lines] = render_pdf(padded(lines, language), fonts)
        return rendered[lines]

    # The first length that needs a second page (5 mm a line: under 64 lines)...
    low, high = 0, 64
    assert len(page_bodies(pdf(low))) == 1 and len(page_bodies(pdf(high))) == 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if len(page_bodies(pdf(middle))) == 1 else (low, middle)
    # ... and the lengths around it, where the signature block and the reference meet the
    # bottom of the page (the block with its paragraph is about 15 lines tall).
    for lines in (*range(high - 2, high + 3), *range(high + 3, high + 18, 2)):
        check_signature_layout(pdf(lines), language, ROLES[language])
