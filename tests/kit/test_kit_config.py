"""kit.toml: what a valid config holds, and one clear PlanError for each way it can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from posdiag.errors import PlanError
from posdiag.kit.config import AUTO, load_kit_config, parse_kit_config


def test_a_minimal_config_is_recipients_only(write_config, office_key) -> None:
    config = load_kit_config(write_config())
    assert config.recipients == (office_key[1],)
    assert config.port == AUTO and config.media is None
    assert config.plan is None and config.hook is None


def test_a_full_config(write_config, tmp_path: Path) -> None:
    plan = tmp_path / "etc" / "acceptance.toml"
    plan.parent.mkdir(parents=True, exist_ok=True)
    plan.write_text("# test plan\n")
    config = load_kit_config(write_config(
        'port = "tcp://10.0.0.5:20007"', f'media = "{tmp_path}"', 'plan = "acceptance.toml"',
        'hook = "true --led 17"'))
    assert config.port == "tcp://10.0.0.5:20007"
    assert config.media == tmp_path
    assert config.plan == plan  # relative to the config's folder
    assert config.hook == ("true", "--led", "17")


@pytest.mark.parametrize(("lines", "recipients", "says"), [
    ((), "", "has no recipients"),
    ((), "recipients = []", "non-empty list"),
    ((), 'recipients = ["age1notarecipient"]', "recipient 1 is not usable"),
    (('port = "/dev/ttyACM0"', "colour = 1"), None, "unknown setting(s) colour"),
    (('port = 5',), None, "port must be a string"),
    (('port = "ftp://x"',), None, "port is not usable"),
    (('media = "relative/stick"',), None, "must be an absolute folder"),
    (('plan = "missing.toml"',), None, "does not exist"),
    (('hook = "/no/such/led-program on"',), None, "hook program /no/such/led-program"),
    (('hook = []',), None, "hook must be a command"),
    (('port = "auto',), None, "is not valid TOML"),
])
def test_invalid_configs_say_what_to_fix(write_config, lines, recipients, says) -> None:
    path = write_config(*lines, recipients=recipients)
    with pytest.raises(PlanError) as caught:
        load_kit_config(path)
    message = str(caught.value)
    assert says in message
    assert str(path) in message
    assert caught.value.exit_code == 2
    assert "\n" not in message  # the service logs exactly one line


def test_a_missing_config_file_is_a_plan_error(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="does not exist; create it"):
        load_kit_config(tmp_path / "kit.toml")


def test_a_secret_key_is_refused_anywhere_in_the_config(write_config, office_key) -> None:
    """The kit must never be able to decrypt what it wrote: no identity in its config."""
    secret = office_key[0]  # test material
    for extra in (f'recipients = ["{secret}"]', f'# office key: {secret}',
                  f'hook = "true {secret.lower()}"'):
        path = write_config(extra, recipients="" if "recipients" in extra
                            else f'recipients = ["{office_key[1]}"]')
        with pytest.raises(PlanError) as caught:
            load_kit_config(path)
        assert "secret age key" in str(caught.value)
        assert secret not in str(caught.value) and secret.lower() not in str(caught.value)


def test_parse_is_pure_and_names_the_given_path() -> None:
    with pytest.raises(PlanError, match=r"/somewhere/kit\.toml"):
        parse_kit_config("recipients = 3\n", Path("/somewhere/kit.toml"))
