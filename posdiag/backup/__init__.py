"""Encrypted, verifiable, resumable backup sets of a terminal's merchant journal.

layout (names, README) · manifest (records, canonical JSON, signatures) ·
kitkey (the kit's signing key) · writer (write-once files, read back) ·
plan (what is left to do) · service (run_backup) · verify · inspect · media
(finding the stick). docs/backup-set.md describes the format.
"""
