"""Readable reports of acceptance-test records (`posdiag report`).

``model`` holds what the renderer is given, ``html`` turns it into one self-contained HTML
page (pure: dicts in, text out), ``service`` finds, loads and verifies records and writes the
page. Only ``service`` touches files or cryptography.
"""
