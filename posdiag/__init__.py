"""posdiag: diagnostics, backup and acceptance testing for payment terminals.

Importing this package must stay cheap: `posdiag --version` imports nothing else.
"""

__version__ = "0.1.0"
