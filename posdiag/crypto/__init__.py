"""Cryptography for posdiag: pure functions on pyca/cryptography, no device I/O."""
