"""The Python surface beyond the vectors: foreign clocks, typed exceptions, secrets kept out of reprs, hostile input."""

from __future__ import annotations

import gc
import inspect
import json
import pathlib
import threading
from typing import Any, Callable, Dict, List

import pytest

import refundkit

ACCESS_KEY = "ACCESS-KEY-e9b1c0de-must-never-leak"
DEVELOPER_KEY = "becbbce45f79c6f5109f848acd540567"


def uat_client(clock: Any = None, access_key: str = ACCESS_KEY, **options: Any) -> refundkit.EkoClient:
    opts = refundkit.eko_uat_options()
    for key, value in options.items():
        setattr(opts, key, value)
    return refundkit.EkoClient(opts, DEVELOPER_KEY, access_key, clock=clock)


def header(request: refundkit.HttpRequest, name: str) -> str:
    values = [h.value for h in request.headers if h.name == name]
    assert len(values) == 1, request.headers
    return values[0]


# ---------------------------------------------------------------------------------------------------------------
# Package


def test_known_answer_from_the_brief() -> None:
    assert (
        refundkit.eko_secret_key("TEST_ACCESS_KEY_DO_NOT_USE", 1700000000000)
        == "u30ak/iOGwKCaspqCeiYng8fd98QDx7kF3DBBOadQHk="
    )


def test_version() -> None:
    assert refundkit.__version__ == refundkit.refundkit_version() == "0.1.0"


def test_ships_py_typed() -> None:
    assert (pathlib.Path(refundkit.__file__).parent / "py.typed").is_file()


def test_all_public_names_exist_and_are_documented() -> None:
    assert refundkit.__doc__ and "INDETERMINATE" in refundkit.__doc__
    for name in refundkit.__all__:
        obj = getattr(refundkit, name)
        assert inspect.getdoc(obj), "{} has no docstring".format(name)
    for name, member in inspect.getmembers(refundkit.EkoClient):
        if not name.startswith("_") and callable(member):
            assert inspect.getdoc(member), "EkoClient.{} has no docstring".format(name)


def test_star_import_matches_all() -> None:
    namespace: Dict[str, Any] = {}
    exec("from refundkit import *", namespace)
    assert set(refundkit.__all__) <= set(namespace)


# ---------------------------------------------------------------------------------------------------------------
# Clock implemented in Python


class FixedPythonClock(refundkit.Clock):
    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms
        self.calls = 0

    def now_unix_ms(self) -> int:
        self.calls += 1
        return self.now_ms


def test_python_clock_timestamps_the_signature() -> None:
    clock = FixedPythonClock(1700000000000)
    request = uat_client(clock, access_key="d2fe1d99-6298-4af2-8cc5-d97dcf46df30").build_refund_otp("13192443")
    assert clock.calls >= 1
    assert header(request, "secret-key-timestamp") == "1700000000000"
    # S1 of eko_secret_key.json: Eko's UAT access key at 1700000000000.
    assert header(request, "secret-key") == "qIir8tILHtqxO1Mu3/fC3pVElIa0oIxXMRDUP0463Bc="


def test_python_clock_is_read_on_every_request() -> None:
    clock = FixedPythonClock(1700000000000)
    client = uat_client(clock)
    first = client.build_inquiry_by_tid("1")
    clock.now_ms = 1700000000123
    second = client.build_inquiry_by_tid("1")
    assert header(first, "secret-key-timestamp") == "1700000000000"
    assert header(second, "secret-key-timestamp") == "1700000000123"
    assert header(second, "secret-key") == refundkit.eko_secret_key(ACCESS_KEY, 1700000000123)


def test_python_clock_matches_fixed_clock() -> None:
    ours = uat_client(FixedPythonClock(1712345678901)).build_initiate_refund("13192443", "123456")
    theirs = uat_client(refundkit.fixed_clock(1712345678901)).build_initiate_refund("13192443", "123456")
    assert ours == theirs


