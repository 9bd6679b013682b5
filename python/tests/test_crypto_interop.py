"""refundkit's signatures checked by an implementation we did not write: the `cryptography` package (issue 4).

- UPI Refund 360 mode A: ``upi_header_signature`` and the ``x-merchant-signature`` of requests built by
  ``Upi360Client`` verify as RSA-PSS (SHA-256, MGF1-SHA-256, salt 32) over an input assembled here from the headers.
- UPI Refund 360 mode B: ``upi_jws`` and JWS-mode request bodies verify as RS256 over ``protected.payload``.
- PaytmChecksum: ``paytm_checksum`` outputs decrypt with AES-CBC (IV ``@@@@&&&&####$$$$``, PKCS#7) to
  ``sha256_hex(body + "|" + salt) + salt``.

And the other way round: signatures made here with `cryptography` are accepted by refundkit, and tampered ones are
not. Missing `cryptography` is an error, never a skip (bash python/test.sh installs it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote

import pytest

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, padding, serialization
    from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError as e:  # pragma: no cover - setup problem
    raise ImportError("the interop tests need the `cryptography` package (bash python/test.sh installs it)") from e

import refundkit
from _support import load_vectors, signing_jws, signing_pss, upi_key

NOW = 1735689600000
MERCHANT_PKCS8 = "test_only_merchant_private_pkcs8.pem"
MERCHANT_PKCS1 = "test_only_merchant_private_pkcs1.pem"
MERCHANT_PUBLIC = "test_only_merchant_public_spki.pem"
PSP_PRIVATE = "test_only_psp_private_pkcs8.pem"
PSP_PUBLIC = "test_only_psp_public_spki.pem"
UPI_ID = "YJP1234567890ABCDEFGHIJKLMNOPQRSTUV"

PSS_SALT_32 = rsa_padding.PSS(mgf=rsa_padding.MGF1(hashes.SHA256()), salt_length=32)


def public_key(name: str) -> RSAPublicKey:
    key = serialization.load_pem_public_key(upi_key(name).encode("ascii"))
    assert isinstance(key, RSAPublicKey)
    return key


def private_key(name: str) -> RSAPrivateKey:
    key = serialization.load_pem_private_key(upi_key(name).encode("ascii"), password=None)
    assert isinstance(key, RSAPrivateKey)
    return key


def pss_valid(message: bytes, signature_hex: str, key: str = MERCHANT_PUBLIC) -> bool:
    try:
        public_key(key).verify(bytes.fromhex(signature_hex), message, PSS_SALT_32, hashes.SHA256())
        return True
    except InvalidSignature:
        return False


def b64url_decode(text: str) -> bytes:
    assert "=" not in text, "JWS parts are base64url without padding"
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def check_jws(jws: str, kid: str, key: str = MERCHANT_PUBLIC) -> bytes:
    """Verifies a flattened RS256 JWS with `cryptography`; returns the payload bytes."""
    parts = json.loads(jws)
    assert list(parts) == ["protected", "payload", "signature"]
    assert json.loads(b64url_decode(parts["protected"])) == {"alg": "RS256", "kid": kid}
    signing_input = "{}.{}".format(parts["protected"], parts["payload"]).encode("ascii")
    public_key(key).verify(b64url_decode(parts["signature"]), signing_input, rsa_padding.PKCS1v15(), hashes.SHA256())
    return b64url_decode(parts["payload"])


def header(request: refundkit.HttpRequest, name: str) -> Optional[str]:
    values = [h.value for h in request.headers if h.name.lower() == name.lower()]
    assert len(values) <= 1, request.headers
    return values[0] if values else None


def options(signing: refundkit.Upi360Signing, sub: bool = False) -> refundkit.Upi360Options:
    return refundkit.Upi360Options(
        host="https://api.beta.yesbank.upi.juspay.in",
        uri="n2",
        merchant_id="MERCHANT1",
        merchant_channel_id="CHANNEL1",
        signing=signing,
        sub_merchant_id="SUB1" if sub else None,
        sub_merchant_channel_id="SUBCH1" if sub else None,
    )


def online_refund() -> refundkit.Upi360RefundRequest:
    return refundkit.Upi360RefundRequest(
        refund_request_id="RF20250101ABC",
        amount_paise=10_000,
        refund_type=refundkit.Upi360RefundType.ONLINE,
        remarks="Customer refund",
        original_upi_request_id=UPI_ID,
        merchant_refund_vpa="refunds@parentbank",
    )


def upi_client(signing: refundkit.Upi360Signing, key: str = MERCHANT_PKCS8, sub: bool = False) -> refundkit.Upi360Client:
    return refundkit.Upi360Client(
        options(signing, sub), upi_key(key), upi_key(PSP_PUBLIC), clock=refundkit.fixed_clock(NOW)
    )


def mode_a_input(request: refundkit.HttpRequest) -> bytes:
    """The mode-A signing input, assembled here from the request's own headers and body (not by refundkit)."""
    ids = [header(request, n) or "" for n in ("x-merchant-id", "x-merchant-channel-id")]
    ids += [header(request, n) or "" for n in ("x-sub-merchant-id", "x-sub-merchant-channel-id")]
    timestamp = header(request, "x-timestamp")
    assert timestamp == str(NOW)
    return "".join(ids + [timestamp]).encode("utf-8") + request.body


