"""Check a document as a person would: read the PDF's text, scan its QR code, open the HTML
page in a real browser at A4 width, look for tables that do not fit, print it to PDF.

Reusable by every test of a rendered page (test report, case documents, the kit's web page):

    text = pdf_text(path)                       # pdftotext (poppler-utils)
    [payload] = pdf_qr_codes(path)              # pdftoppm + zbarimg (zbar-tools)
    with chromium() as browser:                 # Debian's chromium + chromedriver, Selenium
        page = check_page(browser, html_path, tmp_path / "shot.png")
        assert page.overflowing == [] and page.pdf.startswith(b"%PDF")

The browser is Debian's /usr/bin/chromium driven through /usr/bin/chromedriver: nothing is
downloaded, and the flags keep it off the network this machine does not have.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
A4_WIDTH_PX = 794  # 210 mm at the CSS 96 px per inch
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync",
                  "--disable-dev-shm-usage", "--disable-quic", "--hide-scrollbars")


def require(tool: str, package: str) -> str:
    """The tool's path; in CI a missing tool fails the test (.ci/run installs it), else skips."""
    found = shutil.which(tool) or (tool if os.path.isfile(tool) else None)
    if found:
        return found
    message = f"{tool} is missing; install the Debian package {package}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def pdf_text(pdf: Path | bytes, layout: bool = False) -> str:
    """The text of every page, as pdftotext extracts it (what copy and paste would give)."""
    tool = require("pdftotext", "poppler-utils")
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    args = [tool, *(["-layout"] if layout else []), "-enc", "UTF-8", "-", "-"]
    return subprocess.run(args, input=data, capture_output=True, check=True).stdout.decode()


def pdf_page_texts(pdf: Path | bytes) -> list[str]:
    """The text of each page in turn, as pdftotext extracts it (it ends every page with a form
    feed)."""
    pages = pdf_text(pdf).split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def page_bodies(pdf: bytes) -> list[list[str]]:
    """Each page's non-empty lines without the page footer ("Page 2 of 3", "第 2 页")."""
    footer = re.compile(r"Page \d+ of \d+|第 \d+ 页")
    return [[line.strip() for line in page.splitlines()
             if line.strip() and not footer.search(line)] for page in pdf_page_texts(pdf)]


def check_signature_layout(pdf: bytes, language: str, roles: tuple[str, ...]) -> None:
    """The rules of a signed page, in the words of ``language``."""
    from posdiag.i18n import _, use_language

    with use_language(language):
        signature, date = _("Signature"), _("Date")
        reference = _("Reference {reference}; made from data with SHA-256 {sha256}.").split(
            "{", 1)[0].strip()
    pages = page_bodies(pdf)
    for number, lines in enumerate(pages, 1):
        assert lines, f"page {number} is empty"
        assert set(lines) != {date}, f"page {number} holds only a date line"
        assert not all(line.startswith(reference) or "SHA-256" in line for line in lines), \
            f"page {number} holds only the reference: {lines}"
    [with_reference] = [n for n, lines in enumerate(pages) if any(
        line.startswith(reference) for line in lines)]
    text = "\n".join(pages[with_reference])
    for role in roles:
        assert re.sub(r"\s+", "", role) in re.sub(r"\s+", "", text), (role, text)
    assert text.count(signature) >= len(roles) and text.count(date) >= len(roles), text
    assert with_reference == len(pages) - 1  # the reference ends the document


