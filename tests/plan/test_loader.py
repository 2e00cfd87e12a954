"""Plans are validated completely, with file:line, before any device is touched."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posdiag.errors import PlanError
from posdiag.plan.loader import load_plan
from posdiag.plan.model import Limit
from posdiag.plan.steps import KINDS
from posdiag.testplans import shipped_path

GOOD = """
[plan]
name = "t"

[expect]
terminal_id = "52500001"

[[step]]
kind = "identify"

[[step]]
kind = "card-swipe"
card = "visa"
limits.seconds = { max = 3 }
"""


@pytest.mark.parametrize("name", ["acceptance.toml", "quick.toml", "printer.toml"])
def test_shipped_plans_load(name, tmp_path):
    plan = load_plan(shipped_path(name), backup=tmp_path)
    assert plan.steps and plan.sha256


def test_shipped_acceptance_plan_has_every_kind_but_end_of_day(tmp_path):
    kinds = {s.kind for s in load_plan(shipped_path("acceptance.toml"), backup=tmp_path).steps}
    assert kinds == set(KINDS) - {"end-of-day"}


def test_a_good_plan_keeps_limits_lines_and_defaults(write_plan):
    plan = load_plan(write_plan(GOOD))
    identify, swipe = plan.steps
    assert (identify.name, identify.line, identify.timeout) == ("identify", 7, 15.0)
    assert swipe.line == 10 and swipe.options == {"card": "visa", "how": "swipe"}
    assert swipe.limits["seconds"] == Limit(None, 3)
    assert plan.expect == {"terminal_id": "52500001"}


@pytest.mark.parametrize(("text", "line", "words"), [
    ("[[step]]\nkind = \"identify\"\ncolour = \"red\"\n", 6, "unknown key 'colour'"),
    ("[[step]]\nkind = \"dance\"\n", 5, "unknown step kind 'dance'"),
    ("[[step]]\nkind = \"card-swipe\"\ncard = \"nocard\"\n", 6, "'nocard' is not in cards.toml"),
    ("[[step]]\nkind = \"card-swipe\"\ncard = 7\n", 6, "card must be a string"),
    ("[[step]]\nkind = \"identify\"\ntimeout = \"soon\"\n", 6, "timeout must be a number"),
    ("[[step]]\nkind = \"identify\"\nretries = true\n", 6, "retries must be a whole number"),
    ("[[step]]\nkind = \"reversal\"\n", 4, "put a payment step before it"),
    ("[[step]]\nkind = \"end-of-day\"\nconfirm = false\n", 6, "confirm = true"),
    ("[[step]]\nkind = \"payment\"\ncard = \"visa\"\namount = 99999\n", 7, "1 to 1000 cents"),
    ("[[step]]\nkind = \"identify\"\nlimits.volts = { max = 3 }\n", 6, "not 'volts'"),
    ("[[step]]\nkind = \"card-swipe\"\n", 4, "needs card"),
    ("[[step]]\nkind = \"identity-match\"\nsource = \"expect\"\n", 4, "[expect] has no value"),
    ("[[step]]\nkind = \"identity-match\"\n", 4, "pass --backup SETDIR"),
    ("[[step]]\nkind = \"card-swipe\"\ncard = \"visa\"\nhow = \"tap\"\n", 7,
     "'tap' is not allowed"),
    ("[[step]]\nkind = \"identify\"\n[step.limits]\nvolts = { max = 1 }\n", 7, "not 'volts'"),
    ("[[step]]\nkind = \"identify\"\nkind2 = = 3\n", 6, "not valid TOML"),
])
def test_plan_errors_name_file_and_line(write_plan, text, line, words):
    path = write_plan("[plan]\nname = \"t\"\n\n" + text)
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message


def test_unknown_top_level_and_plan_keys(write_plan):
    with pytest.raises(PlanError, match=r":2: unknown key 'owner' in \[plan\]"):
        load_plan(write_plan("[plan]\nowner = \"me\"\nname = \"t\"\n"
                             "[[step]]\nkind = \"identify\"\n"))
    with pytest.raises(PlanError, match="unknown top-level key 'steps'"):
        load_plan(write_plan("[plan]\nname = \"t\"\n[[steps]]\nkind = \"identify\"\n"))


def test_default_names_are_made_unique_but_explicit_duplicates_are_errors(write_plan):
    plan = load_plan(write_plan("[plan]\nname='t'\n[[step]]\nkind='identify'\n"
                                "[[step]]\nkind='identify'\n"))
    assert [s.name for s in plan.steps] == ["identify", "identify-2"]
    with pytest.raises(PlanError, match=":8: step name 'a' is used twice"):
        load_plan(write_plan("[plan]\nname='t'\n[[step]]\nkind='identify'\nname='a'\n"
                             "[[step]]\nkind='identify'\nname='a'\n"))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 4), st.from_regex(r"[a-z]{3,10}", fullmatch=True))
def test_an_unknown_key_is_reported_on_its_own_line(tmp_path_factory, padding, key):
    if key in {"kind", "name", "timeout", "retries", "limits", "description"}:
        return
    text = "[plan]\nname = \"t\"\n" + "\n" * padding + f"[[step]]\nkind = \"identify\"\n{key} = 1\n"
    path = tmp_path_factory.mktemp("p") / "plan.toml"
    path.write_text(text)
    with pytest.raises(PlanError, match=rf"plan.toml:{5 + padding}: unknown key '{key}'"):
        load_plan(path)


@given(st.floats(allow_nan=False, allow_infinity=False), st.floats(0, 100))
def test_limit_holds_exactly_inside_its_bounds(value, maximum):
    assert Limit(maximum=maximum).holds(value) == (value <= maximum)
    assert Limit(minimum=maximum).holds(value) == (value >= maximum)
