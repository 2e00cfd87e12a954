"""Hybrid post-quantum age keys (ML-KEM-768 + X25519): known answers, then properties.

Known answers: HPKE's key schedule and first seal (RFC 9180 appendix A.2.1 and the
HPKE draft's vectors for the same suite), the X-Wing label, and the example
identity/recipient pair of C2SP's age spec (PrivateKeyToPublicKey of
filippo.io/hpke-pq). Decryption known answers are the 19 hybrid CCTV vectors in
test_age_vectors.py. Encryption cannot be a known answer (pyca's ML-KEM draws its
own randomness), so it is checked by round trips, by the stanza's shape and by
typage (test_age_typage.py).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posdiag.crypto import age
from posdiag.crypto.age import b64, bech32, hpke
from posdiag.crypto.age import mlkem768x25519 as kem
from posdiag.crypto.age.header import read_header
from posdiag.crypto.age.source import BufferedSource
from posdiag.errors import BadInput, DecryptionError

CHUNK = age.CHUNK_SIZE
FAST = settings(max_examples=20, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# C2SP age.md, "The MLKEM768-X25519 (i.e. X-Wing) hybrid post-quantum recipient type":
# the example identity and its recipient (test material, published in the spec).
SPEC_IDENTITY = "AGE-SECRET-KEY-PQ-1XX76JRALNLXDMEW0CRK45QMCCH4X06SE84UN3VPM33W6HWDX0H3SK3ZQFR"
SPEC_RECIPIENT = (
    "age1pq1x34nzsvr0rxjsgdn8zgyhfe8j7ceq5r9rdelkjuh3y235jzxshfg87pzf5zrqtzdxz95p"
    "aef6caq5aapdmwjjqpjfdyxnzr2zampc3uxy0dg4z2n2gm9su72p0pc3u0jvev55l694v78snxg3"
    "yzvcl7yda0eyytqj6a0ec477lnhcy5hzpz4zq3pxanve4cn62gqj3pjy5lqj9c6kyj4v2z8alktn"
    "8zh99970x79gjkv7522hv9kfz35zsnxhsx8wwtmu9cy3ftzjgwcp4sshn3llnylnpdsyz5jm72ve"
    "fv4x5vfwytrefxg4wq3mv42wcrvkj742479zrxzpvp2p3e9fed9f0739vcu80r7ma28qfhnvlv4g"
    "fzel9q654dj3zmuvvz893azhxdvs9fxd0r7jzchzcfcs5mkyyjxhw0n2z6dvp9yn9qfdp29h0azx"
    "qyjw6v7fhyuzj7zel0uq6j9rd7wgrpz7mf5dnj43jwsgvrc8qcnhy7tu6dkdujuxzkp9xj43xe8h"
    "92ktre2a3u3s8mm5mrp9nr9pwkgtz4mdlq9hgn4fps4k57ff6wddn2fy23t47sm20r8km8sd2pcy"
    "yafnet8f0dajsrlyjeah4n3mssr6aseevuuskdvq5lzguyvpgwpta742c6698vgutzqgny8usfg0"
    "w2he7kq5vyxjd0f9hqg8xk26y9e4th0gezq92q4cpp5p2y9hf5f2cje5l0c3sa3a2qxmm38pxxvh"
    "xh99yzmfz0zk7r2s64nnwjhkfgfr3gf8xnmppcgmaykvh5sh6g7vk9790rf8ws0axmr2t7z8aae5"
    "fq2029uvcn2ghgt4fu4wgwdc0k0cz52qkvwmuzj8p8k5jgf3xzk5zmrkavjekjrpeq408xz3zxaz"
    "wkc6tyfmhayrkfpjhwtz5mp8j8guqe43k2q6m2kte03vrw27y3wmqyu5etmt9dnkwcnnpmu9gz9d"
    "ekfhdevf42ucshphnrk38ra6hx8w5f8q5ru0xdhrjxmwqf6cused7zc5xvq43r0zscjglpwlptpw"
    "ydhqw64xz7ptjdyeyzpq2zkxtmzg29gzjpvzva4d3l0cenn9xs297wf4y4ukwrunf57xj6pm7nvr"
    "kwvtrt8hwcmgv8x7ajw7258ugf9wvkmk4052ekg87tw5vnx8nq2swyzv77v8yqlwsenvamr0zssk"
    "nwts8rrhfuwj7ykysnq9jxy0uv3kuyt22djszjdtvpz6d0s0kwh8ryynddzud92emeyvvyqktd0j"
    "tj7rvvg5gch25v8smlvny3kvn5gagyz475ze2y6q466xqmz2n3hs77lddeqyta2nch5k2u5yacuk"
    "9ywnwfdzvyejnucz724hj77hrrmakm7pr3kxsrxq22ejexlud9fy2kdqmkg5yncz7jm5wv2qjk5w"
    "5kvcpqsry2yqffh2la52dxfjkjq5rzhjzeyn6dupn0qwtyv7s4lwg3xdarsdlwe2y3tujy480y7z"
    "39q259fzx6jhd2j0f5hagqpcpees7hzc2yrk5cy788uk3s7qvp5cpepx24gvws3m2g433exgwppn"
    "kjscec8qu4y9z9r7vccexjcjaen42245lmgmxmuavg9alej92322gvvyy2t6267v09ch64y0m53j"
    "ff0vjj96s0ypk60hr3jw4myd6m5hpn3xjstx7tl2szhpr5qe8jj08ydjc4wy2rch2fhuy3pdfjax"
    "5awe9j99ly5hkntzz9fe5zatgjvzdd0kgtxs25njnajyf6ssekp7gelxquusn4pt25czh3scj68k"
    "q79wdn5tgm6yvm9nzavrg043x3msnygf8dweknw5jmqd0uvny6ttsn09508k0c55zfnegrm9efhx"
    "pfqdkmhh6gjtqmwze9pyyzk3tlhl53k2ykx3qheyty7saeq0d3fzv49zc0k"
)

# HPKE, suite DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20Poly1305, base mode:
# (shared_secret, key, base_nonce, ciphertext of the first message). The first is
# RFC 9180 A.2.1; the second the same suite's vector in the HPKE draft's test vectors.
# The KEM differs from age's, but the key schedule and seal under test are the same.
HPKE_INFO = bytes.fromhex("4f6465206f6e2061204772656369616e2055726e")  # "Ode on a Grecian Urn"
HPKE_PLAINTEXT = b"Beauty is truth, truth beauty"
HPKE_AAD = b"Count-0"
HPKE_VECTORS = [
    ("0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7",
     "ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91",
     "5c4d98150661b848853b547f",
     "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28"),
    ("f50c6b9919f8bca36aee551705c53a5dc2b5cd19fb9194498d622df74a232af0",
     "880923ffd11090fc65a573e3d069d1a8cee86afaee4b7ced2cd9b093c09611a7",
     "f621dc5bb2d0254c3eab2662",
     "ec454f2fbe381c7e76c4fb0f5c8fb1c5a3218e9689800cfb659f884c5b76fee897d93e8ec1521ac1f6923871d3"),
]
DHKEM_X25519 = 0x0020

# Test material only: fixed hybrid keys so that failures reproduce.
IDENTITY = age.HybridIdentity(bytes(range(32)))
RECIPIENT = IDENTITY.recipient()


@pytest.mark.parametrize(("shared", "key", "nonce", "ciphertext"), HPKE_VECTORS)
def test_hpke_key_schedule_and_seal(shared: str, key: str, nonce: str, ciphertext: str) -> None:
    context = hpke.key_schedule(DHKEM_X25519, bytes.fromhex(shared), HPKE_INFO)
    assert context.key.hex() == key
    assert context.base_nonce.hex() == nonce
    assert hpke.seal(context, HPKE_PLAINTEXT, HPKE_AAD).hex() == ciphertext
    assert hpke.open_(context, bytes.fromhex(ciphertext), HPKE_AAD) == HPKE_PLAINTEXT
    assert hpke.open_(context, bytes.fromhex(ciphertext), b"Count-1") is None


def test_hpke_suite_and_kem_constants() -> None:
    assert hpke.suite_id(kem.KEM_ID).hex() == "48504b45647a00010003"  # "HPKE" 647a 0001 0003
    assert kem.LABEL.hex() == "5c2e2f2f5e5c"
    assert (kem.PUBLIC_KEY_SIZE, kem.ENC_SIZE, kem.SEED_SIZE) == (1216, 1120, 32)


def test_spec_identity_gives_the_spec_recipient() -> None:
    identity = age.parse_identity(SPEC_IDENTITY)
    assert isinstance(identity, age.HybridIdentity)
    assert str(identity) == SPEC_IDENTITY
    assert str(identity.recipient()) == SPEC_RECIPIENT
    recipient = age.parse_recipient(SPEC_RECIPIENT)
    assert isinstance(recipient, age.HybridRecipient)
    assert str(recipient) == SPEC_RECIPIENT


def test_bech32_encodings_and_their_lengths() -> None:
    identity, recipient = age.generate_identity(post_quantum=True)
    assert identity.startswith("AGE-SECRET-KEY-PQ-1") and identity == identity.upper()
    assert recipient.startswith("age1pq1") and recipient == recipient.lower()
    assert (len(identity), len(recipient)) == (77, 1959)
    assert bech32.decode(recipient)[0] == "age1pq"
    assert str(age.parse_identity(identity).recipient()) == recipient


def test_key_expansion_follows_the_draft() -> None:
    """expandKey: SHAKE256(seed, 96) -> ML-KEM seed (64) || X25519 private key (32)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    seed = bytes(range(32))
    full = hashlib.shake_256(seed).digest(96)
    x25519_public = X25519PrivateKey.from_private_bytes(full[64:]).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)
    assert kem.expand(seed).public_key[1184:] == x25519_public
    assert RECIPIENT.public_key[1184:] == x25519_public


