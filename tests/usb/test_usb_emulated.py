"""End to end through pyusb's real code path, on the emulated backend (no libusb, no hardware)."""

from __future__ import annotations

import pytest
import usb.core

from posdiag.drivers.escpos import EscposPrinter, check_test_receipt
from posdiag.emulator.usb import EmulatedBackend, EmulatedUsbDevice, EmulatedUsbPrinter
from posdiag.emulator.usb.device import EndpointSpec, InterfaceSpec
from posdiag.errors import BadInput, DeviceNotFound, LinkClosed, PermissionDenied, PortBusy
from posdiag.link.usb import UsbPipe, registered_backend, resolve_backend


def test_pyusb_finds_the_emulated_printer_with_its_descriptors(backend: EmulatedBackend) -> None:
    dev = usb.core.find(backend=backend, idVendor=0x0416, idProduct=0x5011)
    assert dev is not None and dev.serial_number == "EMU-PRN-0001"
    dev.set_configuration()
    intf = dev.get_active_configuration()[(0, 0)]
    assert intf.bInterfaceClass == 7
    assert [e.bEndpointAddress for e in intf] == [0x02, 0x81]


def test_test_receipt_over_usb_prints_every_feature(backend: EmulatedBackend,
                                                    usb_printer: EmulatedUsbPrinter) -> None:
    with EscposPrinter("usb://0416:5011", backend=backend) as printer:
        assert printer.status().words == ("online",)
        sent = printer.print_test_receipt()
    assert bytes(usb_printer.printer.received).endswith(sent)
    (receipt,) = usb_printer.printer.receipts
    assert check_test_receipt(receipt) == []


def test_endpoints_come_from_the_descriptors_not_defaults(backend: EmulatedBackend) -> None:
    pipe = UsbPipe.open(vid=0x0416, pid=0x5011, interface_class=7, backend=backend)
    try:
        assert (pipe.ep_out.bEndpointAddress, pipe.ep_in.bEndpointAddress) == (0x02, 0x81)
    finally:
        pipe.close()


def test_kernel_driver_is_detached_for_the_job_and_given_back(
        backend: EmulatedBackend, usb_printer: EmulatedUsbPrinter) -> None:
    assert usb_printer.kernel_driver == {0}
    printer = EscposPrinter("usb://1/2", backend=backend)  # by bus/address
    printer.open()
    assert usb_printer.kernel_driver == set()
    printer.close()
    assert usb_printer.kernel_driver == {0}


@pytest.mark.parametrize(("fault", "words"), [
    ("paper_out", ("offline", "paper near end", "paper end")),
    ("paper_near_end", ("online", "paper near end")),
    ("cover_open", ("offline", "cover open")),
    ("cutter_error", ("offline", "cutter error")),
])
def test_status_reports_faults(backend: EmulatedBackend, usb_printer: EmulatedUsbPrinter,
                               fault: str, words: tuple[str, ...]) -> None:
    usb_printer.printer.set_fault(fault)
    with EscposPrinter("usb://0416:5011", backend=backend) as printer:
        assert printer.status().words == words


def test_paper_out_holds_the_job_until_paper_is_back(backend: EmulatedBackend,
                                                     usb_printer: EmulatedUsbPrinter) -> None:
    usb_printer.printer.set_fault("paper_out")
    with EscposPrinter("usb://0416:5011", backend=backend) as printer:
        printer.print_test_receipt()
        assert usb_printer.printer.receipts == []
        usb_printer.printer.set_fault("paper_out", on=False)
    assert check_test_receipt(usb_printer.printer.receipts[0]) == []


def test_unplugged_mid_print_is_link_closed_exit_3() -> None:
    device = EmulatedUsbPrinter(unplug_after=100)
    backend = EmulatedBackend([device])
    printer = EscposPrinter("usb://0416:5011", backend=backend)
    printer.open()
    with pytest.raises(LinkClosed) as err:
        printer.print_test_receipt()
    printer.close()
    assert err.value.exit_code == 3 and "unplugged" in str(err.value)
    assert len(device.printer.received) == 100


def test_permission_denied_gives_the_udev_hint() -> None:
    device = EmulatedUsbPrinter()
    device.deny_access = True
    with pytest.raises(PermissionDenied) as err:
        EscposPrinter("usb://0416:5011", backend=EmulatedBackend([device])).open()
    assert err.value.exit_code == 3 and "posdiag kit install" in str(err.value)


def test_busy_interface_is_reported() -> None:
    device = EmulatedUsbPrinter()
    device.busy = True
    with pytest.raises(PortBusy) as err:
        EscposPrinter("usb://0416:5011", backend=EmulatedBackend([device])).open()
    assert err.value.exit_code == 3


def test_second_claim_by_another_program_is_busy(backend: EmulatedBackend) -> None:
    first = EscposPrinter("usb://0416:5011", backend=backend)
    first.open()
    try:
        with pytest.raises(PortBusy):
            EscposPrinter("usb://0416:5011", backend=backend).open()
    finally:
        first.close()


def test_missing_device_is_not_found(backend: EmulatedBackend) -> None:
    with pytest.raises(DeviceNotFound) as err:
        EscposPrinter("usb://04b8:0e15", backend=backend).open()
    assert "posdiag devices" in str(err.value)


def test_a_printer_that_never_answers_is_reported_as_such() -> None:
    silent = EmulatedUsbDevice(vid=0x04B8, pid=0x0E15, manufacturer="x", product="silent",
                               interfaces=(InterfaceSpec(0, 7, 1, 2, (EndpointSpec(0x01),
                                                                      EndpointSpec(0x82))),))
    with EscposPrinter("usb://04b8:0e15", backend=EmulatedBackend([silent])) as printer:
        status = printer.status(timeout=0.05)
    assert status.words == ("no answer",) and not status.ready


def test_posdiag_usb_names_a_registered_backend_one_per_process() -> None:
    emulated = resolve_backend(environ={"POSDIAG_USB": "emulated"})
    assert isinstance(emulated, EmulatedBackend)
    assert resolve_backend(environ={"POSDIAG_USB": "Emulated"}) is emulated  # one bus
    assert resolve_backend(environ={}) is None  # pyusb's libusb
    assert resolve_backend(environ={"POSDIAG_USB": "libusb"}) is None
    own = EmulatedBackend([])
    assert resolve_backend(own, environ={"POSDIAG_USB": "emulated"}) is own  # given wins


def test_an_unknown_backend_name_is_a_usage_error() -> None:
    registered_backend.cache_clear()
    with pytest.raises(BadInput) as err:
        resolve_backend(environ={"POSDIAG_USB": "umockdev"})
    assert err.value.exit_code == 2 and "emulated, libusb" in str(err.value)


def test_the_printer_driver_reaches_the_registered_backend(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No backend= given: the link layer resolves POSDIAG_USB, the driver never knows."""
    monkeypatch.setenv("POSDIAG_USB", "emulated")
    bus = resolve_backend()
    (usb_printer,) = [d for d in bus.devices if isinstance(d, EmulatedUsbPrinter)]
    with EscposPrinter("usb://0416:5011") as printer:
        assert printer.status().words == ("online",)
        printer.print_test_receipt()
    assert check_test_receipt(usb_printer.printer.receipts[-1]) == []
