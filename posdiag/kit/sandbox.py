"""The systemd sandbox of the kit's units: one common block, and what each unit adds.

Every posdiag unit handles untrusted media (a stranger's stick) and untrusted devices (a
terminal's bytes), so each runs as the unprivileged user ``posdiag`` confined by the same
block: no capabilities, read-only system, no kernel knobs, a system-call allow list. A unit
then states only what it needs beyond that: device nodes, address families, IP ranges and
writable paths. ``render_sandbox`` writes the directives, each with the reason for it as a
comment, into the ``[Service]`` section (docs/field-kit.md §Sandbox explains them too).

The page for the technician's phone (``posdiag kit serve``) is another ``Sandbox`` value:
network on, no devices, no writable stick.

The target: ``systemd-analyze security`` rates each unit 4.0 or lower (tests check it where
``systemd-analyze security --offline=yes`` is available).
"""

from __future__ import annotations

from dataclasses import dataclass

# (directive, value, why) of the block every posdiag unit shares.
COMMON: tuple[tuple[str, str, str], ...] = (
    ("NoNewPrivileges", "yes",
     "no setuid/setgid escalation, for posdiag or any hook or tool it starts"),
    ("CapabilityBoundingSet", "", "no Linux capabilities at all: nothing here needs root"),
    ("AmbientCapabilities", "", "and none handed to child processes"),
    ("ProtectSystem", "strict",
     "the whole file system is read-only except the paths listed as writable"),
    ("ProtectHome", "yes", "home folders are invisible (install posdiag under /opt, not ~)"),
    ("PrivateTmp", "yes", "a /tmp of its own, gone when the unit stops"),
    ("PrivateIPC", "yes", "no System V IPC or POSIX message queues shared with others"),
    ("PrivateMounts", "yes",
     "mounts made in the unit stay in it; the host's (a stick mounted by udisks2) still show"),
    ("ProtectKernelTunables", "yes", "/proc/sys and /sys are read-only (reading them is enough)"),
    ("ProtectKernelModules", "yes", "no kernel modules loaded or unloaded"),
    ("ProtectKernelLogs", "yes", "no access to the kernel log buffer"),
    ("ProtectControlGroups", "yes", "the cgroup tree is read-only"),
    ("ProtectClock", "yes", "the system clock cannot be set"),
    ("ProtectHostname", "yes", "the host name cannot be changed"),
    ("ProtectProc", "invisible", "other users' processes are invisible in /proc"),
    ("ProcSubset", "pid", "only process folders in /proc (/proc/self/mounts finds the stick)"),
    ("RestrictNamespaces", "yes", "no new namespaces (containers) can be made"),
    ("LockPersonality", "yes", "the execution domain cannot be changed"),
    ("MemoryDenyWriteExecute", "yes",
     "no writable and executable memory: CPython has no JIT, and posdiag uses no ctypes "
     "callbacks (pyusb makes them only for isochronous transfers)"),
    ("RestrictRealtime", "yes", "no real-time scheduling that could starve the system"),
    ("RestrictSUIDSGID", "yes", "no setuid/setgid files can be created (on a stick, say)"),
    ("RemoveIPC", "yes", "IPC objects of the user are removed when the unit stops"),
    ("KeyringMode", "private", "a kernel keyring of its own"),
    ("SystemCallArchitectures", "native", "only the machine's native system-call ABI"),
    ("SystemCallFilter", "@system-service",
     "an allow list: what ordinary services call (files, sockets, ioctl on serial and USB)"),
    ("SystemCallFilter", "~@privileged @resources",
     "minus calls that need privileges or change priorities and resource limits"),
    ("SystemCallErrorNumber", "EPERM", "a refused call fails with EPERM instead of a kill"),
    ("UMask", "0077", "files it creates are readable by posdiag only"),
)


@dataclass(frozen=True, slots=True)
class Sandbox:
    """What one unit may reach beyond the common block; each entry is (value, why)."""

    # DeviceAllow= entries; none means PrivateDevices=yes (only /dev/null and friends).
    devices: tuple[tuple[str, str], ...] = ()
    # RestrictAddressFamilies=; AF_UNIX reaches the D-Bus system bus (udisks2).
    address_families: tuple[str, ...] = ("AF_UNIX",)
    # IPAddressAllow= ranges; none with only AF_UNIX means PrivateNetwork=yes.
    ip_allow: tuple[tuple[str, str], ...] = ()
    # ReadWritePaths= (a leading "-" means: skip it if it does not exist).
    writable: tuple[tuple[str, str], ...] = ()

    @property
    def network(self) -> bool:
        return any(family in ("AF_INET", "AF_INET6") for family in self.address_families)