# ---------------------------------------------------------------------------------------------------------------
# RSA-PSS (mode A): refundkit signs, cryptography verifies


@pytest.mark.parametrize("key", [MERCHANT_PKCS8, MERCHANT_PKCS1])
@pytest.mark.parametrize("sub", [(None, None), ("SUB1", "SUBCH1")], ids=["parent", "sub-merchant"])
def test_header_signature_verifies_with_cryptography(key: str, sub: Tuple[Optional[str], Optional[str]]) -> None:
    body = b'{"refundRequestId":"RF1","remarks":"\xe2\x82\xb9 refund"}'
    signature = refundkit.upi_header_signature("MERCHANT1", "CHANNEL1", sub[0], sub[1], NOW, body, upi_key(key))
    assert signature == signature.lower() and len(signature) == 512  # RSA-2048: 256 bytes, lowercase hex
    message = "MERCHANT1CHANNEL1{}{}{}".format(sub[0] or "", sub[1] or "", NOW).encode("utf-8") + body
    assert pss_valid(message, signature)
    # Bound to every byte of the input and to the key.
    assert not pss_valid(message + b" ", signature)
    assert not pss_valid(message, signature, key=PSP_PUBLIC)
    # Randomized: a second signature differs and verifies too.
    again = refundkit.upi_header_signature("MERCHANT1", "CHANNEL1", sub[0], sub[1], NOW, body, upi_key(key))
    assert again != signature and pss_valid(message, again)


def test_header_signature_uses_salt_32_exactly() -> None:
    body = b"{}"
    signature = bytes.fromhex(refundkit.upi_header_signature("M", "C", None, None, NOW, body, upi_key(MERCHANT_PKCS8)))
    other_salt = rsa_padding.PSS(mgf=rsa_padding.MGF1(hashes.SHA256()), salt_length=20)
    with pytest.raises(InvalidSignature):
        public_key(MERCHANT_PUBLIC).verify(signature, b"MC" + str(NOW).encode() + body, other_salt, hashes.SHA256())


@pytest.mark.parametrize("sub", [False, True], ids=["parent", "sub-merchant"])
@pytest.mark.parametrize("operation", ["refund360", "status"])
def test_client_pss_requests_verify_with_cryptography(sub: bool, operation: str) -> None:
    client = upi_client(signing_pss(), sub=sub)
    if operation == "refund360":
        request = client.build_refund360(online_refund())
    else:
        request = client.build_refund_status(refundkit.upi360_status_request_for(online_refund()))
    signature = header(request, "x-merchant-signature")
    assert signature is not None
    assert (header(request, "x-sub-merchant-id") is not None) is sub
    assert pss_valid(mode_a_input(request), signature)
    assert not pss_valid(mode_a_input(request) + b"x", signature)


def test_pss_vectors_agree_with_cryptography() -> None:
    """Every pss_verify known answer: refundkit and cryptography (salt 32) give the same verdict."""
    for case in load_vectors("upi360_signing.json")["pss_verify"]:
        message, signature = case["message"].encode("utf-8"), case["signature_hex"]
        theirs = pss_valid(message, signature, key=case["public_key"])
        ours = refundkit.upi_verify_pss_signature(message, signature, upi_key(case["public_key"]))
        assert ours is theirs is case["valid"], case["name"]


# ---------------------------------------------------------------------------------------------------------------
# RS256 JWS (mode B): refundkit signs, cryptography verifies