def test_python_clock_outlives_its_last_python_reference() -> None:
    client = uat_client(FixedPythonClock(1700000000000))  # only the Rust client holds the clock now
    gc.collect()
    assert header(client.build_refund_otp("1"), "secret-key-timestamp") == "1700000000000"


def test_python_clock_works_from_other_threads() -> None:
    client = uat_client(FixedPythonClock(1700000000000))
    results: List[str] = []

    def work() -> None:
        for _ in range(50):
            results.append(header(client.build_refund_otp("7"), "secret-key-timestamp"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["1700000000000"] * 200


def test_default_clock_is_the_system_clock() -> None:
    import time

    before = int(time.time() * 1000)
    request = refundkit.EkoClient(refundkit.eko_uat_options(), DEVELOPER_KEY, ACCESS_KEY).build_refund_otp("1")
    after = int(time.time() * 1000)
    assert before <= int(header(request, "secret-key-timestamp")) <= after


def test_clock_must_be_a_clock() -> None:
    class DuckClock:
        def now_unix_ms(self) -> int:
            return 1

    with pytest.raises(TypeError):
        uat_client(DuckClock())


def test_failing_python_clock_raises_a_typed_error() -> None:
    class BrokenClock(refundkit.Clock):
        def now_unix_ms(self) -> int:
            raise RuntimeError("clock unavailable")

    client = uat_client(BrokenClock())
    with pytest.raises(refundkit.ConfigurationError) as raised:
        client.build_refund_otp("1")
    assert isinstance(raised.value, refundkit.RefundkitError)
    assert raised.value.field == "clock"
    # Nothing panicked: the client is still usable afterwards.
    with pytest.raises(refundkit.InvalidInputError):
        client.build_refund_otp("x")


@pytest.mark.parametrize("now", [-1, 0, 1_500_000_000_000, 4_102_444_800_000])
def test_implausible_clock_is_refused_before_signing(now: int) -> None:
    with pytest.raises(refundkit.ConfigurationError) as raised:
        uat_client(refundkit.fixed_clock(now)).build_refund_otp("13192443")
    assert raised.value.field == "clock"


# ---------------------------------------------------------------------------------------------------------------
# Exceptions


def test_exception_classes_are_the_generated_variants() -> None:
    assert refundkit.InvalidInputError is refundkit.RefundkitError.InvalidInput  # type: ignore[attr-defined]
    assert refundkit.ConfigurationError is refundkit.RefundkitError.Configuration  # type: ignore[attr-defined]
    assert refundkit.UnsupportedError is refundkit.RefundkitError.Unsupported  # type: ignore[attr-defined]
    assert refundkit.InternalError is refundkit.RefundkitError.Internal  # type: ignore[attr-defined]
    for cls in (
        refundkit.InvalidInputError,
        refundkit.ConfigurationError,
        refundkit.UnsupportedError,
        refundkit.InternalError,
        refundkit.PanicError,
    ):
        assert issubclass(cls, refundkit.RefundkitError)
        assert issubclass(cls, Exception)


def test_bad_otp_raises_invalid_input_naming_the_field() -> None:
    client = uat_client(refundkit.fixed_clock(1700000000000))
    with pytest.raises(refundkit.InvalidInputError) as raised:
        client.build_initiate_refund("13192443", "12a456")
    assert raised.value.field == "otp"
    assert raised.value.reason


@pytest.mark.parametrize(
    "call, field",
    [
        (lambda c: c.build_refund_otp(""), "tid"),
        (lambda c: c.build_initiate_refund("1", "123"), "otp"),
        (lambda c: c.build_initiate_refund("1", "1234", otp_ref_id="has space"), "otp_ref_id"),
        (lambda c: c.build_inquiry_by_tid("1/2"), "tid"),
        (lambda c: c.build_inquiry_by_client_ref_id("no spaces allowed"), "client_ref_id"),
        (lambda c: c.build_pending_refunds("123"), "customer_id"),
    ],
    ids=["tid", "otp", "otp_ref_id", "inquiry tid", "client_ref_id", "customer mobile"],
)
def test_invalid_input_is_catchable_as_the_base_class(call: Callable[[Any], Any], field: str) -> None:
    client = uat_client(refundkit.fixed_clock(1700000000000))
    try:
        call(client)
    except refundkit.RefundkitError as e:  # the base class catches it...
        assert isinstance(e, refundkit.InvalidInputError)  # ...and it is the specific one
        assert e.field == field
    else:
        pytest.fail("no error raised")


def test_configuration_error_at_construction() -> None:
    opts = refundkit.eko_uat_options()
    opts.base_url = "http://staging.eko.in/ekoapi/v3"
    with pytest.raises(refundkit.ConfigurationError) as raised:
        refundkit.EkoClient(opts, DEVELOPER_KEY, ACCESS_KEY)
    assert raised.value.field == "base_url"


def test_unsupported_operation() -> None:
    client = uat_client(
        refundkit.fixed_clock(1), flavour=refundkit.EkoFlavour.LEGACY_FORM, base_url="https://staging.eko.in/ekoapi/v1"
    )
    with pytest.raises(refundkit.UnsupportedError) as raised:
        client.build_pending_refunds("9876543210")
    assert raised.value.reason


def test_money_errors_are_invalid_input_on_amount() -> None:
    with pytest.raises(refundkit.InvalidInputError) as raised:
        refundkit.parse_rupees("1.005")
    assert raised.value.field == "amount"


# ---------------------------------------------------------------------------------------------------------------
# Secrets stay out of repr() and str()


def _texts(obj: Any) -> List[str]:
    texts = [repr(obj), str(obj)]
    if isinstance(obj, BaseException):
        texts += [repr(a) for a in obj.args]
        texts += [repr(v) for v in vars(obj).values()]
    return texts


def test_client_repr_hides_the_access_key() -> None:
    for client in (uat_client(), uat_client(refundkit.fixed_clock(1)), refundkit.EkoClient.uat()):
        for text in _texts(client):
            assert ACCESS_KEY not in text
            assert "d2fe1d99-6298-4af2-8cc5-d97dcf46df30" not in text  # Eko's public UAT access key


def _errors() -> List[BaseException]:
    errors: List[BaseException] = []
    client = uat_client(refundkit.fixed_clock(1700000000000))
    attempts: List[Callable[[], Any]] = [
        lambda: client.build_refund_otp(ACCESS_KEY),
        lambda: client.build_initiate_refund("1", ACCESS_KEY),
        lambda: client.build_initiate_refund("1", "1234", ACCESS_KEY + " "),
        lambda: client.build_inquiry_by_client_ref_id(ACCESS_KEY),
        lambda: client.build_pending_refunds(ACCESS_KEY),
        lambda: uat_client(base_url="http://example.com/" + ACCESS_KEY),
        lambda: uat_client(user_code=ACCESS_KEY),
        lambda: uat_client(initiator_id=ACCESS_KEY),
        lambda: uat_client(service_code=0),
        lambda: refundkit.EkoClient(refundkit.eko_uat_options(), "", ACCESS_KEY),
        lambda: refundkit.EkoClient(refundkit.eko_uat_options(), "dev\r\nx: " + ACCESS_KEY, ACCESS_KEY),
        # An empty access key means delegated signing (refund clients with a RequestSigner); the sans-IO client,
        # which has no signer, refuses when it has to sign.
        lambda: refundkit.EkoClient(refundkit.eko_uat_options(), DEVELOPER_KEY, "").build_refund_otp("1"),
    ]
    for attempt in attempts:
        with pytest.raises(refundkit.RefundkitError) as raised:
            attempt()
        errors.append(raised.value)
    return errors


def test_errors_never_contain_the_access_key_or_echo_the_input() -> None:
    errors = _errors()
    assert len(errors) == 12
    for error in errors:
        for text in _texts(error):
            assert ACCESS_KEY not in text, text
            assert "e9b1c0de" not in text, text


def test_requests_and_options_do_not_carry_the_access_key() -> None:
    client = uat_client(refundkit.fixed_clock(1700000000000))
    request = client.build_initiate_refund("13192443", "123456")
    assert ACCESS_KEY not in repr(request)
    assert ACCESS_KEY.encode() not in request.body
    assert all(ACCESS_KEY not in h.value for h in request.headers)
    assert ACCESS_KEY not in repr(refundkit.eko_uat_options())


# ---------------------------------------------------------------------------------------------------------------
# Hostile input: typed errors, never a crash or an InternalError

WEIRD_STRINGS = [
    "",
    " ",
    "\x00",
    "123\x00456",
    "\r\n",
    "١٢٣٤٥٦",  # Arabic-Indic digits
    "१२३४५६",  # Devanagari digits
    "１２３４５６",  # fullwidth digits
    "123456\u200b",  # zero-width space
    "💸" * 1000,
    "é" * 100_000,
    "9" * 1_000_000,
    "a" * 5_000_000,
    "../../etc/passwd",
    "%2e%2e%2f",
    "{\"otp\":1}",
]

_WEIRD_IDS = ["s{}".format(i) for i in range(len(WEIRD_STRINGS))]

BUILDERS = {
    "refund_otp": lambda c, s: c.build_refund_otp(s),
    "initiate_tid": lambda c, s: c.build_initiate_refund(s, "123456"),
    "initiate_otp": lambda c, s: c.build_initiate_refund("13192443", s),
    "initiate_otp_ref_id": lambda c, s: c.build_initiate_refund("13192443", "123456", s),
    "inquiry_tid": lambda c, s: c.build_inquiry_by_tid(s),
    "inquiry_ref": lambda c, s: c.build_inquiry_by_client_ref_id(s),
    "pending": lambda c, s: c.build_pending_refunds(s),
}


@pytest.mark.parametrize("text", WEIRD_STRINGS, ids=_WEIRD_IDS)
@pytest.mark.parametrize("operation", sorted(BUILDERS))
def test_weird_builder_input_raises_invalid_input(operation: str, text: str) -> None:
    client = uat_client(refundkit.fixed_clock(1700000000000))
    visible_ascii = 0 < len(text) <= 512 and all("!" <= c <= "~" for c in text)
    if operation == "initiate_otp_ref_id" and visible_ascii:
        # An otp_ref_id is opaque visible ASCII, sent verbatim: it must arrive intact inside the JSON body.
        request = BUILDERS[operation](client, text)
        assert json.loads(request.body)["otp_ref_id"] == text
        return
    with pytest.raises(refundkit.InvalidInputError) as raised:
        BUILDERS[operation](client, text)
    assert not isinstance(raised.value, refundkit.InternalError)
    assert raised.value.field in ("tid", "otp", "otp_ref_id", "client_ref_id", "customer_id")


CONFIG_SETTERS = {
    "base_url": lambda s: refundkit.EkoClient(
        refundkit.EkoOptions(base_url=s, initiator_id="9962981729", user_code="20810200"), DEVELOPER_KEY, ACCESS_KEY
    ),
    "initiator_id": lambda s: uat_client(initiator_id=s),
    "user_code": lambda s: uat_client(user_code=s),
    "developer_key": lambda s: refundkit.EkoClient(refundkit.eko_uat_options(), s, ACCESS_KEY),
}


@pytest.mark.parametrize("text", WEIRD_STRINGS, ids=_WEIRD_IDS)
@pytest.mark.parametrize("setting", sorted(CONFIG_SETTERS))
def test_weird_configuration_raises_configuration_error(setting: str, text: str) -> None:
    if setting == "developer_key" and 0 < len(text) <= 1024 and all("!" <= c <= "~" for c in text):
        # Visible ASCII (up to 1024 characters) is a valid developer_key: it is sent verbatim as a header.
        assert header(CONFIG_SETTERS[setting](text).build_refund_otp("1"), "developer_key") == text
        return
    with pytest.raises(refundkit.ConfigurationError) as raised:
        CONFIG_SETTERS[setting](text).build_refund_otp("1")
    assert raised.value.field == setting


@pytest.mark.parametrize("text", WEIRD_STRINGS[1:], ids=_WEIRD_IDS[1:])
def test_any_non_empty_access_key_signs(text: str) -> None:
    # The access key is only ever an HMAC key: any text is usable and nothing of it is sent.
    request = uat_client(refundkit.fixed_clock(1700000000000), access_key=text).build_refund_otp("1")
    assert header(request, "secret-key") == refundkit.eko_secret_key(text, 1700000000000)


@pytest.mark.parametrize("text", WEIRD_STRINGS, ids=_WEIRD_IDS)
def test_weird_amount_raises_invalid_input(text: str) -> None:
    with pytest.raises(refundkit.InvalidInputError) as raised:
        refundkit.parse_rupees(text)
    assert raised.value.field == "amount"


def test_strings_python_cannot_encode_raise_before_crossing() -> None:
    # A lone surrogate is not UTF-8: the generated code raises UnicodeEncodeError (a ValueError) before any call.
    client = uat_client()
    with pytest.raises(ValueError):
        client.build_refund_otp("\ud800")
    with pytest.raises(ValueError):
        refundkit.eko_secret_key("\udfff", 1)


@pytest.mark.parametrize(
    "call",
    [
        lambda: uat_client().build_refund_otp(None),  # type: ignore[arg-type]
        lambda: uat_client().build_refund_otp(13192443),  # type: ignore[arg-type]
        lambda: uat_client().build_refund_otp(b"13192443"),  # type: ignore[arg-type]
        lambda: refundkit.eko_secret_key(b"key", 1),  # type: ignore[arg-type]
        lambda: refundkit.parse_rupees(12.5),  # type: ignore[arg-type]
        lambda: refundkit.EkoClient(refundkit.eko_uat_options(), None, ACCESS_KEY),  # type: ignore[arg-type]
        lambda: refundkit.eko_interpret_inquiry(refundkit.HttpResponse(status=200, body="text")),  # type: ignore[arg-type]
        lambda: refundkit.eko_interpret_inquiry(b"{}"),  # type: ignore[arg-type]
    ],
    ids=["None", "int", "bytes", "bytes key", "float amount", "None key", "str body", "not a response"],
)
def test_wrong_python_types_raise_type_error(call: Callable[[], Any]) -> None:
    with pytest.raises((TypeError, AttributeError)):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: refundkit.eko_secret_key("k", 2**63),
        lambda: refundkit.fixed_clock(2**63),
        lambda: refundkit.format_rupees(2**63),
        lambda: refundkit.eko_interpret_inquiry(refundkit.HttpResponse(status=2**31, body=b"")),
    ],
    ids=["timestamp 2^63", "clock 2^63", "paise 2^63", "status 2^31"],
)
def test_numbers_outside_the_wire_types_raise_value_error(call: Callable[[], Any]) -> None:
    with pytest.raises(ValueError):
        call()