def _lines(directive: str, value: str, why: str) -> list[str]:
    return [f"# {why}", f"{directive}={value}"]


def render_sandbox(sandbox: Sandbox) -> str:
    """The sandbox directives of one unit's [Service] section, commented."""
    lines = ["# --- sandbox (posdiag/kit/sandbox.py; docs/field-kit.md §Sandbox) ---"]
    for directive, value, why in COMMON:
        lines += _lines(directive, value, why)
    if sandbox.devices:
        lines += _lines("DevicePolicy", "closed",
                        "no device nodes but /dev/null, /dev/zero, /dev/urandom and those below")
        for value, why in sandbox.devices:
            lines += _lines("DeviceAllow", value, why)
    else:
        lines += _lines("PrivateDevices", "yes", "no device nodes at all: it needs none")
    lines += _lines("RestrictAddressFamilies", " ".join(sandbox.address_families),
                    "only these socket families: "
                    + ", ".join(_FAMILY_WHY[f] for f in sandbox.address_families))
    if sandbox.network:
        lines += _lines("IPAddressDeny", "any", "no IP traffic but to the ranges below")
        for value, why in sandbox.ip_allow:
            lines += _lines("IPAddressAllow", value, why)
    else:
        lines += _lines("PrivateNetwork", "yes", "no network at all: it talks to no host")
        lines += _lines("IPAddressDeny", "any", "and no IP traffic, should that ever change")
    for value, why in sandbox.writable:
        lines += _lines("ReadWritePaths", value, why)
    return "\n".join(lines) + "\n"


_FAMILY_WHY = {
    "AF_UNIX": "AF_UNIX for the journal and the D-Bus system bus (udisks2)",
    "AF_INET": "AF_INET for terminals on tcp:// and rfc2217:// ports",
    "AF_INET6": "AF_INET6 for the same over IPv6",
    "AF_NETLINK": "AF_NETLINK for libusb's hot-plug events (pyusb)",
}

# The field-kit service: the terminal's serial and USB nodes, card readers and printers,
# terminals on the shop's network, the state folder and the stick.
KIT_SANDBOX = Sandbox(
    devices=(
        ("char-ttyACM rw", "USB CDC-ACM serial: terminals and PIN pads (/dev/ttyACM*)"),
        ("char-ttyUSB rw", "USB-serial bridges, FTDI, CP210x, PL2303 (/dev/ttyUSB*)"),
        ("char-usb_device rw", "raw USB nodes pyusb opens: printers (/dev/bus/usb/*/*)"),
        ("char-hidraw rw", "HID card readers (/dev/hidraw*)"),
        ("char-gpiochip rw", "GPIO for a status-LED hook (gpioset, /dev/gpiochip*)"),
    ),
    address_families=("AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"),
    ip_allow=(
        ("localhost", "the local resolver and a local emulator"),
        ("link-local", "terminals on a direct cable without DHCP (169.254/16, fe80::/10)"),
        ("10.0.0.0/8 172.16.0.0/12 192.168.0.0/16",
         "terminals on the shop's private network (RFC 1918)"),
        ("fc00::/7", "the same over IPv6 (unique local addresses)"),
    ),
    writable=(
        ("-/media/posdiag", "the stick, mounted by udisks2 as /media/posdiag/<LABEL>"),
    ),
)

# The stick unit runs `udisksctl mount`: a D-Bus call to udisks2, nothing else.
STICK_SANDBOX = Sandbox()

# The page for the technician's phone (`posdiag kit serve`): it listens on the access point's
# addresses and reads what the kit writes to its state folder; no device, nothing on a stick
# to write. The state folder is its StateDirectory (writable: the answers it passes on).
WEB_SANDBOX = Sandbox(
    address_families=("AF_UNIX", "AF_INET", "AF_INET6"),
    ip_allow=(
        ("localhost", "a browser on the kit itself"),
        ("link-local", "the phone on the kit's access point without DHCP (169.254/16, fe80::/10)"),
        ("10.0.0.0/8 172.16.0.0/12 192.168.0.0/16",
         "the phone on the kit's access point or the shop's network (RFC 1918)"),
        ("fc00::/7", "the same over IPv6 (unique local addresses)"),
    ),
)
