"""Open a terminal from a PORT string: the one place that turns a port into a driver.

While it is open, Ctrl-C and SIGTERM during a dialog make the driver end the terminal's
command cleanly and raise Interrupted (exit 130), see posdiag.interrupts.

``sim`` ports start an emulated terminal for the duration of the ``with`` block,
on a real pty (or a loopback TCP port with ``sim:transport=tcp``), so the driver
runs exactly the code it runs against hardware.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from posdiag.errors import BadInput
from posdiag.i18n import _
from posdiag.interrupts import installed_gate
from posdiag.link.ports import PortSpec, parse_port
from posdiag.terminal_settings import TerminalSettings


@contextlib.contextmanager
def open_terminal(port: str | PortSpec, *, driver: str = "zvt",
                  settings: TerminalSettings | None = None, **options: Any) -> Iterator[Any]:
    """Yield an opened Terminal; close it (and any emulator) on exit.

    settings (password, baud, charset) and options go to the driver (options win, e.g.
    t2, t3); for sim ports options may carry ``emulator=`` to use an already-built
    EmulatedTerminal.
    """
    from posdiag.registry import load_driver

    options = {**(settings or TerminalSettings()).driver_options(), **options}
    spec = parse_port(port) if isinstance(port, str) else port
    driver_class = load_driver(driver)
    with contextlib.ExitStack() as stack:
        if "interrupt" not in options:
            # Ctrl-C and SIGTERM stop a running dialog cleanly (main thread only).
            options["interrupt"] = stack.enter_context(installed_gate())
        if spec.kind == "sim":
            emulator = options.pop("emulator", None) or build_emulator(spec.options)
            stack.callback(emulator.stop)
            spec, options = _attach(emulator, spec, options)
        terminal = driver_class.open(spec, **options)
        stack.callback(terminal.close)
        yield terminal


def build_emulator(options: dict[str, str]) -> Any:
    """An EmulatedTerminal configured from sim:key=value options."""
    from posdiag.emulator.config import load_config
    from posdiag.emulator.faults import parse_faults
    from posdiag.emulator.terminal import EmulatedTerminal

    try:
        seed = int(options.get("seed", "0"))
        journal = int(options.get("journal", "0"))
    except ValueError as err:
        raise BadInput(_("sim options seed and journal take whole numbers.")) from err
    if journal < 0:
        raise BadInput(_("sim option journal takes a count of transactions, 0 or more."))
    timers = {}
    for key in ("t2", "t3"):
        if key in options:
            try:
                timers[key] = float(options[key])
            except ValueError as err:
                raise BadInput(_("sim option {key} takes seconds, e.g. {key}=0.5.").format(
                                   key=key)) from err
    # serial=: another unit of the same terminal (a replacement in a repair case), over what
    # an identity file says.
    config = load_config(options.get("identity"), **timers,
                         serial_number=options.get("serial") or None)
    return EmulatedTerminal(
        config,
        faults=parse_faults(options.get("fault")),
        seed=seed,
        journal=journal,
        operator=options.get("operator", "auto"),
    )


def _attach(emulator: Any, spec: PortSpec, options: dict[str, Any]) -> tuple[PortSpec, dict]:
    transport = spec.options.get("transport", "serial")
    if transport == "tcp":
        host, port = emulator.serve_tcp("127.0.0.1", 0)
        return PortSpec("tcp", host=host, port=port), options
    if transport == "tls":  # verified against the emulator's own TEST CA
        (host, port), material = emulator.serve_tls("127.0.0.1", 0)
        return PortSpec("tls", host=host, port=port,
                        options={"ca": str(material.ca_cert)}), options
    if transport != "serial":
        raise BadInput(_("sim transport {transport!r} unknown; use serial, tcp or "
                         "tls.").format(transport=transport))
    baud = spec.options.get("baud")
    try:
        line = emulator.serve_serial(int(baud) if baud else None)
    except ValueError as err:
        raise BadInput(_("sim baud {baud!r} is not a number.").format(baud=baud)) from err
    options = dict(options)
    for key in ("t2", "t3"):  # the ECR keeps the same timers as its emulated terminal
        if key in spec.options:
            options.setdefault(key, float(spec.options[key]))
    if baud:
        options.setdefault("baud", int(baud))
    else:
        # An unpaced pty carries bytes at no speed: switching to a faster rate (08 40, and
        # its 2 s pause) would buy nothing, so the driver stays at the terminal's rate.
        options.setdefault("max_baud", emulator.config.baud)
    # After an injected cable pull the emulator opens a new pty; reconnects follow it.
    options.setdefault("path_source", lambda: line.path)
    return PortSpec("serial", url=line.path), options
