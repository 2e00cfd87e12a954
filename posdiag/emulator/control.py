"""The control socket: act as the person at an emulated terminal from another process.

A local Unix domain socket (mode 0600) takes one command per line and answers zero or more
data lines followed by ``ok`` or ``error <what went wrong>``:

  swipe NAME | insert NAME   present test card NAME (testplans/cards.toml)
  pin DIGITS                 type a PIN and press OK
  ok | cancel                press OK / cancel (STOP)
  cover open | cover close   open or shut the printer cover
  paper out | paper in       take the paper out or put it back
  receipts                   one JSON object per printed receipt (PANs masked), oldest first
  status                     one JSON object: operator, queue, printer, PIN pad counters

Typed digits are never echoed or logged.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from posdiag.cards import mask_text
from posdiag.emulator.receipts import ADMIN, CUSTOMER, MERCHANT, Receipt
from posdiag.errors import BadInput, LinkError, LinkTimeout, PosdiagError
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.emulator.core import TerminalCore

log = logging.getLogger(__name__)

KIND_NAMES = {MERCHANT: "merchant", CUSTOMER: "customer", ADMIN: "admin"}
MAX_LINE = 1024


def receipt_json(receipt: Receipt) -> str:
    """One receipt as a JSON line; every PAN in it masked (they already are, this is a belt)."""
    return json.dumps({
        "kind": KIND_NAMES.get(receipt.kind, "other"),
        "source": receipt.source,
        "lines": [{"text": mask_text(line.text), "attribute": line.attribute}
                  for line in receipt.lines],
    }, ensure_ascii=False)


def status_json(terminal: TerminalCore) -> str:
    devices = terminal.payment
    printer = terminal.printer
    last = devices.last_read
    return json.dumps({
        "operator": devices.operator.mode,
        "queued": devices.operator.queued,
        "printer": {"ready": printer.ready, "paper_out": printer.paper_out,
                    "cover_open": printer.cover_open, "printed": len(printer.printed)},
        "pinpad": devices.pinpad.status(),
        "last_card": last.card.masked_pan if last else None,
        "terminal_id": terminal.config.terminal_id,
    })


def shown_command(line: str) -> str:
    """A control command as it may be shown or logged: the digits of a PIN hidden."""
    words = line.split()
    if words and words[0].lower() == "pin":
        return "pin " + "*" * sum(len(w) for w in words[1:])
    return " ".join(words)


def execute(terminal: TerminalCore, line: str) -> list[str]:
    """Run one control command; its data lines. BadInput for a command it does not know."""
    words = line.split()
    if not words:
        raise BadInput(_("empty command; try swipe, insert, pin, ok, cancel, cover, paper, "
                         "receipts or status."))
    verb, args = words[0].lower(), words[1:]
    operator = terminal.payment.operator
    printer = terminal.printer
    if verb in ("swipe", "insert") and len(args) == 1:
        (operator.swipe if verb == "swipe" else operator.insert)(args[0])
    elif verb == "pin" and len(args) == 1:
        operator.type_pin(args[0])
    elif verb == "ok" and not args:
        operator.press_ok()
    elif verb == "cancel" and not args:
        operator.press_cancel()
    elif verb == "cover" and args in (["open"], ["close"]):
        (operator.open_cover if args[0] == "open" else operator.close_cover)()
    elif verb == "paper" and args in (["out"], ["in"]):
        printer.paper_out = args[0] == "out"
    elif verb == "receipts" and not args:
        return [receipt_json(r) for r in list(printer.printed)]
    elif verb == "status" and not args:
        return [status_json(terminal)]
    else:
        raise BadInput(_("unknown control command {command!r}; see `posdiag simulate control "
                         "--help`.").format(command=shown_command(line)))
    return []


def serve_control(terminal: TerminalCore, path: str | Path) -> Callable[[], None]:
    """Listen on a Unix socket at path; returns a function that stops and removes it."""
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        if path.is_socket():
            path.unlink()  # a stale socket of an earlier run
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)  # owner only: whoever can connect can play the customer
    try:
        server.bind(str(path))
    except OSError as err:
        server.close()
        raise BadInput(_("cannot create the control socket {path}: {error}.").format(
            path=path, error=err.strerror)) from err
    finally:
        os.umask(old_mask)
    server.listen(4)
    server.settimeout(0.5)
    stopping = threading.Event()

    def accept_loop() -> None:
        while not stopping.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=_serve_client, args=(terminal, conn, stopping),
                             name="emulator-control-client", daemon=True).start()

    thread = threading.Thread(target=accept_loop, name=f"emulator-control-{path}", daemon=True)
    thread.start()

    def close() -> None:
        stopping.set()
        server.close()
        thread.join(timeout=2)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    return close


def _serve_client(terminal: TerminalCore, conn: socket.socket,
                  stopping: threading.Event) -> None:
    conn.settimeout(0.5)
    with conn, conn.makefile("rwb") as stream:
        while not stopping.is_set():
            try:
                raw = stream.readline(MAX_LINE)
            except TimeoutError:
                continue
            except OSError:
                return
            if not raw:
                return
            try:
                lines = execute(terminal, raw.decode("utf-8", "replace").strip())
                reply = [*lines, "ok"]
            except PosdiagError as err:
                reply = [f"error {err}"]
            try:
                stream.write("".join(f"{r}\n" for r in reply).encode("utf-8"))
                stream.flush()
            except OSError:
                return


def control(path: str | Path, command: str, timeout: float = 5.0) -> list[str]:
    """Client: send one command, return its data lines; BadInput if the emulator refused it."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
            sock.sendall(command.encode("utf-8") + b"\n")
            with sock.makefile("rb") as stream:
                lines: list[str] = []
                while True:
                    raw = stream.readline()
                    if not raw:
                        raise LinkError(_("the control socket {path} closed mid-answer; is "
                                          "the emulator still running?").format(path=path))
                    text = raw.decode("utf-8").rstrip("\n")
                    if text == "ok":
                        return lines
                    if text.startswith("error "):
                        raise BadInput(text[6:])
                    lines.append(text)
        except TimeoutError as err:
            raise LinkTimeout(_("the control socket {path} did not answer in {seconds:g} s; "
                                "try again, or with a longer --timeout.").format(
                                    path=path, seconds=timeout)) from err
        except (FileNotFoundError, ConnectionRefusedError) as err:
            raise LinkError(_("no emulator listens on {path}; start `posdiag simulate "
                              "--control {path}` first.").format(path=path)) from err
        except OSError as err:
            raise LinkError(_("cannot reach the emulator's control socket {path}: {error}.")
                            .format(path=path, error=err.strerror or err)) from err
