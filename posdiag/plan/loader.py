"""Load a test plan: TOML -> a completely validated ``Plan``, or PlanError naming file:line.

Everything is checked before any device is touched: unknown keys, wrong types, unknown step
kinds, test cards missing from cards.toml, limits on measurements a kind does not take. tomllib
gives no positions, so ``_SourceIndex`` finds the line of each key in the text itself.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from posdiag.cards import Digest
from posdiag.errors import BadInput, PlanError, UsageError
from posdiag.i18n import _
from posdiag.plan.model import Limit, Plan, ReplacedTerminal, StepSpec
from posdiag.plan.steps import IDENTITY_FIELDS, KINDS, MAX_PAYMENT_CENTS, Kind, Option
from posdiag.terminal_settings import TerminalSettings

PLAN_KEYS = {"name": str, "description": str, "printer": str, "cards": str, "format": int,
             "charset": str}
# What a ZVT terminal shows and prints when it announced nothing else (docs/zvt.md).
DEFAULT_CHARSET = "cp437"
# Options whose text the terminal itself shows or prints, by step kind. A receipt-print step
# sends its lines to the terminal only with device = "terminal" (the default).
TERMINAL_TEXT_OPTIONS = {"display": "text", "receipt-print": "lines"}
STEP_KEYS = {"kind", "name", "description", "timeout", "retries", "continue-on-fail", "limits"}
FORMAT = 1

_STEP_HEADER = re.compile(r"^\s*\[\[\s*step\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*(?:\.\s*([A-Za-z0-9_\-]+)\s*)?=")
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass
class _SourceIndex:
    """Lines of [[step]] headers and of the keys under each table, found in the TOML text."""

    steps: list[int] = field(default_factory=list)
    step_keys: list[dict[str, int]] = field(default_factory=list)
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    table_lines: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str) -> _SourceIndex:
        index = cls()
        section: dict[str, int] | None = None
        prefix = ""
        for number, line in enumerate(text.splitlines(), start=1):
            if _STEP_HEADER.match(line):
                index.steps.append(number)
                section, prefix = {}, ""
                index.step_keys.append(section)
                continue
            table = _TABLE_HEADER.match(line)
            if table:
                name = table.group(1)
                if name.startswith("step.") and index.step_keys:
                    section, prefix = index.step_keys[-1], name[5:] + "."
                    section.setdefault(name[5:], number)
                else:
                    section, prefix = index.tables.setdefault(name, {}), ""
                    index.table_lines.setdefault(name, number)
                continue
            key = _KEY.match(line)
            if key and section is not None:
                section.setdefault(prefix + key.group(1), number)
                if key.group(2):
                    section.setdefault(f"{prefix}{key.group(1)}.{key.group(2)}", number)
            elif key and section is None:
                index.tables.setdefault("", {}).setdefault(key.group(1), number)
        return index

    def step_line(self, i: int, key: str | None = None) -> int:
        if i >= len(self.steps):
            return 1
        if key is not None:
            keys = self.step_keys[i]
            if key in keys:
                return keys[key]
            if key.split(".")[0] in keys:
                return keys[key.split(".")[0]]
        return self.steps[i]

    def table_line(self, table: str, key: str | None = None) -> int:
        if key is not None and key in self.tables.get(table, {}):
            return self.tables[table][key]
        return self.table_lines.get(table, 1)


_PLAN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def shipped_plan_names() -> list[str]:
    """Names of the plans shipped in testplans/ (cards.toml is not a plan)."""
    from importlib.resources import files

    folder = files("posdiag.testplans")
    return sorted(entry.name[:-5] for entry in folder.iterdir()
                  if entry.name.endswith(".toml") and entry.name != "cards.toml")


def resolve_plan(reference: str | Path) -> Path:
    """A plan file: the path given if it exists, else a shipped plan of that name
    (``acceptance`` → testplans/acceptance.toml); UsageError naming both ways otherwise."""
    path = Path(reference)
    if path.is_file():
        return path
    name = str(reference).removesuffix(".toml")
    if _PLAN_NAME.match(name) and name in shipped_plan_names():
        from posdiag.testplans import shipped_path

        return shipped_path(f"{name}.toml")
    if path.exists():
        raise UsageError(_("The plan {path} is a folder; give a plan file.").format(path=path))
    raise UsageError(_("The plan {plan} does not exist; give a plan file or the name of a "
                       "shipped plan ({names}).").format(plan=reference,
                                                        names=", ".join(shipped_plan_names())))


def load_plan(path: str | Path, *, cards: dict[str, Any] | None = None,
              backup: str | Path | None = None, charset: str | None = None,
              replaced: ReplacedTerminal | None = None) -> Plan:
    """Read and validate a plan file. ``cards`` (name -> TestCard) defaults to cards.toml;
    ``replaced`` is the terminal a replacement stands in for (a repair case).

    ``charset`` is the character set the terminal uses (a ``--charset`` option, or what it
    announced at registration); it overrides the plan's own ``charset``, else CP437. Text the
    terminal must show or print that this charset cannot encode is a PlanError at its line,
    before any device is touched, instead of a codec error in the middle of a run."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise UsageError(_("The plan {path} does not exist; check the path.").format(
                             path=path)) from err
    except OSError as err:
        raise UsageError(_("Cannot read the plan {path} ({strerror}).").format(
                             path=path, strerror=err.strerror)) from err
    try:
        text = raw.decode("utf-8")
        document = tomllib.loads(text)
    except UnicodeDecodeError as err:
        raise PlanError(_("{path}:1: the plan is not UTF-8 text; save it as UTF-8.").format(
                            path=path)) from err
    except tomllib.TOMLDecodeError as err:
        found = _TOML_POSITION.search(str(err))
        line = found.group(1) if found else "1"
        message = _TOML_POSITION.sub("", str(err)).strip()
        raise PlanError(_("{path}:{line}: not valid TOML: {message}.").format(
                            path=path, line=line, message=message)) from err
    # A Digest: the record's PAN guard leaves it exact (posdiag.cards.Digest).
    return _Validator(path, _SourceIndex.of(text), cards, backup, charset, replaced).plan(
        document, Digest(hashlib.sha256(raw).hexdigest()))