@pytest.mark.parametrize("key", [MERCHANT_PKCS8, MERCHANT_PKCS1])
def test_upi_jws_verifies_with_cryptography(key: str) -> None:
    payload = '{"refundRequestId":"RF1","remarks":"\u20b9 refund","iat":"1735689600000"}'
    jws = refundkit.upi_jws(payload, upi_key(key), "kid-merchant-1")
    assert check_jws(jws, "kid-merchant-1") == payload.encode("utf-8")
    # RS256 is deterministic: cryptography's own signature over the same input is byte-identical.
    parts = json.loads(jws)
    mine = private_key(MERCHANT_PKCS8).sign(
        "{}.{}".format(parts["protected"], parts["payload"]).encode("ascii"), rsa_padding.PKCS1v15(), hashes.SHA256()
    )
    assert b64url(mine) == parts["signature"]
    with pytest.raises(InvalidSignature):
        check_jws(jws, "kid-merchant-1", key=PSP_PUBLIC)


def test_jws_vectors_verify_with_cryptography() -> None:
    for case in load_vectors("upi360_signing.json")["jws"]:
        jws = refundkit.upi_jws(case["payload"], upi_key(case["private_key"]), case["kid"])
        assert check_jws(jws, case["kid"]) == case["payload"].encode("utf-8"), case["name"]


@pytest.mark.parametrize("operation", ["refund360", "status"])
def test_client_jws_bodies_verify_with_cryptography(operation: str) -> None:
    client = upi_client(signing_jws("kid-merchant-1"), key=MERCHANT_PKCS1)
    if operation == "refund360":
        request = client.build_refund360(online_refund())
    else:
        request = client.build_refund_status(refundkit.upi360_status_request_for(online_refund()))
    assert header(request, "x-merchant-signature") is None
    payload = json.loads(check_jws(request.body.decode("ascii"), "kid-merchant-1"))
    id_field = "refundRequestId" if operation == "refund360" else "merchantRequestId"  # Refund Status names it so
    assert payload[id_field] == "RF20250101ABC"
    assert payload["iat"] == str(NOW)  # the request's timestamp
    assert header(request, "x-timestamp") == str(NOW)


# ---------------------------------------------------------------------------------------------------------------
# The other way round: the PSP side signed with cryptography, refundkit verifies


def psp_pss(data: bytes) -> str:
    return private_key(PSP_PRIVATE).sign(data, PSS_SALT_32, hashes.SHA256()).hex()


ANSWER: Dict[str, Any] = {
    "status": "SUCCESS",
    "responseCode": "SUCCESS",
    "payload": {
        "refundRequestId": "RF20250101ABC",
        "refundAmount": "100.00",
        "refundType": "ONLINE",
        "gatewayResponseStatus": "DEEMED",
        "gatewayResponseCode": "RB",
    },
}


def test_cryptography_signed_answers_are_trusted_and_tampered_ones_are_not() -> None:
    client = upi_client(signing_pss())
    body = json.dumps(ANSWER, separators=(",", ":")).encode("utf-8")
    sorted_body = json.dumps(ANSWER, separators=(",", ":"), sort_keys=True).encode("utf-8")
    for signed_over in (body, sorted_body):
        signature = psp_pss(signed_over)
        assert refundkit.upi_verify_response_signature(body, signature, upi_key(PSP_PUBLIC)) is True
        response = refundkit.HttpResponse(
            status=200, headers=[refundkit.Header(name="x-response-signature", value=signature)], body=body
        )
        outcome = client.interpret_refund360(online_refund(), response)
        # DEEMED: pending, re-query the same id; never a new refund.
        assert (outcome.status, outcome.reason) == (refundkit.RefundStatus.PENDING, refundkit.RefundReason.DEEMED)
    tampered = body.replace(b"DEEMED", b"FAILED")
    response = refundkit.HttpResponse(
        status=200, headers=[refundkit.Header(name="x-response-signature", value=psp_pss(body))], body=tampered
    )
    outcome = client.interpret_refund360(online_refund(), response)
    assert outcome.status == refundkit.RefundStatus.INDETERMINATE
    assert outcome.reason == refundkit.RefundReason.UNTRUSTED_RESPONSE


