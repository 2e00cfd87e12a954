"""The field kit: a headless Raspberry Pi that backs a terminal up when a terminal and a stick
are plugged in.

    config.py   kit.toml: recipients, port, media, plan, hook (validated, one-line errors)
    udev.py     udev rules, systemd units and the polkit rule, generated from usbids
    install.py  `posdiag kit install/uninstall`: write them, remember exactly what was written
    lock.py     one cycle at a time (fcntl lock file)
    detect.py   which terminal port and which stick are plugged in right now
    eject.py    sync, unmount and power the stick off through udisksctl
    signals.py  state signalling: journal log lines, plus an optional hook command
    cycle.py    one cycle: identify, back up (or resume), verify, plan, sync, power off
    service.py  `posdiag kit run`: wait for terminal + stick, run cycles, survive bad config
"""
