"""The kit page's routes through Starlette's test client: who gets in, what each page says,
what it never says, and that a form without the CSRF token changes nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from posdiag.kit.web.app import KitSite, create_app
from posdiag.kit.web.auth import COOKIE, FailedAttempts, Keys, new_secret
from posdiag.kit.web.channel import write_json
from posdiag.kit.web.prompts import PROMPT_FILE
from posdiag.kit.web.status import StatusBoard

testclient = pytest.importorskip("starlette.testclient")

ZH = {"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"}


@pytest.fixture
def site(tmp_path: Path) -> KitSite:
    return KitSite(folder=tmp_path / "web", keys=Keys(new_secret()),
                   media=lambda: tmp_path, attempts=FailedAttempts(per_client=3, overall=10))


def client(site: KitSite, signed_in: bool = True):
    c = testclient.TestClient(create_app(site), base_url="http://10.42.0.1:8080",
                              follow_redirects=False)
    if signed_in:
        c.cookies.set(COOKIE, site.keys.session)
    return c


def post_prompt(folder: Path, kind: str = "confirm", text: str = "Is the receipt legible?",
                choices: tuple[str, ...] = ()) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    nonce = "0f" * 16
    write_json(folder / PROMPT_FILE, {
        "format": "posdiag-kit-prompt", "nonce": nonce, "id": "receipt-print.confirm",
        "kind": kind, "text": text, "timeout": 60, "asked": time.time(),
        "deadline": time.time() + 60, "step": "receipt-print", "choices": list(choices)})
    return nonce


@pytest.mark.parametrize("path", ["/", "/prompts", "/cases", "/kit", "/events", "/fragment"])
def test_every_page_needs_the_secret(site, path):
    response = client(site, signed_in=False).get(path)
    assert response.status_code == 401
    assert "kit" not in response.text.split("<body>")[1].lower() or "QR" in response.text
    assert "tabs" not in response.text


def test_the_secret_in_the_address_signs_in_and_is_dropped_from_it(site, caplog):
    c = client(site, signed_in=False)
    response = c.get(f"/prompts?k={site.keys.secret}&sent=x")
    assert response.status_code == 303 and response.headers["location"] == "/prompts?sent=x"
    cookie = response.headers["set-cookie"]
    assert f"{COOKIE}={site.keys.session}" in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower() and site.keys.secret not in cookie
    assert c.get("/prompts").status_code == 200  # the client kept the cookie
    assert "signed in" in caplog.text


def test_wrong_secrets_are_logged_then_refused_for_a_while(site, caplog):
    c = client(site, signed_in=False)
    for _ in range(3):
        assert c.get("/?k=guess").status_code == 401
    assert caplog.text.count("a wrong key in the address") == 3
    refused = c.get(f"/?k={site.keys.secret}")  # even the right key, while refused
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    c.cookies.set(COOKIE, "forged")
    assert c.get("/").status_code == 429
    # A phone that signed in before keeps working while guessers are refused.
    assert client(site).get("/").status_code == 200


def test_pages_speak_the_language_of_the_browser(site):
    StatusBoard(site.folder).state("safe-to-remove", "sdz1 is unmounted and powered off")
    c = client(site)
    assert "Safe to pull the stick" in c.get("/").text
    chinese = c.get("/", headers=ZH).text
    assert 'lang="zh-CN"' in chinese and "Safe to pull the stick" not in chinese
    assert "可以拔出U盘" in chinese


def test_security_headers_on_every_response(site):
    for response in (client(site).get("/"), client(site, signed_in=False).get("/"),
                     client(site).get("/static/kit.css")):
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"


def test_now_shows_the_backup_with_bytes_records_rate_and_eta(site):
    now = [1000.0]
    board = StatusBoard(site.folder, clock=lambda: now[0])
    board.state("backing-up", "starting the backup of terminal 29001234")
    board.progress(0, 8_000_000, 0)
    now[0] += 4
    board.progress(2_000_000, 8_000_000, 1500)
    page = client(site).get("/").text
    assert "Backing up" in page and "2.0 MB of 8.0 MB" in page and "(25.0 %)" in page
    assert "1,500" in page and "500.0 KB/s" in page and "12.0 s" in page


def test_now_says_the_error_and_what_to_do(site):
    StatusBoard(site.folder).state("failed", "The terminal stopped answering on /dev/ttyACM0.")
    page = client(site).get("/").text
    assert "Error" in page and "The terminal stopped answering on /dev/ttyACM0." in page
    assert "tries again in 30 seconds" in page


def test_the_kits_message_is_said_in_the_phones_language(site):
    """The kit may log in English while the phone reads Chinese: a state's message is kept in
    no language (its catalog text and values) and put into words for each page."""
    from posdiag.i18n import _, use_language
    from posdiag.kit import signals

    board = StatusBoard(site.folder)
    with use_language("en"):  # the kit process's own language
        signals.StateSignal(board=board)(signals.IDENTIFYING, signals.said(
            signals.OPENING_TERMINAL, port="/dev/posdiag/terminal-1"))
    with use_language("zh-CN"):
        chinese = _(signals.OPENING_TERMINAL).format(port="/dev/posdiag/terminal-1")
    assert chinese != "opening the terminal on /dev/posdiag/terminal-1"
    assert chinese in client(site).get("/", headers=ZH).text
    assert "opening the terminal on /dev/posdiag/terminal-1" in client(site).get("/").text


def test_a_status_file_with_an_unknown_template_shows_its_plain_message(site):
    board = StatusBoard(site.folder)
    board.state("backing-up", "starting the backup of terminal 29001234")
    document = json.loads((site.folder / "status.json").read_text())
    document["said"] = {"template": "{port.__class__}", "values": {"port": "x"}}
    (site.folder / "status.json").write_text(json.dumps(document))
    page = client(site).get("/", headers=ZH).text
    assert "starting the backup of terminal 29001234" in page
    assert "&lt;class" not in page and "<class" not in page


def test_regions_for_the_live_update(site):
    StatusBoard(site.folder).state("verifying", "checking signatures")
    regions = client(site).get("/fragment?view=now").json()
    assert set(regions) == {"now"} and "Verifying the backup" in regions["now"]["html"]
    post_prompt(site.folder)
    again = client(site).get("/fragment?view=now").json()
    assert again["now"]["key"] != regions["now"]["key"]
    assert 'href="/prompts"' in again["now"]["html"]
    assert client(site).get("/fragment?view=secrets").status_code == 404


def test_server_sent_events_stream_the_regions(site):
    StatusBoard(site.folder).state("syncing", "flushing the stick")
    with client(site).stream("GET", "/events?view=now") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = []
        for line in response.iter_lines():
            lines.append(line)
            if line.startswith("data: {"):
                break
    assert "event: regions" in lines and "Writing the last data to the stick" in lines[-1]


def test_a_prompt_is_shown_and_answered_with_the_csrf_token(site):
    nonce = post_prompt(site.folder)
    c = client(site)
    page = c.get("/prompts").text
    assert "Is the receipt legible?" in page and f'value="{nonce}"' in page
    assert f'name="csrf" value="{site.keys.csrf}"' in page
    response = c.post("/prompts/answer", data={"csrf": site.keys.csrf, "nonce": nonce,
                                               "answer": "yes", "reason": ""})
    assert response.status_code == 303 and response.headers["location"] == "/prompts?sent=answered"
    answer = (site.folder / f"answer-{nonce}.json").read_text()
    assert '"answer": "yes"' in answer
    again = c.post("/prompts/answer", data={"csrf": site.keys.csrf, "nonce": nonce,
                                            "answer": "no"})
    assert again.headers["location"] == "/prompts?sent=already"
    assert "already answered" in c.get("/prompts?sent=already").text


def test_after_a_slip_the_page_offers_retry_skip_and_abort(site):
    nonce = post_prompt(site.folder, "choose", "pin-entry: the PIN typed (4 digits) is not the "
                        "PIN of test card 'visa'. Try again, skip this step, or abort the run?",
                        ("retry", "skip", "abort"))
    c = client(site)
    page = c.get("/prompts").text
    assert "not the PIN of test card" in page
    for choice, label in (("retry", "Try again"), ("skip", "Skip this step"),
                          ("abort", "Abort the run")):
        assert f'value="{choice}"' in page and label in page
    refused = c.post("/prompts/answer", data={"csrf": site.keys.csrf, "nonce": nonce,
                                              "answer": "yes"})
    assert refused.headers["location"] == "/prompts?sent=invalid"
    chosen = c.post("/prompts/answer", data={"csrf": site.keys.csrf, "nonce": nonce,
                                             "answer": "skip"})
    assert chosen.headers["location"] == "/prompts?sent=answered"
    assert '"answer": "skip"' in (site.folder / f"answer-{nonce}.json").read_text()


def test_a_choice_the_prompt_does_not_offer_is_refused(site):
    nonce = post_prompt(site.folder, "choose", "Skip or abort?", ("skip", "abort"))
    c = client(site)
    assert 'value="retry"' not in c.get("/prompts").text
    refused = c.post("/prompts/answer", data={"csrf": site.keys.csrf, "nonce": nonce,
                                              "answer": "retry"})
    assert refused.headers["location"] == "/prompts?sent=invalid"
    assert not list(site.folder.glob("answer-*"))


def test_a_forged_post_without_the_csrf_token_is_refused_and_changes_nothing(site, caplog):
    nonce = post_prompt(site.folder)
    c = client(site)
    for data in ({"nonce": nonce, "answer": "yes"},
                 {"csrf": "forged", "nonce": nonce, "answer": "yes"},
                 {"csrf": site.keys.session, "nonce": nonce, "answer": "yes"}):
        response = c.post("/prompts/answer", data=data)
        assert response.status_code == 403 and "Refused" in response.text
    assert not list(site.folder.glob("answer-*"))
    assert "CSRF" in caplog.text
    without_cookie = client(site, signed_in=False).post(
        "/prompts/answer", data={"csrf": site.keys.csrf, "nonce": nonce, "answer": "yes"})
    assert without_cookie.status_code == 401 and not list(site.folder.glob("answer-*"))


def test_big_forms_and_other_methods_are_refused(site):
    c = client(site)
    assert c.post("/prompts/answer", content=b"x" * 20000,
                  headers={"content-type": "application/x-www-form-urlencoded"}
                  ).status_code == 413
    assert c.put("/prompts/answer").status_code == 405
    assert c.delete("/").status_code == 405


def test_kit_page_shows_version_fingerprint_space_and_last_errors(site, tmp_path):
    from posdiag.backup.kitkey import load_or_create_kit_key

    key = load_or_create_kit_key(tmp_path / "state")
    board = StatusBoard(site.folder)
    board.note(kit_key=key.public_key)
    board.state("failed", "The stick is full; use a larger stick.")
    page = client(site).get("/kit", headers=ZH).text
    assert key.public_key in page and "0.1.0" in page
    assert "The stick is full; use a larger stick." in page
    from posdiag.kit.web.views import fingerprint

    assert fingerprint(key.public_key) in page and len(fingerprint(key.public_key)) == 19


def test_no_page_ever_carries_key_material_or_a_card_number(site, tmp_path):
    """The kit's private key sits beside the channel folder; the pages read public facts only,
    and the kit masks card numbers before it writes them."""
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.kit.signals import StateSignal

    key = load_or_create_kit_key(site.folder.parent)
    private = key.path.read_text()
    signal = StateSignal(board=StatusBoard(site.folder))
    signal.note(kit_key=key.public_key, port="/dev/ttyACM0")
    signal("failed", "card 4111111111111111 refused")
    post_prompt(site.folder, text="Did the display show 4111111111111111?")
    c = client(site)
    for path in ("/", "/prompts", "/kit", "/cases", "/fragment?view=now",
                 "/fragment?view=prompts"):
        text = c.get(path).text
        assert "PRIVATE KEY" not in text and private.splitlines()[1] not in text
        assert "4111111111111111" not in text
        assert site.keys.secret not in text


def test_cases_lists_the_sticks_cases_and_serves_their_pdfs_only(tmp_path, write_config):
    from posdiag.kit.config import load_kit_config
    from posdiag.kit.cycle import run_cycle
    from posdiag.kit.eject import EjectOutcome
    from posdiag.kit.web.cases import case_finder

    stick = tmp_path / "stick"
    stick.mkdir()
    config = load_kit_config(write_config("[case]", "open = true"))
    run_cycle(config, "sim:journal=50,seed=2", stick, state_dir=tmp_path / "state",
              ejector=lambda root: EjectOutcome(True, True, "ejected (test)"))
    [folder] = [p for p in (stick / "posdiag-cases").iterdir() if p.is_dir()]
    (folder / "request-zh-CN.pdf").write_bytes(b"%PDF-1.4 test request\n")
    (folder / "elsewhere.pdf").symlink_to("/etc/passwd")
    site = KitSite(folder=tmp_path / "state" / "web", keys=Keys(new_secret()),
                   media=lambda: stick, cases=case_finder)
    c = client(site)
    page = c.get("/cases", headers=ZH).text
    assert folder.name in page and "已备份" in page
    link = f"/cases/{folder.name}/request-zh-CN.pdf"
    assert f'href="{link}"' in page and "elsewhere.pdf" not in page
    download = c.get(link)
    assert download.status_code == 200 and download.content == b"%PDF-1.4 test request\n"
    assert download.headers["content-type"] == "application/pdf"
    for bad in (f"/cases/{folder.name}/elsewhere.pdf", f"/cases/{folder.name}/case-0001.json",
                f"/cases/{folder.name}/..%2F..%2Fkit.toml", "/cases/../request-zh-CN.pdf",
                f"/cases/.{folder.name}/request-zh-CN.pdf"):
        assert c.get(bad).status_code == 404, bad
    assert client(site, signed_in=False).get(link).status_code == 401