def test_encapsulation_and_decapsulation_agree() -> None:
    key = kem.expand(bytes(range(32)))
    shared, enc = kem.encapsulate(key.public_key, bytes(range(1, 33)))
    assert len(shared) == 32 and len(enc) == kem.ENC_SIZE
    assert kem.decapsulate(key, enc) == shared
    other = kem.expand(bytes(32))
    assert kem.decapsulate(other, enc) != shared  # ML-KEM implicit rejection, no exception


@pytest.mark.parametrize("text", [
    SPEC_RECIPIENT.upper(),                               # recipients are lower case only
    SPEC_RECIPIENT[:-1] + ("q" if SPEC_RECIPIENT[-1] != "q" else "p"),  # checksum broken
    SPEC_RECIPIENT[:500] + SPEC_RECIPIENT[501:],          # a character lost
    bech32.encode("age1pq", bytes(1215)),                 # one byte short
    bech32.encode("age1pq", b"\xff" * 1216),             # ML-KEM key fails the modulus check
    bech32.encode("age1tag", bytes(33)),                  # tag recipients are not supported
    SPEC_IDENTITY,
])
def test_bad_hybrid_recipients(text: str) -> None:
    with pytest.raises(BadInput):
        age.parse_recipient(text)


@pytest.mark.parametrize("text", [
    SPEC_IDENTITY.lower(),
    SPEC_IDENTITY[:-1] + ("Q" if SPEC_IDENTITY[-1] != "Q" else "P"),
    bech32.encode("AGE-SECRET-KEY-PQ-", bytes(31)).upper(),
    bech32.encode("AGE-SECRET-KEY-PQ-", bytes(64)).upper(),
    SPEC_RECIPIENT,
])
def test_bad_hybrid_identities(text: str) -> None:
    with pytest.raises(BadInput):
        age.parse_identity(text)