def test_cryptography_signed_callback_is_verified() -> None:
    client = upi_client(signing_pss())
    callback = {"refundRequestId": "RF1", "gatewayResponseStatus": "SUCCESS", "gatewayResponseCode": "00"}
    body = json.dumps(callback, separators=(",", ":")).encode("utf-8")
    signature = psp_pss(json.dumps(callback, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    assert refundkit.upi_verify_callback_signature(body, signature, upi_key(PSP_PUBLIC)) is True
    as_base64 = base64.b64encode(bytes.fromhex(signature)).decode("ascii")
    for value in (signature, as_base64):
        headers = [refundkit.Header(name="x-merchant-payload-signature", value=value)]
        assert client.verify_callback(headers, body) is True
        assert client.interpret_callback(headers, body).status == refundkit.RefundStatus.SUCCEEDED
    assert client.verify_callback([], body) is False


def test_cryptography_made_jws_answer_is_trusted() -> None:
    client = upi_client(signing_jws("kid-merchant-1"))
    answer = dict(ANSWER, payload=dict(ANSWER["payload"], gatewayResponseStatus="SUCCESS", gatewayResponseCode="00"))
    protected = b64url(b'{"alg":"RS256","kid":"psp"}')
    payload = b64url(json.dumps(answer, separators=(",", ":")).encode("utf-8"))

    def respond(key: str) -> refundkit.Outcome:
        signature = private_key(key).sign(
            "{}.{}".format(protected, payload).encode("ascii"), rsa_padding.PKCS1v15(), hashes.SHA256()
        )
        jws = json.dumps({"protected": protected, "payload": payload, "signature": b64url(signature)})
        return client.interpret_refund360(
            online_refund(), refundkit.HttpResponse(status=200, headers=[], body=jws.encode("ascii"))
        )

    assert respond(PSP_PRIVATE).status == refundkit.RefundStatus.SUCCEEDED
    assert respond(MERCHANT_PKCS8).reason == refundkit.RefundReason.UNTRUSTED_RESPONSE


def test_hmac_matches_the_standard_library() -> None:
    message = refundkit.upi_signature_input("MERCHANT1", "CHANNEL1", None, None, NOW, b'{"a":1}')
    mac = hmac.new(b"TEST_ONLY_API_KEY", message, hashlib.sha256).digest()
    assert refundkit.upi_hmac_sha256(message, "TEST_ONLY_API_KEY") == mac.hex()
    base64_encoding = refundkit.Upi360SignatureEncoding.BASE64
    assert refundkit.upi_hmac_sha256(message, "TEST_ONLY_API_KEY", base64_encoding) == base64.b64encode(mac).decode()


# ---------------------------------------------------------------------------------------------------------------
# PaytmChecksum: refundkit encrypts, cryptography decrypts (and the other way round)

PAYTM_IV = b"@@@@&&&&####$$$$"
PAYTM_KEY = "Test&Key#12345$@"
PAYTM_MID = "INTEGR7769XXXXXX9383"


def paytm_decrypt(signature: str, key: str) -> str:
    raw = base64.b64decode(signature, validate=True)
    decryptor = Cipher(algorithms.AES(key.encode("utf-8")), modes.CBC(PAYTM_IV)).decryptor()
    padded = decryptor.update(raw) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode("ascii")


def paytm_encrypt(body: str, key: str, salt: str) -> str:
    plain = (hashlib.sha256("{}|{}".format(body, salt).encode("utf-8")).hexdigest() + salt).encode("ascii")
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key.encode("utf-8")), modes.CBC(PAYTM_IV)).encryptor()
    return base64.b64encode(encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()).decode()


def check_paytm_signature(signature: str, signed_text: str, key: str) -> str:
    """Decrypts a PaytmChecksum with `cryptography` and checks sha256_hex(text|salt) + salt; returns the salt."""
    plain = paytm_decrypt(signature, key)
    digest, salt = plain[:64], plain[64:]
    assert len(salt) == 4, plain
    assert digest == hashlib.sha256("{}|{}".format(signed_text, salt).encode("utf-8")).hexdigest()
    return salt


@pytest.mark.parametrize("key", ["A1b2C3d4E5f6G7h8", "A1b2C3d4E5f6G7h8A1b2C3d4", "A1b2C3d4E5f6G7h8A1b2C3d4E5f6G7h8"])
def test_paytm_checksum_decrypts_with_cryptography(key: str) -> None:  # AES-128, -192, -256
    body = '{"mid":"YOUR_MID_HERE","orderId":"YOUR_ORDER_ID_HERE","note":"\u20b9"}'
    salts = set()
    for _ in range(3):
        salt = check_paytm_signature(refundkit.paytm_checksum(body, key), body, key)
        assert salt.isascii() and salt.isalnum()
        salts.add(salt)
    assert len(salts) > 1, "salts drawn from the OS CSPRNG should differ"
    assert check_paytm_signature(refundkit.paytm_checksum(body, key, "a!b~"), body, key) == "a!b~"
    params: Dict[str, Optional[str]] = {"ORDERID": "o1", "MID": "m1", "CUST_ID": None}
    assert check_paytm_signature(refundkit.paytm_checksum_params(params, key), "|m1|o1", key)


