"""Draw a Document as an A4 PDF with fpdf2: printable, Chinese font embedded, stamped.

fpdf2 is pure Python (fontTools subsets the CJK font, so a page embeds only the glyphs it
uses: tens of kilobytes, not the 19 MB collection) and runs on a Pi Zero; WeasyPrint would
need Pango and far more memory (docs/decisions.md). The page is laid out from the same
Document as the HTML page, block by block. Output is deterministic — the creation date is the
stamp's time, nothing random is written — so ``stamp.verify_pdf`` can re-render and compare.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from posdiag.documents.fonts import FontSet, find_fonts, missing_glyphs, missing_spaces
from posdiag.documents.model import (
    Badge,
    Cell,
    Document,
    Facts,
    Heading,
    Image,
    Paragraph,
    ReceiptPicture,
    Receipts,
    Section,
    Signatures,
    Table,
)
from posdiag.documents.qr import qr_png
from posdiag.documents.stamp import payload
from posdiag.errors import DocumentSetupError
from posdiag.i18n import _, current_language

FONT = "posdiag-cjk"
TEXT_SIZE = 9.5
LINE = 5.0  # mm per line of body text
BOTTOM = 18.0  # mm below the text: room for the page footer
SIGNATURE_BLOCK = 48.0  # mm: the gap above, each role's name, signature line and date line
REFERENCE_SIZE = 7.5
REFERENCE_LINE = 3.6
QR_SIZE = 30.0  # mm: scans from arm's length, leaves room for the title
GREY = (97, 97, 97)
BLACK = (33, 33, 33)
TONES = {"normal": BLACK, "muted": (117, 117, 117), "ok": (27, 94, 32), "warn": (141, 74, 0),
         "fail": (183, 28, 28)}
BOX_FILL = {"normal": (245, 245, 245), "muted": (245, 245, 245), "ok": (232, 245, 233),
            "warn": (255, 243, 224), "fail": (255, 235, 238)}
BADGES = {"pass": (27, 127, 59), "fail": (198, 40, 40), "error": (230, 81, 0),
          "skipped": (117, 117, 117), "aborted": (106, 27, 154), "running": (21, 101, 192),
          "other": (66, 66, 66)}
PDF_LANG = {"en": "en", "zh_CN": "zh-CN"}


def _fpdf() -> Any:
    try:
        import fpdf
    except ImportError as err:
        raise DocumentSetupError(_(
            "PDF documents need the documents extra; install it with "
            "pip install 'posdiag[documents]' (or write HTML instead).")) from err
    return fpdf


def check_pdf_possible() -> None:
    """DocumentSetupError now if a PDF could not be drawn (no fpdf2, no CJK font): for a
    command that changes something first and writes the PDF after."""
    _fpdf()
    find_fonts()


def render_pdf(document: Document, fonts: FontSet | None = None) -> bytes:
    """The document as PDF bytes, in the language active now; fonts found if not given."""
    fpdf = _fpdf()
    fonts = fonts or find_fonts()
    missing = set(missing_glyphs(fonts, document.texts()))
    page = _page_class(fpdf)(document, fonts, missing)
    page.draw()
    return bytes(page.output())


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's IHDR chunk (the first after the signature)."""
    if len(png) < 24 or png[12:16] != b"IHDR":
        raise ValueError(_("not a PNG image"))
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _page_class(fpdf: Any) -> Any:
    from fpdf.fonts import FontFace

    class Page(fpdf.FPDF):  # type: ignore[misc,name-defined]
        """One document on A4: header with the QR stamp, sections, appendix, page footer."""

        def __init__(self, document: Document, fonts: FontSet, missing: set[str]) -> None:
            super().__init__(orientation="portrait", unit="mm", format="A4")
            self.document = document
            self.missing = missing
            self.spaces = {ord(c): " " for c in missing_spaces(fonts, document.texts())}
            self.set_margins(15, 15, 15)
            self.set_auto_page_break(True, margin=BOTTOM)
            self.add_font(FONT, "", str(fonts.regular.path),
                          collection_font_number=fonts.regular.index)
            self.add_font(FONT, "B", str(fonts.bold.path), collection_font_number=fonts.bold.index)
            stamp = document.stamp
            self.set_title(self.t(document.title))
            self.set_author("posdiag")
            self.set_creator(f"posdiag {stamp.tool_version}")
            self.set_keywords(payload(stamp))
            self.set_lang(PDF_LANG.get(current_language(), "en"))
            created = datetime.fromisoformat(stamp.generated.replace("Z", "+00:00"))
            self.set_creation_date(created)
            self.page_label = _("Page {page} of {pages}")

        # --- text helpers --------------------------------------------------------------------

        def t(self, text: str) -> str:
            """Text the font can draw: a character it lacks becomes "?", never an empty box;
            a space it lacks (Babel's narrow no-break space in "4:15 PM") a plain space."""
            text = text.translate(self.spaces) if self.spaces else text
            if not self.missing:
                return text
            return "".join("?" if c in self.missing else c for c in text)

        def mc(self, width: float, height: float, text: str, **options: Any) -> None:
            """multi_cell that leaves the cursor at the left margin of the next line."""
            options.setdefault("new_x", "LMARGIN")
            options.setdefault("new_y", "NEXT")
            self.multi_cell(width, height, text, **options)

        def font(self, size: float = TEXT_SIZE, bold: bool = False,
                 colour: tuple[int, int, int] = BLACK) -> None:
            self.set_font(FONT, "B" if bold else "", size)
            self.set_text_color(*colour)

        def footer(self) -> None:
            self.set_y(-13)
            self.font(7.5, colour=GREY)
            label = self.page_label.format(page=self.page_no(), pages="{nb}")
            text = f"{self.document.footer}  ·  {label}" if self.document.footer else label
            self.cell(0, 4, self.t(text), align="C")

        # --- the document --------------------------------------------------------------------

        def draw(self) -> None:
            """The document, then its reference line, which ends the last page: the last part
            (the last section — the signatures, on the case documents — or the appendix) is
            drawn with room kept for the reference below it, so the reference never stands
            alone on a page and the signatures and the reference are on one page."""
            stamp = self.document.stamp
            reference = self.t(_(
                "Reference {reference}; made from data with SHA-256 {sha256}.").format(
                    reference=stamp.reference, sha256=stamp.source_sha256))
            self.add_page()
            self.draw_header()
            height = self.reference_height(reference)
            keep = height + 8  # the gap above the reference, and what the last block adds
            sections = self.document.sections
            appendix = self.document.appendix
            for number, section in enumerate(sections):
                if appendix is None and number == len(sections) - 1:
                    self.set_auto_page_break(True, margin=BOTTOM + keep)
                self.draw_section(section, first=number == 0)
            if appendix is not None:
                self.set_auto_page_break(True, margin=BOTTOM + keep)
                self.draw_appendix()
            self.set_auto_page_break(True, margin=BOTTOM)
            self.ln(max(0.0, min(4.0, self.page_break_trigger - self.get_y() - height - 0.5)))
            self.font(REFERENCE_SIZE, colour=GREY)
            self.mc(0, REFERENCE_LINE, reference)

        def reference_height(self, reference: str) -> float:
            self.font(REFERENCE_SIZE, colour=GREY)
            return float(self.multi_cell(0, REFERENCE_LINE, reference, dry_run=True,
                                         output="HEIGHT"))

        def section_height(self, section: Section) -> float | None:
            """How tall a section of headings, paragraphs and signatures is drawn; None for
            one with other blocks (tables and pictures break across pages as they must)."""
            height = 2 + 7 + 2.5
            for block in section.blocks:
                if isinstance(block, Heading):
                    height += 8
                elif isinstance(block, Paragraph):
                    self.font(TEXT_SIZE, bold=block.tone == "fail")
                    height += float(self.multi_cell(
                        0, LINE, self.t(block.text), dry_run=True, output="HEIGHT",
                        padding=2 if block.boxed else 0)) + 1.5
                elif isinstance(block, Signatures):
                    height += SIGNATURE_BLOCK
                else:
                    return None
            return height

        def draw_header(self) -> None:
            top = self.get_y()
            qr_x = self.w - self.r_margin - QR_SIZE
            self.image(io.BytesIO(qr_png(payload(self.document.stamp))), x=qr_x, y=top,
                       w=QR_SIZE, h=QR_SIZE)
            self.set_xy(qr_x - 4, top + QR_SIZE)
            self.font(6.5, colour=GREY)
            self.mc(QR_SIZE + 8, 3, self.t(self.document.qr_caption), align="C")
            below_qr = self.get_y()
            text_width = qr_x - self.l_margin - 5
            self.set_xy(self.l_margin, top)
            self.font(17, bold=True)
            self.mc(text_width, 8, self.t(self.document.title))
            self.ln(1)
            if self.document.header:
                self.facts(self.document.header, width=text_width, label_width=32, size=8.5)
            self.set_y(max(self.get_y(), below_qr) + 2)

        def draw_section(self, section: Section, first: bool) -> None:
            # A section that ends in signature lines is kept on one page when it fits one:
            # what is signed stays with the lines it is signed on.
            whole = (self.section_height(section)
                     if any(isinstance(b, Signatures) for b in section.blocks) else None)
            fits_a_page = whole is not None and whole <= self.page_break_trigger - self.t_margin
            if ((section.new_page and not first) or self.will_page_break(25)
                    or (fits_a_page and whole is not None and self.will_page_break(whole))):
                self.add_page()
            self.ln(2)
            self.font(13, bold=True)
            title = self.t(section.title)
            if section.badge is None:
                self.mc(0, 7, title)
            else:
                badge_width = self.get_string_width(self.t(section.badge.text)) + 6
                self.mc(self.epw - badge_width - 3, 7, title, new_x="RIGHT",
                                new_y="TOP")
                self.set_x(self.w - self.r_margin - badge_width)
                self.badge(section.badge, badge_width, 7)
                self.ln(7)
            self.set_draw_color(189, 189, 189)
            self.set_line_width(0.5)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(2)
            for block in section.blocks:
                self.draw_block(block)

        def draw_block(self, block: object) -> None:
            if isinstance(block, Heading):
                if self.will_page_break(15):
                    self.add_page()
                self.ln(1.5)
                self.font(11 if block.level <= 2 else 10.5, bold=True)
                self.mc(0, 6, self.t(block.text))
                self.ln(0.5)
            elif isinstance(block, Paragraph):
                self.paragraph(block)
            elif isinstance(block, Facts):
                self.facts(block.rows)
            elif isinstance(block, Table):
                self.grid(block)
            elif isinstance(block, Image):
                self.picture(block)
            elif isinstance(block, Receipts):
                self.receipts(block)
            elif isinstance(block, Signatures):
                self.signatures(block)

        def paragraph(self, block: Paragraph) -> None:
            self.font(TEXT_SIZE, bold=block.tone == "fail", colour=TONES[block.tone])
            if block.boxed:
                self.set_fill_color(*BOX_FILL[block.tone])
                self.set_draw_color(*TONES[block.tone])
                self.set_line_width(0.4 if block.tone == "fail" else 0.2)
                self.mc(0, LINE, self.t(block.text), border=1, fill=True, padding=2,
                        align="L")
            else:
                self.mc(0, LINE, self.t(block.text), align="L")
            self.ln(1.5)

        def badge(self, badge: Badge, width: float, height: float) -> None:
            self.set_fill_color(*BADGES.get(badge.css, BADGES["other"]))
            self.font(TEXT_SIZE, bold=True, colour=(255, 255, 255))
            self.cell(width, height, self.t(badge.text), align="C", fill=True)

        def cell_value(self, value: Cell) -> tuple[str, Any]:
            if isinstance(value, Badge):
                colour = BADGES.get(value.css, BADGES["other"])
                return self.t(value.text), FontFace(emphasis="BOLD", color=colour)
            return self.t(value), None

        def facts(self, rows: tuple[tuple[str, Cell], ...], width: float | None = None,
                  label_width: float = 45, size: float = TEXT_SIZE) -> None:
            width = width or self.epw
            self.font(size)
            self.set_draw_color(208, 208, 208)
            self.set_line_width(0.2)
            with self.table(width=width, col_widths=(label_width, width - label_width),
                            first_row_as_headings=False, line_height=size * 0.48,
                            align="LEFT", padding=(0.8, 1.5), text_align="LEFT") as table:
                for label, value in rows:
                    row = table.row()
                    row.cell(self.t(label), style=FontFace(emphasis="BOLD",
                                                           fill_color=(242, 242, 242)))
                    text, style = self.cell_value(value)
                    row.cell(text, style=style)
            self.ln(2)

        def grid(self, block: Table, size: float = 8.5) -> None:
            self.font(size)
            self.set_draw_color(208, 208, 208)
            self.set_line_width(0.2)
            widths = block.widths or tuple(1.0 for _h in block.header)
            total = sum(widths)
            aligns = tuple("RIGHT" if i in block.numeric else "LEFT"
                           for i in range(len(block.header)))
            with self.table(width=self.epw, col_widths=tuple(self.epw * w / total for w in widths),
                            line_height=size * 0.48, padding=(0.8, 1.2), text_align=aligns,
                            headings_style=FontFace(emphasis="BOLD", fill_color=(242, 242, 242)),
                            repeat_headings=1) as table:
                heading = table.row()
                for title in block.header:
                    heading.cell(self.t(title))
                for values in block.rows:
                    row = table.row()
                    for value in values:
                        text, style = self.cell_value(value)
                        row.cell(text, style=style)
            self.ln(2)

        def picture(self, block: Image) -> None:
            width = min(block.width_mm, self.epw)
            info = self.image(io.BytesIO(block.png), w=width, keep_aspect_ratio=True)
            del info
            self.font(7.5, colour=GREY)
            self.mc(0, 3.6, self.t(block.caption))
            self.ln(2)

        def receipts(self, block: Receipts) -> None:
            """Receipts in rows, each at its real width, a row moved whole to the next page."""
            gap = 7.0
            items = list(block.items)
            while items:
                row: list[ReceiptPicture] = []
                width = 0.0
                while items and (not row or width + gap + items[0].width_mm <= self.epw):
                    width += (gap if row else 0.0) + min(items[0].width_mm, self.epw)
                    row.append(items.pop(0))
                heights = [self.receipt_height(item) for item in row]
                tallest = max(heights) + 9
                if self.will_page_break(tallest) and self.get_y() > self.t_margin + 30:
                    self.add_page()
                top, x = self.get_y(), self.l_margin
                bottom = top
                for item, height in zip(row, heights, strict=True):
                    width_mm = min(item.width_mm, self.epw)
                    if item.png is not None:
                        self.image(io.BytesIO(item.png), x=x, y=top, w=width_mm, h=height)
                        self.set_draw_color(189, 189, 189)
                        self.set_line_width(0.2)
                        self.rect(x, top, width_mm, height)
                    else:
                        self.set_xy(x, top)
                        self.font(7.5)
                        self.set_draw_color(189, 189, 189)
                        self.mc(width_mm, 3.4, self.t("\n".join(item.lines)), border=1,
                                padding=1.5, new_x="LEFT")
                    self.set_xy(x, top + height + 1)
                    self.font(7.5, colour=GREY)
                    self.mc(width_mm, 3.4, self.t(item.caption), new_x="LEFT")
                    bottom = max(bottom, self.get_y())
                    x += width_mm + gap
                self.set_xy(self.l_margin, bottom + 3)

        def receipt_height(self, item: ReceiptPicture) -> float:
            width_mm = min(item.width_mm, self.epw)
            if item.png is not None:
                pixels_wide, pixels_high = png_size(item.png)
                return width_mm * pixels_high / max(pixels_wide, 1)
            return 3.4 * max(len(item.lines), 1) + 3

        def signatures(self, block: Signatures) -> None:
            """Each role's name, signature line and date line, all on one page: measured
            first, and drawn without page breaks (a break inside used to leave a page holding
            only "Date")."""
            if self.will_page_break(SIGNATURE_BLOCK):
                self.add_page()
            margin = self.b_margin
            self.set_auto_page_break(False)
            self.ln(6)
            count = max(len(block.roles), 1)
            gap = 10.0
            width = (self.epw - gap * (count - 1)) / count
            top = self.get_y()
            for index, role in enumerate(block.roles):
                x = self.l_margin + index * (width + gap)
                self.set_xy(x, top)
                self.font(10, bold=True)
                self.cell(width, 6, self.t(role))
                for number, label in enumerate((block.signature_label, block.date_label)):
                    y = top + 20 + number * 16
                    self.set_draw_color(66, 66, 66)
                    self.set_line_width(0.3)
                    self.line(x, y, x + width, y)
                    self.set_xy(x, y + 0.5)
                    self.font(7.5, colour=GREY)
                    self.cell(width, 4, self.t(label))
            self.set_y(top + SIGNATURE_BLOCK - 6)
            self.set_auto_page_break(True, margin=margin)

        def draw_appendix(self) -> None:
            appendix = self.document.appendix
            assert appendix is not None
            self.add_page()
            self.font(13, bold=True)
            self.mc(0, 7, self.t(appendix.title))
            self.font(8, colour=GREY)
            self.mc(0, 4, self.t(appendix.note))
            self.ln(2)
            for group, rows in appendix.groups:
                if self.will_page_break(15):
                    self.add_page()
                self.font(9.5, bold=True)
                self.mc(0, 5, self.t(group))
                # Raw fields are many and short: two flowing columns of small text, not a
                # bordered table, keep a record's appendix to a page or two.
                self.font(6.5)
                columns = self.text_columns(ncols=2, gutter=6, text_align="LEFT", l_margin=None)
                with columns:
                    for key, value in rows:
                        columns.write(self.t(f"{key} = {value}\n"))
                self.ln(2)

    return Page