def encrypt(data: bytes, recipients: Sequence[age.Recipient] = (RECIPIENT,),
            armor: bool = False) -> bytes:
    out = io.BytesIO()
    age.encrypt_stream(io.BytesIO(data), out, list(recipients), armor=armor)
    return out.getvalue()


def decrypt(blob: bytes, identities: Sequence[age.Identity] = (IDENTITY,)) -> bytes:
    out = io.BytesIO()
    age.decrypt_stream(io.BytesIO(blob), out, list(identities))
    return out.getvalue()


def test_the_stanza_is_the_specs() -> None:
    blob = encrypt(b"journal")
    header = read_header(BufferedSource(io.BytesIO(blob).read))
    (stanza,) = header.stanzas
    assert stanza.type == "mlkem768x25519" and len(stanza.args) == 1
    assert len(b64.decode(stanza.args[0])) == 1120
    assert len(stanza.body) == 32
    # Fresh randomness each time: neither enc nor body repeats.
    again = read_header(BufferedSource(io.BytesIO(encrypt(b"journal")).read)).stanzas[0]
    assert again.args != stanza.args and again.body != stanza.body


@FAST
@given(size=st.sampled_from([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 7])
       | st.integers(0, 3 * CHUNK), armor=st.booleans())
def test_round_trip(size: int, armor: bool) -> None:
    data = hashlib.shake_256(size.to_bytes(8, "big")).digest(size) if size else b""
    assert decrypt(encrypt(data, armor=armor)) == data