def charset_name(charset: str) -> str:
    """The Python codec name of a charset ("CP437", "utf8", "GB18030"); UsageError if unknown."""
    try:
        return codecs.lookup(charset.strip()).name
    except (LookupError, ValueError) as err:
        raise UsageError(_("{charset!r} is not a character set posdiag knows; use "
                           "e.g. cp437, utf-8, gb18030 or latin-1.").format(
                             charset=charset)) from err


def unencodable(text: str, charset: str) -> str:
    """The characters of ``text`` that ``charset`` cannot encode, in order, each once."""
    missing: list[str] = []
    for char in text:
        if char not in missing:
            try:
                char.encode(charset)
            except UnicodeEncodeError:
                missing.append(char)
    return "".join(missing)


def check_terminal_text(plan: Plan, charset: str) -> None:
    """PlanError (file:line of the step) if ``plan`` has terminal text ``charset`` cannot show.

    For a run whose terminal announced its charset after the plan was loaded."""
    codec = charset_name(charset)
    for spec in plan.steps:
        key = TERMINAL_TEXT_OPTIONS.get(spec.kind)
        if key is None or (spec.kind == "receipt-print"
                           and spec.options.get("device") != "terminal"):
            continue
        for line in spec.options.get(key) or ():
            missing = unencodable(line, codec)
            if missing:
                raise PlanError(_charset_message(plan.path, spec.line, key, line, missing,
                                                 codec))


def _charset_message(path: str | Path, line: int, key: str, text: str, missing: str,
                     codec: str) -> str:
    return (f"{path}:{line}: {key} line {text!r} has characters the terminal's character set "
            f"{codec} cannot show ({missing}); write it in characters {codec} has, or set the "
            "terminal's charset (charset = \"utf-8\" or \"gb18030\" in [plan], or --charset) "
            "if it shows them.")


