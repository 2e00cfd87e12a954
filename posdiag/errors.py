"""Every error posdiag raises on purpose.

Each class carries the process exit code of design.md, so the one top-level
handler in ``posdiag.cli`` maps any of them to a single stderr sentence and an
exit code; nothing else calls ``sys.exit``.

Exit codes: 1 a test or verification failed; 2 usage or plan error;
3 device or link error; 4 media error; 130 interrupted (Ctrl-C or SIGTERM) after the
device was left in a usable state.
"""

from __future__ import annotations

from posdiag.i18n import N_

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_DEVICE = 3
EXIT_MEDIA = 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

# What each exit code means, for every command. README's table and `posdiag --help` are made
# from this (tests/cli/test_exit_codes.py checks README against it and walks every command).
EXIT_CODES: dict[int, str] = {
    EXIT_OK: N_("ok; also when the program reading the output stopped early (as head does)"),
    EXIT_CHECK_FAILED: N_("a test or verification failed (a case file that does not verify, "
                          "too)"),
    EXIT_USAGE: N_("usage or plan error: an option, file, folder, key or plan is wrong (a "
                   "missing or foreign case folder, a step of the case that is not the next "
                   "one, a key that cannot open a backup set); nothing was touched"),
    EXIT_DEVICE: N_("device or link error: a terminal or printer that does not answer, a port "
                    "that is missing or busy"),
    EXIT_MEDIA: N_("media error: no USB stick, or the medium is full, read-only or removed"),
    EXIT_INTERRUPTED: N_("interrupted (Ctrl-C or SIGTERM); the device was told to stop and "
                         "left usable; a backup keeps what it read (--resume continues)"),
}

# What to tell a user whom the OS denies a device: the kit's udev rules grant the access.
# Marked for the catalog; messages that name it translate it where they are made.
UDEV_HINT = N_("add a udev rule: `posdiag kit install` or see udev/")


class PosdiagError(Exception):
    """Base class. The message is one sentence: what happened and what to do."""

    exit_code: int = EXIT_CHECK_FAILED


# --- 1: a check failed -----------------------------------------------------------------


class CheckFailed(PosdiagError):
    """A test, a verification or a comparison did not hold."""

    exit_code = EXIT_CHECK_FAILED


class VerificationError(CheckFailed):
    """A backup set, signature or hash did not verify."""


class DecryptionError(CheckFailed):
    """An encrypted file could not be decrypted (wrong key, damaged or not that format)."""


class UnsafeFile(VerificationError):
    """A file on a medium is not what a backup set may hold: not a regular file (a symbolic
    link, FIFO or device) or larger than its record or a documented cap allows. It is never
    read further, so a hostile stick cannot hang or exhaust the reader."""


class OperatorSlip(CheckFailed):
    """The person at the terminal slipped: a wrong PIN or card, nothing presented in time, a
    swipe the reader could not read. The terminal is not judged by it; the step can be done
    again. ``slip`` names the kind (posdiag.plan.slips)."""

    def __init__(self, message: str, slip: str) -> None:
        super().__init__(message)
        self.slip = slip


# --- 2: usage ------------------------------------------------------------------------------


class UsageError(PosdiagError):
    """The command line, an input file or a plan is wrong; nothing was touched."""

    exit_code = EXIT_USAGE


class PlanError(UsageError):
    """A test plan or configuration file is invalid."""


class BadInput(UsageError):
    """User-supplied data (hex, recipients, options) could not be understood."""


class WrongIdentity(UsageError):
    """None of the identities (keys, passphrase) given can open an encrypted backup set.

    A usage error, not a failed check: the set may be perfectly sound, the key is wrong."""


class DocumentSetupError(UsageError):
    """A document cannot be rendered on this machine: the PDF extra or a CJK font is missing."""


# --- 3: device and link --------------------------------------------------------------------


class DeviceError(PosdiagError):
    """The device or the link to it failed."""

    exit_code = EXIT_DEVICE