def test_several_hybrid_recipients_each_decrypt_and_others_do_not() -> None:
    office, escrow = age.HybridIdentity.generate(), age.HybridIdentity.generate()
    blob = encrypt(b"journal", (office.recipient(), escrow.recipient()))
    assert decrypt(blob, (escrow,)) == b"journal"
    assert decrypt(blob, (office,)) == b"journal"
    with pytest.raises(age.NoIdentityMatch):
        decrypt(blob, (age.HybridIdentity.generate(), age.X25519Identity.generate()))


_BLOB = encrypt(b"journal " * 10)
_HEADER_END = _BLOB.index(b"\n---") + 1


@settings(max_examples=150, deadline=None)
@given(where=st.integers(0, _HEADER_END - 1), mask=st.integers(1, 255))
def test_any_flipped_header_byte_is_detected(where: int, mask: int) -> None:
    blob = bytearray(_BLOB)
    blob[where] ^= mask
    with pytest.raises(DecryptionError):
        decrypt(bytes(blob))


def test_post_quantum_and_classic_recipients_do_not_mix() -> None:
    """C2SP age: a hybrid file SHOULD NOT also be encrypted to classic recipients (age refuses)."""
    classic = age.X25519Identity.generate().recipient()
    for recipients in ([RECIPIENT, classic], [classic, RECIPIENT],
                       [RECIPIENT, age.ScryptRecipient(b"test passphrase", 10)]):
        with pytest.raises(BadInput):
            encrypt(b"x", recipients)
    with pytest.raises(BadInput, match="age1pq1"):
        age.check_recipients([RECIPIENT, classic])
    age.check_recipients([RECIPIENT, age.HybridIdentity.generate().recipient()])
    age.check_recipients([classic])


def test_a_mixed_file_still_decrypts() -> None:
    """Decryption has no mixing rule: a file from a tool that mixes opens with either key."""
    from posdiag.crypto.age.encrypt import _encrypt_with

    classic = age.X25519Identity.generate()
    file_key, nonce = bytes(range(16)), bytes(16)
    stanzas = [*RECIPIENT.wrap(file_key), *classic.recipient().wrap(file_key)]
    out = io.BytesIO()
    with _encrypt_with(file_key, nonce, stanzas, out) as writer:
        writer.write(b"mixed")
    assert decrypt(out.getvalue(), (classic,)) == b"mixed"
    assert decrypt(out.getvalue(), (IDENTITY,)) == b"mixed"


def test_key_files_hold_hybrid_and_classic_identities() -> None:
    classic, _ = age.generate_identity()
    text = f"# office (hybrid)\n{SPEC_IDENTITY}\n\n# old office key\n{classic}\n"
    parsed = age.parse_identity_file(text, "office.key")
    assert [type(i) for i in parsed] == [age.HybridIdentity, age.X25519Identity]
    recipients = age.parse_recipients_file(f"{SPEC_RECIPIENT}\n", "recipients.txt")
    assert [str(r) for r in recipients] == [SPEC_RECIPIENT]
    with pytest.raises(BadInput, match=r"recipients\.txt line 2"):
        age.parse_recipients_file(f"{SPEC_RECIPIENT}\n{SPEC_RECIPIENT[:-3]}\n", "recipients.txt")
