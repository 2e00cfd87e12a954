"""Serial links through pyserial's ``serial_for_url``.

One class serves device paths (/dev/ttyACM0, /dev/pts/N), ``rfc2217://host:port``
(a network serial server) and ``socket://host:port`` (raw TCP carrying the
serial framing), because pyserial picks the transport from the URL.
"""

from __future__ import annotations

import contextlib
import errno

import serial

from posdiag.i18n import _

try:  # pyserial's flush() calls tcdrain, which raises termios.error (not OSError) on a lost pty
    from termios import error as _TermiosError
except ImportError:  # not POSIX
    _TermiosError = OSError  # type: ignore[assignment,misc]

from posdiag.errors import (
    UDEV_HINT,
    DeviceError,
    LinkClosed,
    LinkError,
    PermissionDenied,
    PortBusy,
    PortNotFound,
)

DEFAULT_BAUD = 9600  # ZVT default; 8N2 (PA00P016 §2)


def open_serial(
    url: str, baud: int = DEFAULT_BAUD, *, stop_bits: int = 2, exclusive: bool = True
) -> SerialLink:
    """Open a serial URL at baud, 8 data bits, no parity, with RTS and DTR raised.

    ZVT wants 2 stop bits (8N2); ESC/POS printers usually 1."""
    kwargs: dict[str, object] = {
        "baudrate": baud,
        "bytesize": serial.EIGHTBITS,
        "parity": serial.PARITY_NONE,
        "stopbits": serial.STOPBITS_TWO if stop_bits == 2 else serial.STOPBITS_ONE,
        "xonxoff": False,
        "rtscts": False,
        "timeout": 0,
    }
    is_device = "://" not in url
    if is_device and exclusive:
        kwargs["exclusive"] = True  # a second posdiag on the same port fails fast
    try:
        port = serial.serial_for_url(url, **kwargs)
    except serial.SerialException as err:
        raise _open_error(url, err) from err
    except ValueError as err:
        raise LinkError(_("cannot open {url}: {err}; check the port string.").format(
                            url=url, err=err)) from err
    if is_device:
        try:
            port.rts = True
            port.dtr = True
        except (OSError, serial.SerialException):
            pass  # ptys and some bridges have no modem lines
    return SerialLink(port, url)


def _open_error(url: str, err: serial.SerialException) -> DeviceError:
    code = getattr(err, "errno", None)
    text = str(err)
    if code == errno.ENOENT or "No such file" in text:
        return PortNotFound(
            _("serial port {url} does not exist; run `posdiag devices` to list ports.").format(
                url=url)
        )
    if code == errno.EACCES or "Permission denied" in text:
        return PermissionDenied(
            _("no permission to open {url}; join the dialout group or {udev_hint}.").format(
                url=url, udev_hint=_(UDEV_HINT))
        )
    if code == errno.EBUSY or "exclusively lock" in text or "busy" in text.lower():
        return PortBusy(_("serial port {url} is busy; close the other program using "
                          "it and retry.").format(url=url))
    if "refused" in text.lower() or code == errno.ECONNREFUSED:
        return PortNotFound(_("nothing answers at {url} (connection refused); check "
                              "host and port.").format(url=url))
    return LinkError(_("cannot open {url}: {text}").format(url=url, text=text))


class SerialLink:
    """A ByteLink over a pyserial port object."""

    def __init__(self, port: serial.SerialBase, description: str) -> None:
        self._port = port
        self.description = description

    @property
    def baudrate(self) -> int:
        return int(self._port.baudrate)

    @property
    def can_set_rate(self) -> bool:
        """True where the rate means something: a device, or a network serial server
        (rfc2217://); a raw socket:// or loop:// carries bytes at no rate."""
        return "://" not in self.description or self.description.startswith("rfc2217://")

    def set_rate(self, baud: int) -> None:
        """Change the line's baud rate now (what is written has already left: write drains)."""
        try:
            self._port.baudrate = baud
        except (serial.SerialException, OSError, ValueError) as err:
            raise LinkError(_("cannot set {description} to {baud} baud: {err}").format(
                                description=self.description, baud=baud, err=err)) from err

    def read(self, size: int, timeout: float) -> bytes:
        try:
            self._port.timeout = timeout
            first = self._port.read(1)
            if not first:
                return b""
            self._port.timeout = 0
            more = self._port.in_waiting
            rest = self._port.read(min(more, size - 1)) if more and size > 1 else b""
            return first + rest
        except serial.SerialException as err:
            raise self._io_error(err) from err
        except OSError as err:
            raise self._io_error(err) from err

    def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError) as err:
            raise self._io_error(err) from err
        except _TermiosError as err:
            raise self._io_error(OSError(*err.args)) from err

    def close(self) -> None:
        with contextlib.suppress(serial.SerialException, OSError):
            self._port.close()

    def _io_error(self, err: Exception) -> LinkError:
        text = str(err)
        if "disconnected" in text or "returned no data" in text or "closed" in text.lower() \
                or "Input/output error" in text \
                or getattr(err, "errno", None) in (errno.EIO, errno.ENXIO, errno.EBADF):
            return LinkClosed(_("the link to {description} was lost (cable pulled or "
                                "device gone); reconnect and retry.").format(
                                  description=self.description))
        return LinkError(_("I/O error on {description}: {text}").format(
                             description=self.description, text=text))