def test_paytm_checksum_vectors_decrypt_to_their_plaintext() -> None:
    """Checks the vectors' expected_sha256_hex / expected_plaintext fields, which only cryptography can reach."""
    for case in load_vectors("paytm_checksum.json"):
        if case["kind"] == "verify_negative":
            continue
        got = refundkit.paytm_checksum(case["string_to_sign"], case["key"], case["salt"])
        assert paytm_decrypt(got, case["key"]) == case["expected_plaintext"], case["name"]
        assert case["expected_plaintext"] == case["expected_sha256_hex"] + case["salt"], case["name"]
        assert check_paytm_signature(got, case["string_to_sign"], case["key"]) == case["salt"]


def test_cryptography_made_checksum_verifies_in_refundkit() -> None:
    body = '{"mid":"m1","orderId":"o1"}'
    signature = paytm_encrypt(body, PAYTM_KEY, "Q7zz")
    assert signature == refundkit.paytm_checksum(body, PAYTM_KEY, "Q7zz")
    assert refundkit.paytm_verify(body, PAYTM_KEY, signature) is True
    assert refundkit.paytm_verify(body + " ", PAYTM_KEY, signature) is False
    assert refundkit.paytm_verify(body, "Test&Key#12345$!", signature) is False


def envelope_body(envelope: bytes) -> str:
    """The exact bytes of the signed ``body`` object inside ``{"body":...,"head":{...}}``."""
    text = envelope.decode("utf-8")
    assert text.startswith('{"body":')
    end = text.rindex(',"head":')
    return text[len('{"body":') : end]


@pytest.mark.parametrize("operation", ["apply", "status"])
def test_paytm_client_requests_decrypt_with_cryptography(operation: str) -> None:
    client = refundkit.PaytmClient.staging(PAYTM_MID, PAYTM_KEY, clock=refundkit.fixed_clock(1700000000000))
    if operation == "apply":
        request = client.build_refund_apply("OREDRID_98765", "REFUNDID_98765", "202005081112128XXXXXX68470101509706", 100)
    else:
        request = client.build_refund_status("OREDRID_98765", ref_id="REFUNDID_98765")
    signature = json.loads(request.body)["head"]["signature"]
    check_paytm_signature(signature, envelope_body(request.body), PAYTM_KEY)


def test_cryptography_signed_paytm_answer_and_webhook_are_trusted() -> None:
    client = refundkit.PaytmClient.staging(PAYTM_MID, PAYTM_KEY, clock=refundkit.fixed_clock(1700000000000))
    body = json.dumps(
        {
            "mid": PAYTM_MID,
            "orderId": "OREDRID_98765",
            "refId": "REFUNDID_98765",
            "refundId": "RF1",
            "status": "SUCCESS",
            "refundAmount": "1.00",
        },
        separators=(",", ":"),
    )

    def webhook(sig: str) -> bytes:
        return '{{"head":{{"signature":"{}"}},"body":{}}}'.format(sig, body).encode("utf-8")

    event = client.parse_accept_refund_webhook(webhook(paytm_encrypt(body, PAYTM_KEY, "abcd")))
    assert (event.accepted, event.refund_amount_paise, event.ref_id) == (True, 100, "REFUNDID_98765")
    with pytest.raises(refundkit.PaytmWebhookSignatureInvalidError):
        client.parse_accept_refund_webhook(webhook(paytm_encrypt(body, "Test&Key#12345$!", "abcd")))

    # An ARN notification: form fields signed in the params-map form.
    fields = {"MID": PAYTM_MID, "ORDERID": "O1", "REFID": "R1", "REFUNDID": "RF1", "ARN": "74332744001234567890123"}
    signed = "|".join(fields[k] for k in sorted(fields))
    form = "&".join("{}={}".format(k, v) for k, v in fields.items())
    checksum = paytm_encrypt(signed, PAYTM_KEY, "Zz09")
    arn = client.parse_refund_arn_webhook("{}&CHECKSUMHASH={}".format(form, quote(checksum, safe="")).encode("ascii"))
    assert (arn.arn, arn.refund_id, arn.params["ORDERID"]) == ("74332744001234567890123", "RF1", "O1")
    assert "CHECKSUMHASH" not in arn.params
