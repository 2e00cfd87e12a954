"""How the emulated terminal answers each ECR command (PA00P015 §2): the handler table.

Unknown commands are refused with 84 83 00 by the session itself.
"""

from __future__ import annotations

from posdiag.emulator.core import Handler
from posdiag.emulator.handlers_admin import admin_handlers
from posdiag.emulator.handlers_books import book_handlers
from posdiag.emulator.handlers_payment import payment_handlers


def default_handlers() -> dict[tuple[int, int], Handler]:
    return {**admin_handlers(), **book_handlers(), **payment_handlers()}
