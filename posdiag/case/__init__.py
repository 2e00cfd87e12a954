"""The repair case (工单): one broken terminal, one case, from fault report to accepted
replacement (docs/case.md).

    model.py        what a case holds (frozen dataclasses): the read-only model documents
                    and pages render from
    store.py        the case folder: signed write-once revisions in a hash chain; load_case
                    reads and verifies, write_revision appends
    states.py       open → backed-up / backup-impossible → requested → replacement-testing
                    → accepted / rejected → closed
    opening.py      case open: terminal read (or identity by hand), merchant, warranty
    backup.py       posdiag backup --case: caution, backup, link by reference
    flow.py         case request, close, edit
    acceptance.py   posdiag test --case: arrival inspection, merchant binding, verdict
    listing.py      case list: the newest revision of every case under the roots
    show.py         a case in words
"""

from __future__ import annotations

from posdiag.case.model import Case, Revision
from posdiag.case.store import CaseFile, load_case

__all__ = ["Case", "CaseFile", "Revision", "load_case"]