def test_negative_timestamp_is_invalid_input() -> None:
    with pytest.raises(refundkit.InvalidInputError) as raised:
        refundkit.eko_secret_key("k", -1)
    assert raised.value.field == "timestamp_ms"


@pytest.mark.parametrize("status", [-1, 0, 65536, 99999])
def test_impossible_http_status_is_indeterminate(status: int) -> None:
    outcome = refundkit.eko_interpret_initiate_refund(refundkit.HttpResponse(status=status, body=b'{"status":0}'))
    assert outcome.status == refundkit.RefundStatus.INDETERMINATE
    assert outcome.next_step == refundkit.NextStep.INQUIRE


def test_extreme_money_formats() -> None:
    assert refundkit.format_rupees(2**63 - 1) == "92233720368547758.07"
    assert refundkit.format_rupees(-(2**63)) == "-92233720368547758.08"


HOSTILE_BODIES = [
    b"",
    b"\x00",
    b"\xff\xfe\xfd",
    b"null",
    b"[]",
    b"\"\"",
    b"{" * 100_000,
    b"[" * 100_000 + b"]" * 100_000,
    b"{\"status\":" + b"9" * 10_000 + b"}",
    b"{\"status\":0,\"data\":{\"amount\":\"1e999999999\"}}",
    b"{\"status\":0,\"status\":1}",
    b"{\"message\":\"" + "\u202e".encode() * 1000 + b"\"}",
    b"x" * 8_000_000,
]