class _Validator:
    def __init__(self, path: Path, index: _SourceIndex, cards: dict[str, Any] | None,
                 backup: str | Path | None, charset: str | None = None,
                 replaced: ReplacedTerminal | None = None) -> None:
        self.path, self.index, self._cards, self.backup = path, index, cards, backup
        self.given_charset = charset
        self.charset = DEFAULT_CHARSET
        self.replaced = replaced

    def fail(self, line: int, what: str) -> PlanError:
        return PlanError(f"{self.path}:{line}: {what}")

    def cards(self, card_file: str | None) -> dict[str, Any]:
        if self._cards is None:
            from posdiag.testcards import load_test_cards

            where = (self.path.parent / card_file) if card_file else None
            self._cards = load_test_cards(where)
        return self._cards

    # --- the document ------------------------------------------------------------------------

    def plan(self, document: dict[str, Any], sha256: str) -> Plan:
        for key in document:
            if key not in ("plan", "terminal", "expect", "step"):
                raise self.fail(self.index.table_line("", key) if key in self.index.tables.get(
                    "", {}) else self.index.table_line(key),
                    f"unknown top-level key {key!r}; a plan has [plan], [terminal], [expect] "
                    "and [[step]].")
        header = self._table(document, "plan")
        for key, value in header.items():
            if key not in PLAN_KEYS:
                raise self.fail(self.index.table_line("plan", key),
                                f"unknown key {key!r} in [plan]; known: "
                                f"{', '.join(sorted(PLAN_KEYS))}.")
            self._type(value, PLAN_KEYS[key], self.index.table_line("plan", key), f"plan.{key}")
        if header.get("format", FORMAT) != FORMAT:
            raise self.fail(self.index.table_line("plan", "format"),
                            f"plan format {header['format']} is not known; this posdiag reads "
                            f"format {FORMAT}.")
        if "name" not in header:
            raise self.fail(self.index.table_line("plan"), "[plan] needs a name.")
        terminal = self._terminal(self._table(document, "terminal"))
        self.charset = self._charset(header, terminal)
        if terminal is not None and terminal.charset is None and "charset" in header:
            terminal = replace(terminal, charset=header["charset"])  # one charset, two spellings
        expect = self._expect(self._table(document, "expect"))
        steps_raw = document.get("step")
        if not isinstance(steps_raw, list) or not steps_raw:
            raise self.fail(1, "the plan has no steps; add [[step]] tables.")
        steps = self._steps(steps_raw, header.get("cards"), expect)
        return Plan(name=header["name"], path=str(self.path), sha256=sha256, steps=steps,
                    charset=self.charset,
                    description=header.get("description", ""), printer=header.get("printer"),
                    expect=expect, cards_file=str(self.path.parent / header["cards"])
                    if "cards" in header else None, replaced=self.replaced,
                    terminal=terminal)

    def _charset(self, header: dict[str, Any], terminal: TerminalSettings | None) -> str:
        if self.given_charset is not None:
            return charset_name(self.given_charset)
        in_terminal = terminal.charset if terminal is not None else None
        if in_terminal is not None:
            if "charset" in header and charset_name(header["charset"]) != charset_name(
                    in_terminal):
                raise self.fail(self.index.table_line("terminal", "charset"),
                                "charset is set in [plan] and, differently, in [terminal]; "
                                "keep one.")
            return charset_name(in_terminal)
        if "charset" not in header:
            return DEFAULT_CHARSET
        try:
            return charset_name(header["charset"])
        except UsageError as err:
            raise self.fail(self.index.table_line("plan", "charset"), str(err)) from err

    def _terminal_text(self, i: int, kind: Kind, options: dict[str, Any]) -> None:
        key = TERMINAL_TEXT_OPTIONS.get(kind.name)
        if key is None or (kind.name == "receipt-print" and options.get("device") != "terminal"):
            return
        for text in options.get(key) or ():
            missing = unencodable(text, self.charset)
            if missing:
                raise PlanError(_charset_message(self.path, self.index.step_line(i, key), key,
                                                 text, missing, self.charset))

    def _table(self, document: dict[str, Any], name: str) -> dict[str, Any]:
        value = document.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(self.index.table_line("", name), f"{name} must be a table [{name}].")
        return value

    def _terminal(self, table: dict[str, Any]) -> TerminalSettings | None:
        """[terminal]: password, baud, charset of the terminals this plan is for."""
        if not table:
            return None
        try:
            return TerminalSettings.from_table(table, "[terminal]")
        except BadInput as err:
            key = next((k for k in table if k in str(err)), None)
            raise self.fail(self.index.table_line("terminal", key), str(err)) from err

    def _expect(self, expect: dict[str, Any]) -> dict[str, Any]:
        for key, value in expect.items():
            line = self.index.table_line("expect", key)
            if key not in IDENTITY_FIELDS:
                raise self.fail(line, f"unknown key {key!r} in [expect]; known: "
                                f"{', '.join(IDENTITY_FIELDS)}.")
            self._type(value, int if key == "currency" else str, line, f"expect.{key}")
        return dict(expect)

    def _type(self, value: Any, kind: type | tuple[type, ...], line: int, where: str) -> None:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            names = " or ".join(_type_name(k) for k in kinds)
            raise self.fail(line, f"{where} must be {names}, not {_type_name(type(value))} "
                            f"({value!r}).")

    # --- steps -------------------------------------------------------------------------------

    def _steps(self, raw_steps: list[Any], card_file: str | None,
               expect: dict[str, Any]) -> tuple[StepSpec, ...]:
        specs: list[StepSpec] = []
        names: set[str] = set()
        for i, raw in enumerate(raw_steps):
            spec = self._step(i, raw, card_file, expect, specs)
            name = spec.name
            if name in names:
                if "name" in raw:
                    raise self.fail(self.index.step_line(i, "name"),
                                    f"step name {name!r} is used twice; names must be unique.")
                n = 2
                while f"{name}-{n}" in names:
                    n += 1
                name = f"{name}-{n}"
                spec = _with_name(spec, name)
            names.add(name)
            specs.append(spec)
        return tuple(specs)

    def _step(self, i: int, raw: Any, card_file: str | None, expect: dict[str, Any],
              before: list[StepSpec]) -> StepSpec:
        line = self.index.step_line(i)
        if not isinstance(raw, dict):
            raise self.fail(line, "a step must be a [[step]] table.")
        kind_name = raw.get("kind")
        if kind_name is None:
            raise self.fail(line, f"step {i + 1} has no kind; use one of {', '.join(KINDS)}.")
        if kind_name not in KINDS:
            raise self.fail(self.index.step_line(i, "kind"),
                            f"unknown step kind {kind_name!r}; use one of {', '.join(KINDS)}.")
        kind = KINDS[kind_name]
        for key in raw:
            if key not in STEP_KEYS and key not in kind.options:
                known = sorted(STEP_KEYS | set(kind.options))
                raise self.fail(self.index.step_line(i, key),
                                f"unknown key {key!r} in a {kind_name} step; known: "
                                f"{', '.join(known)}.")
        at = self.index.step_line

        def typed(key: str, kinds: type | tuple[type, ...], default: Any) -> Any:
            if key not in raw:
                return default
            self._type(raw[key], kinds, at(i, key), key)
            return raw[key]

        name = typed("name", str, kind_name)
        timeout = float(typed("timeout", float, kind.timeout))
        retries = typed("retries", int, 0)
        if timeout <= 0:
            raise self.fail(at(i, "timeout"), "timeout must be more than 0 seconds.")
        if not 0 <= retries <= 10:
            raise self.fail(at(i, "retries"), "retries must be 0 to 10.")
        options = {key: self._option(i, key, option, raw)
                   for key, option in kind.options.items()}
        self._check_kind(i, kind, options, card_file, expect, before)
        self._terminal_text(i, kind, options)
        return StepSpec(
            kind=kind_name, name=name, line=line, timeout=timeout, retries=retries,
            continue_on_fail=typed("continue-on-fail", bool, False),
            description=typed("description", str, kind.summary),
            limits=self._limits(i, kind, raw.get("limits", {}), timeout),
            options=options,
        )

    def _option(self, i: int, key: str, option: Option, raw: dict[str, Any]) -> Any:
        line = self.index.step_line(i, key)
        if key not in raw:
            if option.required:
                raise self.fail(self.index.step_line(i),
                                f"a {raw['kind']} step needs {key} = ….")
            return list(option.default) if isinstance(option.default, list) else option.default
        value = raw[key]
        self._type(value, option.type, line, key)
        values = value if isinstance(value, list) else [value]
        if option.items is not None:
            for item in values:
                self._type(item, option.items, line, f"each item of {key}")
        if option.choices:
            for item in values:
                if item not in option.choices:
                    raise self.fail(line, f"{key} = {item!r} is not allowed; use one of "
                                    f"{', '.join(map(repr, option.choices))}.")
        return value

    def _check_kind(self, i: int, kind: Kind, options: dict[str, Any], card_file: str | None,
                    expect: dict[str, Any], before: list[StepSpec]) -> None:
        at = self.index.step_line
        if "card" in options:
            cards = self.cards(card_file)
            if options["card"] not in cards:
                raise self.fail(at(i, "card"), f"test card {options['card']!r} is not in "
                                f"cards.toml; known: {', '.join(sorted(cards))}.")
        if kind.name == "payment" and not 1 <= options["amount"] <= MAX_PAYMENT_CENTS:
            raise self.fail(at(i, "amount"), f"a test payment is 1 to {MAX_PAYMENT_CENTS} cents "
                            "(amount is in cents).")
        if kind.name == "reversal" and not any(s.kind == "payment" for s in before):
            raise self.fail(at(i), "a reversal step reverses the plan's last payment; put a "
                            "payment step before it.")
        if kind.name == "end-of-day" and options["confirm"] is not True:
            raise self.fail(at(i, "confirm"), "end-of-day closes the batch; it runs only with "
                            "confirm = true.")
        if kind.name == "display" and not 1 <= len(options["text"]) <= 8:
            raise self.fail(at(i, "text"), "a display shows 1 to 8 lines of text.")
        if kind.name == "checklist":
            if not options["items"] and not options["questions"]:
                raise self.fail(at(i), _("a checklist step needs items or questions."))
            if not options["model"]:
                known = self.replaced.model if self.replaced else ""
                options["model"] = known or str(expect.get("device_name", ""))
        if kind.name == "identity-match":
            if options["source"] == "replaced":
                if options["backup"]:
                    options["backup"] = str((self.path.parent / options["backup"]).resolve())
                elif self.backup is not None:
                    options["backup"] = str(self.backup)
                elif self.replaced is not None:
                    options["expected"] = dict(self.replaced.identity)
                    options["against"] = self.replaced.origin
                else:
                    raise self.fail(at(i), _(
                        "identity-match compares with the terminal being replaced; pass --case "
                        "CASEDIR (its repair case) or --backup SETDIR (its backup set)."))
            elif options["source"] == "expect":
                missing = [f for f in options["fields"] if f not in expect]
                if missing:
                    raise self.fail(at(i, "fields"), f"identity-match compares "
                                    f"{', '.join(missing)} but [expect] has no value for it.")
            elif options["backup"]:
                options["backup"] = str((self.path.parent / options["backup"]).resolve())
            elif self.backup is not None:
                options["backup"] = str(self.backup)
            if options["source"] == "backup" and not options["backup"]:
                raise self.fail(at(i), "identity-match compares with a backup set; pass "
                                "--backup SETDIR (the old terminal's set) or set backup = ….")

    def _limits(self, i: int, kind: Kind, raw: Any, timeout: float) -> dict[str, Any]:
        line = self.index.step_line(i, "limits")
        limits = {name: Limit(maximum=timeout) if units == "s" else Limit()
                  for name, units in kind.measurements.items()}
        if not isinstance(raw, dict):
            raise self.fail(line, "limits must be a table: limits.seconds = { max = 5 }.")
        for name, bounds in raw.items():
            where = self.index.step_line(i, f"limits.{name}")
            if name not in kind.measurements:
                raise self.fail(where, f"a {kind.name} step measures "
                                f"{', '.join(kind.measurements) or 'nothing'}, not {name!r}.")
            if not isinstance(bounds, dict) or not bounds or set(bounds) - {"min", "max"}:
                raise self.fail(where, f"limits.{name} takes min and/or max, e.g. "
                                f"{{ max = 5 }}.")
            for key, value in bounds.items():
                self._type(value, float, where, f"limits.{name}.{key}")
            limits[name] = Limit(bounds.get("min"), bounds.get("max"))
        return limits


def _with_name(spec: StepSpec, name: str) -> StepSpec:
    return replace(spec, name=name)


def _type_name(kind: type) -> str:
    return {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
            list: "a list", dict: "a table"}.get(kind, kind.__name__)
