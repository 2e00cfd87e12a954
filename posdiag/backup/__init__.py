"""Encrypted, verifiable, resumable backup sets of a terminal's journal, totals, identity, log.

layout (names, README) · manifest (records, canonical JSON, signatures) ·
kitkey (the kit's signing key) · writer (write-once files, read back) ·
plan (what is left to do) · snapshots (identity, totals, log segments) ·
service (run_backup) · verify · inspect · media
(finding the stick). docs/backup-set.md describes the format.
"""