class LinkError(DeviceError):
    """The byte pipe failed: port missing, busy, closed, or dropped."""


class PortNotFound(LinkError):
    pass


class PortBusy(LinkError):
    pass


class LinkClosed(LinkError):
    """The peer closed the connection or the cable was pulled."""


class LinkTimeout(LinkError):
    """The peer did not answer in time (T1/T2/T3/T4 in ZVT terms)."""


class CertificateRejected(LinkError):
    """The peer's TLS certificate did not verify against the CA or the pinned fingerprint."""


class TransmissionError(LinkError):
    """A frame could not be delivered after all retries (NAK, CRC error, no ACK)."""


class ProtocolError(DeviceError):
    """Bytes that do not follow the protocol. Codecs raise only this on bad input."""


class DukptExhausted(DeviceError):
    """A DUKPT device used its last transaction counter and needs a new initial key."""


class TerminalRefused(DeviceError):
    """The terminal answered the command negatively (84 xx or an abort 06 1E)."""

    def __init__(self, message: str, result_code: int | None = None) -> None:
        super().__init__(message)
        self.result_code = result_code


class PasswordRefused(TerminalRefused):
    """The terminal refused the ECR's password (ZVT: 84 83 answering Registration 06 00)."""


class PersonTimedOut(TerminalRefused):
    """The terminal waited for a person (a PIN typed) until its own time-out ran out
    (ZVT 06 E7 answered with key code 6C)."""


class CancelledAtTerminal(TerminalRefused):
    """Somebody pressed STOP (cancel) at the terminal while it waited (ZVT 06 E7 key code 1B)."""


class PaymentDeclined(TerminalRefused):
    """A payment, refund or reversal ended with a result code other than 00 (04 0F + 06 1E).

    ``result`` holds the typed outcome (posdiag.devices.PaymentResult) with the receipts."""

    def __init__(self, message: str, result_code: int | None = None,
                 result: object | None = None) -> None:
        super().__init__(message, result_code)
        self.result = result


class DeviceNotFound(DeviceError):
    """No device of the wanted kind is attached."""


class PermissionDenied(DeviceError):
    """The operating system refused access to the device."""


# --- 4: media ------------------------------------------------------------------------------


class MediaError(PosdiagError):
    """The backup medium failed: removed, full, read-only or unreadable."""

    exit_code = EXIT_MEDIA


class MediaRemoved(MediaError):
    """The medium went away or failed mid-write (EIO, ENODEV, ENXIO, ENOENT)."""


class MediaFull(MediaError):
    """No space left on the medium (ENOSPC, EFBIG, EDQUOT)."""


class MediaReadOnly(MediaError):
    """The medium is read-only or was remounted read-only after an error (EROFS, EACCES, EPERM)."""


class MediaCorrupt(MediaError):
    """A file read back from the medium differs from what was written."""


class MediumNotFound(MediaError):
    """No backup medium is mounted (``--to auto`` or the kit with no USB stick plugged in)."""


# --- 130: interrupted ----------------------------------------------------------------------


class Interrupted(PosdiagError):
    """The user pressed Ctrl-C or the service got SIGTERM; the device was told to stop
    (ZVT Abort 06 B0) and left usable. The message says how to continue (e.g. --resume)."""

    exit_code = EXIT_INTERRUPTED


# --- the repair case -----------------------------------------------------------------------
# Placed by the exit code they carry: a missing, foreign or wrongly used case folder is a
# usage error (2); a case file that does not verify is a failed check (1).


class CaseNotFound(UsageError):
    """The case folder named does not exist or holds no case file."""


class NotACase(UsageError):
    """The folder holds files, but not a posdiag case (another tool's, or another format)."""


class IllegalTransition(UsageError):
    """The case cannot go from its state to the one asked for (without --force and a reason)."""


class CaseAltered(VerificationError):
    """A revision of the case file does not verify: edited, damaged, or its chain broken."""