def pdf_fonts(pdf: Path) -> list[dict[str, str]]:
    """pdffonts' table: name, type, and whether each font is embedded ("emb")."""
    tool = require("pdffonts", "poppler-utils")
    lines = subprocess.run([tool, str(pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    fonts = []
    for line in lines:
        parts = line.split()
        # name type... encoding emb sub uni object ID: the flags are the 5th-3rd from the end.
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return fonts


def pdf_pages(pdf: Path) -> list[dict[str, str]]:
    """pdfinfo's page sizes ("595.276 x 841.89 pts (A4)") per page."""
    tool = require("pdfinfo", "poppler-utils")
    out = subprocess.run([tool, "-l", "999", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    return [{"size": line.split(":", 1)[1].strip()} for line in out.splitlines()
            if line.startswith("Page") and "size:" in line]


def pdf_qr_codes(pdf: Path, page: int = 1, dpi: int = 200) -> list[str]:
    """The QR codes zbar finds on one page rendered as a picture (what a phone would scan)."""
    pdftoppm = require("pdftoppm", "poppler-utils")
    require("zbarimg", "zbar-tools")
    with tempfile.TemporaryDirectory() as folder:
        stem = Path(folder) / "page"
        subprocess.run([pdftoppm, "-f", str(page), "-l", str(page), "-r", str(dpi), "-png",
                        "-singlefile", str(pdf), str(stem)], check=True, capture_output=True)
        return png_qr_codes(stem.with_suffix(".png"))


def png_qr_codes(png: Path) -> list[str]:
    zbarimg = require("zbarimg", "zbar-tools")
    done = subprocess.run([zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                           str(png)], capture_output=True, text=True, check=False)
    return [line for line in done.stdout.splitlines() if line]


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Selenium WebDriver) with a fresh profile, closed afterwards."""
    require(CHROMIUM, "chromium")
    require(CHROMEDRIVER, "chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="posdiag-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.add_argument(f"--window-size={A4_WIDTH_PX},1123")
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


# Every table (and the page itself) must fit the A4 content width: a table wider than its
# container would be cut off on paper.
_OVERFLOW_SCRIPT = """
const limit = document.documentElement.clientWidth;
const found = [];
if (document.documentElement.scrollWidth > limit + 1) {
  found.push('page: ' + document.documentElement.scrollWidth + 'px > ' + limit + 'px');
}
document.querySelectorAll('table').forEach((table, index) => {
  const box = table.getBoundingClientRect();
  const room = table.parentElement.clientWidth;
  if (box.right > limit + 1 || table.scrollWidth > room + 1) {
    found.push('table ' + index + ' (' + (table.className || 'no class') + '): '
               + Math.round(box.width) + 'px in ' + room + 'px');
  }
});
return found;
"""


@dataclass
class PageCheck:
    screenshot: Path
    overflowing: list[str]
    pdf: bytes  # the page printed to PDF by Chromium, A4
    title: str
    text: str  # the page's visible text (innerText)


def check_page(driver: Any, page: Path, screenshot: Path, *,
               open_details: bool = True) -> PageCheck:
    """Open ``page`` at A4 width, list overflowing tables, screenshot it whole, print it."""
    from selenium.webdriver.common.print_page_options import PrintOptions

    driver.set_window_size(A4_WIDTH_PX, 1123)
    driver.get(page.resolve().as_uri())
    if open_details:  # collapsed appendices are measured too
        driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    overflowing = list(driver.execute_script(_OVERFLOW_SCRIPT))
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": A4_WIDTH_PX, "height": min(height, 16000), "scale": 1}})
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7  # A4 in cm
    options.background = True
    printed = base64.b64decode(driver.print_page(options))
    text = str(driver.execute_script("return document.body.innerText"))
    return PageCheck(screenshot, overflowing, printed, driver.title, text)


# --- phone-sized pages (the field kit's page) --------------------------------------------------

PHONE_WIDTH, PHONE_HEIGHT = 360, 740


def as_phone(driver: Any, accept_language: str = "en") -> None:
    """Make the browser a 360 × 740 phone (touch, mobile viewport) that asks for
    ``accept_language`` in every request's Accept-Language header."""
    driver.set_window_size(PHONE_WIDTH, PHONE_HEIGHT)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": PHONE_WIDTH, "height": PHONE_HEIGHT, "deviceScaleFactor": 1, "mobile": True})
    agent = str(driver.execute_script("return navigator.userAgent"))
    driver.execute_cdp_cmd("Emulation.setUserAgentOverride", {
        "userAgent": agent, "acceptLanguage": accept_language})


def phone_screenshot(driver: Any, path: Path) -> Path:
    """The visible phone screen (360 × 740) as PNG."""
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "clip": {"x": 0, "y": 0, "width": PHONE_WIDTH,
                                  "height": PHONE_HEIGHT, "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def overflowing(driver: Any) -> list[str]:
    """Tables (and the page) wider than the window: on a phone they would be cut off."""
    return list(driver.execute_script(_OVERFLOW_SCRIPT))


def wait_until(driver: Any, condition: str, timeout: float = 60.0, poll: float = 0.1) -> Any:
    """Poll a JavaScript expression until it is truthy; its value, or a failed test."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(f"return ({condition});")
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"the page never showed {condition} within {timeout:.0f} s; it shows: "
                        f"{driver.execute_script('return document.body.innerText')[:500]}")
        time.sleep(poll)
