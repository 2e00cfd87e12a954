"""How to talk to one terminal: its password, the line speed it is set to, its character set.

The same three settings come from the command line (``--password``, ``--baud``,
``--charset``), from a kit config and from a plan's ``[terminal]`` table. Each source may
leave a setting out; ``over`` lays one source over another (the command line over the plan,
the plan over the defaults), and ``driver_options`` hands the result to a driver.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, fields
from typing import Any

from posdiag.errors import BadInput
from posdiag.i18n import _

DEFAULT_PASSWORD = "123456"  # what terminals leave the acquirer with (design.md)
PASSWORD_ENV = "POSDIAG_PASSWORD"  # read by --password when it is not given
# Standard serial rates a port can be set to (ZVT's own are 9600 to 115200, Table 13; a USB
# CDC terminal or a test line may run faster). A rate not listed is most likely a typo.
SERIAL_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000,
                576000, 921600, 1000000)


@dataclass(frozen=True, slots=True)
class TerminalSettings:
    """None means "not given here": a later source or the default decides."""

    password: str | None = None  # 6 digits
    baud: int | None = None  # the rate the terminal's serial port is set to now (9600 if None)
    charset: str | None = None  # a Python codec name; None: what the terminal announces

    def __post_init__(self) -> None:
        if self.password is not None and not (len(self.password) == 6
                                              and self.password.isascii()
                                              and self.password.isdigit()):
            raise BadInput(_("The terminal password must be 6 digits, e.g. 123456."))
        if self.baud is not None and self.baud not in SERIAL_RATES:
            raise BadInput(_("{baud} is not a serial rate a terminal uses; give one of "
                             "{rates}.").format(baud=self.baud,
                                                rates=", ".join(map(str, SERIAL_RATES))))
        if self.charset is not None:
            try:
                codecs.lookup(self.charset)
            except LookupError:
                raise BadInput(_("{charset!r} is not a character set posdiag knows; give e.g. "
                                 "cp437, utf-8 or iso-8859-1.").format(charset=self.charset)) \
                    from None

    @classmethod
    def from_table(cls, table: dict[str, Any], where: str) -> TerminalSettings:
        """Settings from a TOML table (kit config, plan); BadInput names ``where``."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(table) - known)
        if unknown:
            raise BadInput(_("{where}: unknown terminal setting(s) {names}; known: password, "
                             "baud, charset.").format(where=where, names=", ".join(unknown)))
        for name, kind in (("password", str), ("baud", int), ("charset", str)):
            value = table.get(name)
            if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
                raise BadInput(_("{where}: {name} has the wrong type ({value!r}); write it as "
                                 "in the example: password = \"123456\", baud = 9600, "
                                 "charset = \"cp437\".").format(where=where, name=name,
                                                                value=value))
        try:
            return cls(**{name: table.get(name) for name in known})
        except BadInput as err:
            raise BadInput(_("{where}: {problem}").format(where=where, problem=err)) from err

    def over(self, other: TerminalSettings | None) -> TerminalSettings:
        """These settings, with ``other``'s where these leave one out."""
        if other is None:
            return self
        return TerminalSettings(*(getattr(self, f.name) if getattr(self, f.name) is not None
                                  else getattr(other, f.name) for f in fields(self)))

    def driver_options(self) -> dict[str, Any]:
        """Keyword options for ``Driver.open``; the password defaults to 123456."""
        options: dict[str, Any] = {"password": self.password or DEFAULT_PASSWORD}
        if self.baud is not None:
            options["baud"] = self.baud
        if self.charset is not None:
            options["charset"] = self.charset
        return options

    def command_line(self) -> tuple[list[str], dict[str, str]]:
        """The same settings for a child `posdiag` process: (options, environment).

        The password travels in the environment (PASSWORD_ENV), not on a command line that
        every user of the machine can read in the process list."""
        words: list[str] = []
        for name in ("baud", "charset"):
            value = getattr(self, name)
            if value is not None:
                words += [f"--{name}", str(value)]
        environment = {PASSWORD_ENV: self.password} if self.password is not None else {}
        return words, environment
