"""T1 (PA00P016 §3): a frame is dropped with NAK only when its bytes stop for longer than T1.

A dialog waits in short slices (to notice Ctrl-C); each slice ends the transport's receive
early. A slow frame — 9600 baud, bytes arriving every 10-20 ms — must survive that: T1 counts
from the frame's last byte, not from the start of a read that a short deadline cut off.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.serial_framing import NAK, frame
from posdiag.drivers.zvt.transport import SerialTransport
from posdiag.errors import LinkTimeout
from posdiag.link.serialport import open_serial


def test_a_slow_frame_read_in_short_slices_is_not_nakked():
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    link = open_serial(os.ttyname(slave))
    transport = SerialTransport(link)
    apdu = Apdu(0x04, 0x0F, bytes(range(200)))
    wire = frame(apdu.encode())

    def trickle() -> None:
        for byte in wire:
            os.write(master, bytes((byte,)))
            time.sleep(0.015)

    writer = threading.Thread(target=trickle)
    writer.start()
    try:
        received = None
        end = time.monotonic() + 20
        while received is None and time.monotonic() < end:
            try:
                received = transport.receive(0.03)  # far shorter than the frame takes
            except LinkTimeout:
                continue
        writer.join()
        assert received == apdu
        answers = b""
        while select.select([master], [], [], 0.2)[0]:
            answers += os.read(master, 64)
        assert bytes((NAK,)) not in answers and answers.endswith(b"\x06")
    finally:
        link.close()
        os.close(master)
        os.close(slave)