@pytest.mark.parametrize("status", [0, 100, 200, 204, 302, 400, 403, 429, 500, 599, 65535])
@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=["b{}".format(i) for i in range(len(HOSTILE_BODIES))])
def test_hostile_responses_interpret_without_raising(body: bytes, status: int) -> None:
    response = refundkit.HttpResponse(status=status, body=body)
    for interpret in (
        refundkit.eko_interpret_refund_otp,
        refundkit.eko_interpret_initiate_refund,
        refundkit.eko_interpret_inquiry,
    ):
        outcome = interpret(response)
        assert isinstance(outcome.status, refundkit.RefundStatus)
        # Nothing unreadable may ever look final for money-moving calls.
        if interpret is refundkit.eko_interpret_initiate_refund and status == 200 and body in (b"", b"\x00"):
            assert outcome.status == refundkit.RefundStatus.INDETERMINATE
    pending = refundkit.eko_interpret_pending_refunds(response)
    assert isinstance(pending.outcome, refundkit.Outcome)


def test_response_headers_are_optional_and_accepted() -> None:
    response = refundkit.HttpResponse(
        status=200,
        headers=[refundkit.Header(name="Content-Type", value="application/json"), refundkit.Header(name="\x00", value="")],
        body=b"{}",
    )
    assert refundkit.eko_interpret_inquiry(response).status == refundkit.eko_interpret_inquiry(
        refundkit.HttpResponse(status=200, body=b"{}")
    ).status


