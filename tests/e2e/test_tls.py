"""ZVT over TLS end to end: the emulated terminal serves TLS with generated TEST MATERIAL; the
driver verifies it against the test CA, or a pinned fingerprint, optionally with a client
certificate of its own — and refuses, in one sentence, a certificate it cannot trust."""

from __future__ import annotations

import json

import pytest

from posdiag.emulator.terminal import EmulatedTerminal
from posdiag.errors import BadInput, CertificateRejected, LinkError
from posdiag.link.ports import parse_port
from posdiag.link.tls import ZVT_TLS_PORT, TlsOptions
from posdiag.terminals import open_terminal


@pytest.fixture
def tls_terminal():
    """An emulated terminal on a TLS port; (emulator, host, port, material)."""
    emulator = EmulatedTerminal(journal=30, seed=4)
    (host, port), material = emulator.serve_tls("127.0.0.1", 0)
    yield emulator, host, port, material
    emulator.stop()


# --- the PORT grammar -------------------------------------------------------------------------


def test_tls_ports_parse_with_their_default_port_and_options():
    spec = parse_port("tls://10.0.0.5?fingerprint=AB:" + "CD:" * 30 + "EF")
    assert (spec.kind, spec.host, spec.port) == ("tls", "10.0.0.5", ZVT_TLS_PORT)
    assert TlsOptions.parse(spec.options).fingerprint == "ab" + "cd" * 30 + "ef"
    assert parse_port("tls://terminal.example:4443?ca=/etc/ca.pem").options == {
        "ca": "/etc/ca.pem"}


@pytest.mark.parametrize(("port", "says"), [
    ("tls://10.0.0.5?pin=abc", "unknown tls:// option"),
    ("tls://10.0.0.5?fingerprint=1234", "64 hex digits"),
    ("tls://10.0.0.5?key=/k.pem", "needs cert="),
    ("tcp://10.0.0.5?ca=/x", "tcp:// takes no options"),
    ("tls://:22001", "no host"),
])
def test_bad_tls_ports_are_usage_errors(port, says):
    with pytest.raises(BadInput, match=says):
        parse_port(port)


# --- verification ---------------------------------------------------------------------------


def test_a_terminal_whose_certificate_chains_to_the_ca_is_used(tls_terminal):
    emulator, host, port, material = tls_terminal
    with open_terminal(f"tls://{host}:{port}?ca={material.ca_cert}") as terminal:
        assert terminal.identify().terminal_id == "52500001"
        data = b"".join(block.data for block in terminal.read_file(1))
    assert data == emulator.ledger.read(1, 0, emulator.ledger.file_size(1))


def test_a_pinned_fingerprint_replaces_the_ca(tls_terminal):
    _, host, port, material = tls_terminal
    pin = material.server_fingerprint
    with open_terminal(f"tls://{host}:{port}?fingerprint={pin}") as terminal:
        assert terminal.status()[1] == "PT ready"


def test_another_fingerprint_is_refused_and_the_real_one_shown(tls_terminal):
    _, host, port, material = tls_terminal
    with pytest.raises(CertificateRejected) as info:
        open_terminal(f"tls://{host}:{port}?fingerprint={'00' * 32}").__enter__()
    assert material.server_fingerprint in str(info.value)


def test_without_a_ca_or_pin_a_test_certificate_is_not_trusted(tls_terminal):
    _, host, port, material = tls_terminal
    with pytest.raises(CertificateRejected) as info:
        open_terminal(f"tls://{host}:{port}").__enter__()
    message = str(info.value)
    assert "not trusted" in message and material.server_fingerprint in message


def test_a_certificate_for_another_name_is_refused(tls_terminal):
    _, host, port, material = tls_terminal
    with pytest.raises(CertificateRejected, match="not trusted"):
        open_terminal(f"tls://{host}:{port}?ca={material.ca_cert}"
                      "&servername=other.example").__enter__()


def test_a_terminal_that_wants_an_ecr_certificate_gets_one():
    emulator = EmulatedTerminal()
    (host, port), material = emulator.serve_tls("127.0.0.1", 0, require_client_cert=True)
    try:
        base = f"tls://{host}:{port}?ca={material.ca_cert}"
        with pytest.raises(LinkError), open_terminal(base) as terminal:
            terminal.status()  # TLS 1.3: the refusal may come with the first read
        with open_terminal(f"{base}&cert={material.client_cert}&key={material.client_key}") \
                as terminal:
            assert terminal.status()[1] == "PT ready"
    finally:
        emulator.stop()


def test_a_missing_ca_file_is_a_usage_error(tls_terminal, tmp_path):
    _, host, port, _ = tls_terminal
    with pytest.raises(BadInput, match="does not exist"):
        open_terminal(f"tls://{host}:{port}?ca={tmp_path / 'none.pem'}").__enter__()


def test_the_material_says_it_is_test_material(tls_terminal):
    _, _, _, material = tls_terminal
    for path in (material.ca_cert, material.server_cert, material.server_key):
        assert path.read_text().startswith("# posdiag TEST MATERIAL")
    assert oct(material.server_key.stat().st_mode & 0o777) == "0o600"


# --- the command line against `posdiag simulate --tls` -----------------------------------------


def test_info_over_tls_from_a_separate_simulator(simulate_process, posdiag_cli):
    _proc, port = simulate_process("--tls", "127.0.0.1:0")
    assert port.startswith("tls://127.0.0.1:") and "?ca=" in port
    result = posdiag_cli("info", "--port", port, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["terminal_id"] == "52500001"


def test_an_untrusted_terminal_is_one_sentence_and_exit_3(simulate_process, posdiag_cli):
    _, port = simulate_process("--tls", "127.0.0.1:0")
    result = posdiag_cli("info", "--port", port.split("?")[0])
    assert result.returncode == 3
    assert "not trusted" in result.stderr and result.stderr.count("\n") == 1


def test_simulate_with_client_certificates_names_them_in_the_port(simulate_process,
                                                                   posdiag_cli):
    _, port = simulate_process("--tls", "127.0.0.1:0", "--tls-client-cert")
    assert "&cert=" in port and "&key=" in port
    assert posdiag_cli("info", "--port", port).returncode == 0
