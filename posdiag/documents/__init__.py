"""Documents people read, print and sign: the engine every posdiag document is drawn with.

``model`` says what a document contains (translated text in blocks: facts, tables, images,
signature lines, an appendix of raw fields); ``html`` draws it as one self-contained page from
Jinja2 templates (autoescaped, gettext bound to posdiag's catalogs); ``pdf`` draws it as an A4
PDF with an embedded CJK font (the ``documents`` extra: fpdf2); ``stamp`` ties it to its source
by SHA-256, printed as a QR code and checked by ``verify_pdf``. docs/documents.md.
"""
