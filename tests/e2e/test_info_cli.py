"""`posdiag info` and `posdiag simulate` as a technician uses them: separate processes,
a real pty or a loopback socket between them."""

import json

import pytest

from posdiag.link.serialport import open_serial


def test_info_over_a_pty_from_a_separate_simulator(simulate_process, posdiag_cli):
    _, path = simulate_process("--serial")
    assert path.startswith("/dev/")
    result = posdiag_cli("info", "--port", path, "--json")
    assert result.returncode == 0, result.stderr
    identity = json.loads(result.stdout)
    assert identity["terminal_id"] == "52500001"
    assert identity["serial_number"] == "7000000001"
    assert identity["status_text"] == "PT ready"
    assert identity["currency"] == 978


def test_info_over_tcp_with_an_identity_file(simulate_process, tmp_path, posdiag_cli):
    toml = tmp_path / "terminal.toml"
    toml.write_text('[terminal]\nterminal_id = "29001006"\nserial_number = "SN-4711"\n'
                    'device_name = "Shop front desk"\n')
    _, url = simulate_process("--tcp", "127.0.0.1:0", "--identity", str(toml))
    assert url.startswith("tcp://127.0.0.1:")
    result = posdiag_cli("info", "--port", url)
    assert result.returncode == 0, result.stderr
    assert "29001006" in result.stdout and "SN-4711" in result.stdout
    assert "Shop front desk" in result.stdout


def test_sixteen_terminals_from_one_process(simulate_process, posdiag_cli):
    proc, first = simulate_process("--serial", "--count", "16")
    paths = [first] + [proc.stdout.readline().strip() for _ in range(15)]
    assert len(set(paths)) == 16
    for path in (paths[0], paths[7], paths[15]):
        assert posdiag_cli("info", "--port", path).returncode == 0


@pytest.mark.parametrize(
    ("port", "message"),
    [
        ("/dev/ttyNOSUCHPORT", "does not exist"),
        ("tcp://127.0.0.1:1", "connection refused"),
    ],
)
def test_a_wrong_port_is_one_sentence_and_exit_3(port, message, posdiag_cli):
    result = posdiag_cli("info", "--port", port)
    assert result.returncode == 3
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_busy_port_is_exit_3(simulate_process, posdiag_cli):
    _, path = simulate_process("--serial")
    holder = open_serial(path)  # another program holds the port
    try:
        result = posdiag_cli("info", "--port", path)
    finally:
        holder.close()
    assert result.returncode == 3
    assert "busy" in result.stderr


def test_a_silent_terminal_is_exit_3_with_advice(posdiag_cli):
    # T2 is 5 s and the ECR sends three times: this is the real wait a technician sees.
    result = posdiag_cli("info", "--port", "sim:fault=silent", timeout=60)
    assert result.returncode == 3
    assert "did not acknowledge" in result.stderr and "cable" in result.stderr


def test_an_unparseable_port_is_a_usage_error(posdiag_cli):
    result = posdiag_cli("info", "--port", "bogus")
    assert result.returncode == 2
    assert "not a port" in result.stderr


def test_debug_shows_the_traceback(posdiag_cli):
    result = posdiag_cli("--debug", "info", "--port", "/dev/ttyNOSUCHPORT")
    assert result.returncode != 0
    assert "Traceback" in result.stderr
