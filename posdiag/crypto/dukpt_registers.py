"""The device side of DUKPT that X9.24-1 (TDES) and X9.24-3 (AES) share.

Both keep one register per counter bit. The key for counter n sits in the register
of n's lowest set bit; using it fills the registers of the lower bits from it and
erases it. Counters with more one-bits than the standard allows are skipped, and
after the last one the device is exhausted. The standards differ only in the
sizes, in which register belongs to which bit, in how a register key is derived,
and in the KSN layout: subclasses give those.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Self

from posdiag.errors import BadInput, DukptExhausted
from posdiag.i18n import _


class DukptRegisters:
    COUNTER_BITS: ClassVar[int]
    MAX_ONE_BITS: ClassVar[int]
    MAX_COUNTER: ClassVar[int]
    NAME: ClassVar[str]  # "TDES" or "AES", for messages

    _registers: list[bytes | None]
    _counter: int

    # --- what each standard defines ------------------------------------------------------

    def _index(self, bit: int) -> int:
        """The register that belongs to counter bit ``bit``."""
        raise NotImplementedError

    def _derive(self, key: bytes, counter: int) -> bytes:
        """The register key for ``counter`` (the counter with its new bit set), from ``key``."""
        raise NotImplementedError

    def _ksn_for(self, counter: int) -> bytes:
        raise NotImplementedError

    @staticmethod
    def _is_valid_counter(counter: int) -> bool:
        raise NotImplementedError

    # --- shared behaviour ----------------------------------------------------------------

    def _load(self, initial_key: bytes) -> None:
        """Load the initial key: fill every register from it; counter 1 is next."""
        self._registers = [None] * self.COUNTER_BITS
        self._counter = 0
        self._fill_below(initial_key, 1 << self.COUNTER_BITS)
        self._counter = 1

    def _preload(self, counter: int, host_key: Callable[[int], bytes]) -> Self:
        """Registers as they stand just before ``counter``, computed with the host
        derivation ``host_key(target_counter)`` instead of running every earlier one."""
        if not self._is_valid_counter(counter):
            raise BadInput(_("{counter:#x} is not a usable {name} DUKPT counter; "
                             "pick 1..0x{max_counter:X}.").format(
                               counter=counter, name=self.NAME, max_counter=self.MAX_COUNTER))
        self._counter = counter
        self._registers = [None] * self.COUNTER_BITS
        lowest = counter & -counter
        for shift in range(self.COUNTER_BITS):
            bit = 1 << shift
            target = (counter & ~((bit << 1) - 1)) | bit
            held = bit == lowest or (bit > lowest and not counter & bit)
            if held and target.bit_count() <= self.MAX_ONE_BITS:
                self._registers[self._index(bit)] = host_key(target)
        return self

    @property
    def counter(self) -> int:
        """The counter the next transaction will use (0 once exhausted)."""
        return 0 if self.exhausted else self._counter

    @property
    def exhausted(self) -> bool:
        return self._counter >= 1 << self.COUNTER_BITS

    @property
    def ksn(self) -> bytes:
        """The KSN the next transaction will send."""
        self._check_not_exhausted()
        return self._ksn_for(self._counter)

    def registers(self) -> tuple[bytes | None, ...]:
        """A copy of the registers (None where erased or never filled)."""
        return tuple(self._registers)

    def next_transaction_key(self) -> tuple[bytes, bytes]:
        """Return (KSN, transaction key) for this transaction and advance the counter."""
        self._check_not_exhausted()
        counter = self._counter
        lowest = counter & -counter
        index = self._index(lowest)
        key = self._registers[index]
        if key is None:  # cannot happen through the public API; guards a corrupted state
            raise DukptExhausted(_("The {name} DUKPT register is empty; reload the "
                                   "initial key.").format(name=self.NAME))
        ksn = self._ksn_for(counter)
        if counter.bit_count() < self.MAX_ONE_BITS:
            self._fill_below(key, lowest)
            self._counter = counter + 1
        else:
            self._counter = counter + lowest  # skips every counter with too many one-bits
        self._registers[index] = None
        return ksn, key

    def _fill_below(self, key: bytes, top_bit: int) -> None:
        """Regenerate the registers of every bit below ``top_bit`` from ``key``."""
        bit = top_bit >> 1
        while bit:
            self._registers[self._index(bit)] = self._derive(key, self._counter | bit)
            bit >>= 1

    def _check_not_exhausted(self) -> None:
        if self.exhausted:
            raise DukptExhausted(
                _("The {name} DUKPT device used its last counter "
                  "(0x{max_counter:X}); load a new initial key.").format(
                    name=self.NAME, max_counter=self.MAX_COUNTER)
            )
