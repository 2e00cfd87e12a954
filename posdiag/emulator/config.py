"""What the emulated terminal is: identity and settings, from options or a TOML file.

Defaults are those of a terminal fresh from a typical acquirer (design.md):
password 123456, currency EUR (978), 9600 8N2 on serial, port 20007 on TCP.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from posdiag.errors import BadInput, PlanError
from posdiag.i18n import _


@dataclass(frozen=True, slots=True)
class TerminalConfig:
    device_name: str = "posdiag EMU-700 (emulated)"
    serial_number: str = "7000000001"  # digits, as TLV 1F42 is packed BCD (§9.4.12)
    label_serial: str = ""  # serial printed on the casing label; "" = the same as serial_number
    software_version: str = "EMU-ZVT 1.0.0"
    terminal_id: str = "52500001"  # 8 digits, BMP 29
    merchant_id: str = "100200300"  # VU number, BMP 2A (15 chars on the wire)
    currency: int = 978  # EUR
    mcc: str = "5999"
    password: str = "123456"
    merchant_name: str = "POSDIAG TEST SHOP"
    merchant_city: str = "BERLIN"
    receipt_width: int = 40
    charset: str = "cp437"  # print and display texts; announced in TLV 27 {14} when not CP437
    baud: int = 9600  # serial rate it is configured to; it returns to it on a restart
    max_baud: int = 115200  # the fastest rate Change Baudrate 08 40 may ask for
    baud_fixed: bool = False  # True: it cannot change its rate at all (84 7D)
    tcp_port: int = 20007
    tls_port: int = 22001  # ZVT over TLS (Feig, TeleCash beside 22000)
    max_apdu: int = 1024  # largest APDU the terminal sends in a Read File answer
    t2: float = 5.0  # PA00P016: wait for ACK/NAK after a frame
    t3: float = 5.0  # wait for the ECR's answer to a PT message
    t4: float = 180.0  # an ECR connection silent this long is dropped (PA00P016 §5.2.6)
    boot_seconds: float = 3.0  # how long a restart keeps the terminal silent

    def __post_init__(self) -> None:
        if len(self.terminal_id) != 8 or not self.terminal_id.isdigit():
            raise BadInput(_("terminal id {terminal_id!r} must be 8 digits.").format(
                               terminal_id=self.terminal_id))
        if len(self.password) != 6 or not self.password.isdigit():
            raise BadInput(_("the terminal password must be 6 digits."))
        if not 0 < self.currency < 1000:
            raise BadInput(_("currency {currency} is not an ISO 4217 numeric code.").format(
                               currency=self.currency))
        if len(self.merchant_id) > 15:
            raise BadInput(_("the merchant (VU) number has at most 15 characters."))
        from posdiag.drivers.zvt.charsets import code_of

        if code_of(self.charset) is None:
            raise BadInput(_("the terminal charset {charset!r} is not a ZVT character set; use "
                             "cp437, utf-8 or iso-8859-N.").format(charset=self.charset))

    def with_options(self, **options: Any) -> TerminalConfig:
        known = {f.name for f in fields(self)}
        unknown = set(options) - known
        if unknown:
            raise BadInput(_("unknown terminal setting(s): {unknown}.").format(
                               unknown=', '.join(sorted(unknown))))
        return replace(self, **{k: v for k, v in options.items() if v is not None})


def load_config(path: str | Path | None = None, **overrides: Any) -> TerminalConfig:
    """Defaults, then the [terminal] table of a TOML file (if given), then options."""
    config = TerminalConfig()
    if path is not None:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as err:
            raise BadInput(_("terminal file {path} does not exist.").format(path=path)) from err
        except UnicodeDecodeError as err:
            raise PlanError(_("{path} is not UTF-8 text, as a TOML file must be; save it as "
                              "UTF-8.").format(path=path)) from err
        except tomllib.TOMLDecodeError as err:
            raise PlanError(f"{path}: {err}") from err
        table = data.get("terminal", data)
        if not isinstance(table, dict):
            raise PlanError(_("{path}: [terminal] must be a table.").format(path=path))
        types = {f.name: f.type for f in fields(TerminalConfig)}
        for key, value in table.items():
            if key not in types:
                raise PlanError(_("{path}: unknown terminal setting {key!r}.").format(
                                    path=path, key=key))
            kinds: dict[str, type | tuple[type, ...]] = {"int": int, "float": (int, float),
                                                         "bool": bool}
            expected = kinds.get(str(types[key]), str)
            if not isinstance(value, expected) or (isinstance(value, bool)
                                                   and expected is not bool):
                raise PlanError(_("{path}: {key} has the wrong type ({value!r}).").format(
                                    path=path, key=key, value=value))
        config = config.with_options(**table)
    return config.with_options(**overrides)