# ---------------------------------------------------------------------------------------------------------------
# Records and options


def test_options_defaults_and_production() -> None:
    uat = refundkit.eko_uat_options()
    assert uat.base_url.startswith("https://")
    assert uat.flavour == refundkit.EkoFlavour.V3_JSON
    assert uat.service_code == 80
    prod = refundkit.eko_production_options("9876543210", "AB12")
    assert (prod.initiator_id, prod.user_code) == ("9876543210", "AB12")
    assert prod.base_url != uat.base_url
    minimal = refundkit.EkoOptions(base_url=uat.base_url, initiator_id="9962981729", user_code="20810200")
    assert minimal.flavour is None and minimal.otp_encoding is None and minimal.client_ref_style is None
    assert not minimal.send_user_code_with_otp_request and minimal.service_code == 80


def test_record_repr_is_readable() -> None:
    request = uat_client(refundkit.fixed_clock(1700000000000)).build_refund_otp("13192443")
    assert repr(request).startswith("HttpRequest(method=HttpMethod.POST")
    assert "Header(name=secret-key-timestamp, value=1700000000000)" in repr(request.headers)


def test_outcome_of_a_sent_otp() -> None:
    body = (
        b'{"response_status_id":1,"data":{"otp_ref_id":"abc="},"response_type_id":2133,"message":"Send OTP",'
        b'"status":2133}'
    )
    outcome = refundkit.eko_interpret_refund_otp(refundkit.HttpResponse(status=200, body=body))
    assert outcome.status == refundkit.RefundStatus.PENDING
    assert outcome.next_step == refundkit.NextStep.COLLECT_OTP
    assert outcome.otp is not None and outcome.otp.otp_ref_id == "abc="
    assert outcome.raw.provider == "eko" and outcome.raw.http_status == 200
