"""The report's inline style sheet: system fonts only, badges that survive printing."""

from __future__ import annotations

# Badge colours by outcome; each pair is (background, text) with readable contrast.
BADGE_COLOURS: dict[str, tuple[str, str]] = {
    "PASS": ("#1b7f3b", "#ffffff"),
    "FAIL": ("#c62828", "#ffffff"),
    "ERROR": ("#e65100", "#ffffff"),
    "SKIPPED": ("#757575", "#ffffff"),
    "ABORTED": ("#6a1b9a", "#ffffff"),
    "RUNNING": ("#1565c0", "#ffffff"),
}
UNKNOWN_BADGE = ("#424242", "#ffffff")


def badge_rules() -> str:
    """One CSS rule per outcome badge (class ``badge-<outcome>``)."""
    rules = [f".badge-{name.lower()} {{ background: {bg}; color: {fg}; }}"
             for name, (bg, fg) in BADGE_COLOURS.items()]
    rules.append(f".badge-other {{ background: {UNKNOWN_BADGE[0]}; color: {UNKNOWN_BADGE[1]}; }}")
    return "\n".join(rules)


STYLE_SHEET = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; font-size: 14px; line-height: 1.4; color: #212121; margin: 2em auto;
       max-width: 70em; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin: 0 0 0.5em 0; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em 0; }
.meta { color: #616161; margin-top: 0; }
section.record { border-top: 3px solid #bdbdbd; padding-top: 1em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; margin: 0.3em 0 0.8em 0; }
th, td { border: 1px solid #d0d0d0; padding: 0.25em 0.5em; text-align: left;
         vertical-align: top; }
th { background: #f2f2f2; font-weight: 600; }
table.facts th { width: 12em; }
td.num { text-align: right; white-space: nowrap; }
.badge { display: inline-block; padding: 0.1em 0.6em; border-radius: 0.3em; font-weight: 700;
         letter-spacing: 0.03em; }
.big { font-size: 1.2em; }
.sig-ok { border-left: 6px solid #1b7f3b; background: #e8f5e9; padding: 0.4em 0.8em; }
.sig-bad { border: 3px solid #c62828; background: #ffebee; padding: 0.4em 0.8em;
           font-weight: 700; color: #b71c1c; }
.key { font-family: ui-monospace, "DejaVu Sans Mono", Consolas, monospace; word-break: break-all; }
.fail { color: #b71c1c; font-weight: 600; }
.muted { color: #757575; }
ul.details { margin: 0; padding-left: 1.1em; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Consolas, monospace; font-size: 0.95em; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  section.record { break-before: page; border-top: none; margin-top: 0; }
  section.record:first-of-type { break-before: auto; }
  tr, .sig-ok, .sig-bad { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
@page { margin: 15mm; }
"""
