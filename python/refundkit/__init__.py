"""refundkit: refunds through Indian payment APIs (Eko, Paytm, UPI Refund 360), without doing any I/O itself.

refundkit never opens a socket. Every call follows the same four steps:

1. **Build** a signed request with a client, e.g. ``EkoClient(...).build_refund_otp(tid)``. You get an
   :class:`HttpRequest` (``method``, ``url``, ordered ``headers``, ``body`` bytes).
2. **Send** it with your own HTTP client (requests, httpx, urllib3, aiohttp...), exactly as built: same method, URL,
   headers in order, body bytes untouched (they are what was signed).
3. **Interpret** what came back: wrap it in an :class:`HttpResponse` and pass it to the matching
   ``eko_interpret_*`` function. If the call failed before any answer arrived (timeout, reset connection), you have
   no response: treat it like an ``INDETERMINATE`` outcome.
4. **Act** on the :class:`Outcome`: ``status`` (:class:`RefundStatus`: where the refund stands), ``reason``
   (:class:`RefundReason`: why) and ``next_step`` (:class:`NextStep`: what to do now), plus OTP and refund details
   and the provider's raw codes for your logs.

**Never re-send a refund after INDETERMINATE.** ``build_initiate_refund`` moves money. When its outcome is not
final (``INDETERMINATE``, or a timeout with no outcome at all), the refund may or may not have happened: inquire
(``build_inquiry_by_tid`` on the *original* transaction, then ``eko_interpret_inquiry``) until it is final. Sending
Initiate Refund again can refund twice.

Errors: anything refundkit rejects before signing raises a subclass of :class:`RefundkitError`:

- :class:`InvalidInputError` (``.field`` names the bad input, e.g. ``"otp"``; ``.reason`` says why),
- :class:`ConfigurationError` (``.field`` names the bad setting, e.g. ``"base_url"``),
- :class:`UnsupportedError` (the operation does not exist in the configured API flavour),
- :class:`InternalError` (a bug inside refundkit; a Rust panic arrives as its subclass :class:`PanicError`).

Error messages never contain the access key and never echo the rejected input.

Example::

    import refundkit

    client = refundkit.EkoClient(refundkit.eko_uat_options(), developer_key, access_key)
    request = client.build_refund_otp("13192443")
    http = your_http_client.request(request.method.name, request.url,
                                    headers=[(h.name, h.value) for h in request.headers], data=request.body)
    outcome = refundkit.eko_interpret_refund_otp(
        refundkit.HttpResponse(status=http.status_code, headers=[], body=http.content))
    if outcome.next_step == refundkit.NextStep.COLLECT_OTP: ...

Paytm (:class:`PaytmClient`, ``paytm_checksum``/``paytm_verify``) and UPI Refund 360 (:class:`Upi360Client`,
``upi_jws``, ``upi_header_signature``, ``upi_verify_*``) follow the same model; their interpreters are client methods
(``interpret_refund_apply``, ``interpret_refund360``...) because they verify the provider's signatures with the keys
the client holds. A Paytm webhook that does not verify raises a :class:`PaytmWebhookError` (e.g.
:class:`PaytmWebhookSignatureInvalidError`), never an event. UPI ``DEEMED`` is ``PENDING``: re-query the same
``refund_request_id``, never refund again.

Amounts are integers in paise (``parse_rupees("12.50") == 1250``, ``format_rupees(1250) == "12.50"``).

Refund clients: :class:`EkoRefunds`, :class:`PaytmRefunds` and :class:`Upi360Refunds` do the sending for you, under
refundkit's refund policy (a money-moving call is sent once; an unclear answer is resolved by inquiry/status on the
same id; reads are retried; an attempt record is saved first so :meth:`EkoRefunds.resume` can finish after a crash).
Their methods are coroutines: ``report = await client.refund(...)`` gives a :class:`RefundReport`. Synchronous code
uses :mod:`refundkit.blocking` (``EkoRefundsBlocking`` ...). You provide an async :class:`HttpTransport` (or
:func:`builtin_transport`, or :func:`threaded_transport` over a blocking function), optionally a
:class:`RequestSigner` (delegated signing: pass an empty key), an :class:`AttemptStore`
(:func:`directory_attempt_store`, :func:`memory_attempt_store`, or your own) and a :class:`RetryPolicy`. Logs go to
the ``logging`` module with :func:`install_logging`. Errors: :class:`SignerError`, :class:`StoreError`,
:class:`ClaimedElsewhereError` (another worker holds the reference's attempt record; nothing was sent), plus the above.

A report that is not final says when asking again can settle it (``next_check_at_ms``). After an unclear send, "not
found" inside the provider's commit window (``RetryPolicy.*_commit_window_ms``) is ``PENDING``/``POLL_LATER``, never
``FAILED``: keep the record and ``resume`` it then. A reference whose record still exists is never sent again.

Tests: :class:`Sandbox` (``Sandbox.start()``) runs a local simulator of all three providers, with their
authentication, signed answers, injectable faults (e.g. an answer dropped after the refund was committed) and a
ledger of the money that moved; point the clients at ``sandbox.base_url()`` / ``sandbox.eko_base_url()``.
"""

from __future__ import annotations

import asyncio as _asyncio
import logging as _logging
from typing import TYPE_CHECKING, Callable, List, Optional

from . import _native
from ._native import refundkit as _generated
from ._native.refundkit import (
    AttemptStore,
    Clock,
    EkoClient,
    EkoClientRefStyle,
    EkoFlavour,
    EkoOptions,
    EkoOtpEncoding,
    EkoPendingRefund,
    EkoPendingRefunds,
    EkoRefunds,
    FieldError,
    Header,
    HttpMethod,
    HttpRequest,
    HttpResponse,
    HttpTransport,
    LogLevel,
    LogSink,
    NextStep,
    OtpDispatch,
    Outcome,
    PaytmAcceptRefundEvent,
    PaytmClient,
    PaytmEnvironment,
    PaytmFlavour,
    PaytmOptions,
    PaytmPriorApply,
    PaytmRefundArnEvent,
    PaytmRefundApply,
    PaytmRefundDestination,
    PaytmRefunds,
    PaytmSuccessRefundEvent,
    PaytmWebhookError,
    ProviderCode,
    ProviderRaw,
    RandomSource,
    RefundDetails,
    RefundkitError,
    RefundReason,
    RefundReport,
    RefundStatus,
    RequestSigner,
    RetryPolicy,
    Sandbox,
    SandboxCredentials,
    SandboxEkoTransaction,
    SandboxLedgerEntry,
    SandboxPaytmOrder,
    SandboxUpiTransaction,
    SignatureAlgorithm,
    SignatureInput,
    TransportFailure,
    Upi360CanonicalForm,
    Upi360Client,
    Upi360Options,
    Upi360RefundIdCharset,
    Upi360RefundRequest,
    Upi360Refunds,
    Upi360RefundType,
    Upi360RemarksRule,
    Upi360RoutingId,
    Upi360SignatureEncoding,
    Upi360Signing,
    Upi360StatusRequest,
    PaytmStatusQuery,
    BulkResult,
    BulkProgress,
    builtin_transport,
    clear_log_sink,
    directory_attempt_store,
    eko_interpret_initiate_refund,
    eko_interpret_inquiry,
    eko_interpret_pending_refunds,
    eko_interpret_refund_otp,
    eko_production_options,
    eko_request_hash,
    eko_secret_key,
    eko_uat_options,
    fixed_clock,
    fixed_random,
    format_rupees,
    memory_attempt_store,
    parse_rupees,
    purge_refunded_attempts,
    postgres_attempt_store,
    sqlite_attempt_store,
    paytm_checksum,
    paytm_checksum_params,
    paytm_params_string,
    paytm_random_salt,
    paytm_verify,
    paytm_verify_params,
    refundkit_version,
    set_log_sink,
    sign_with_key,
    uniffi_set_event_loop,
    upi360_status_request_for,
    upi_header_signature,
    upi_hmac_sha256,
    upi_jws,
    upi_refund_type_from_wire,
    upi_signature_input,
    upi_verify_callback_signature,
    upi_verify_pss_signature,
    upi_verify_response_signature,
    verify_paytm_with_key,
)

__version__: str = refundkit_version()

# ---------------------------------------------------------------------------------------------------------------
# Exceptions: the generated variants of RefundkitError, under names that read well in an ``except`` clause.

if TYPE_CHECKING:
    # What type checkers see. The generated module builds these classes dynamically (nested in RefundkitError), which
    # checkers cannot follow; at run time the names below are exactly the generated classes (see the else branch).

    class InvalidInputError(RefundkitError):
        """A request input is missing or malformed; ``field`` is its wire name (e.g. ``"otp"``)."""

        field: str
        reason: str

        def __init__(self, field: str, reason: str) -> None: ...

    class ConfigurationError(RefundkitError):
        """The client configuration is unusable; ``field`` names the setting (e.g. ``"base_url"``)."""

        field: str
        reason: str

        def __init__(self, field: str, reason: str) -> None: ...

    class UnsupportedError(RefundkitError):
        """The operation does not exist in the configured API flavour."""

        reason: str

        def __init__(self, reason: str) -> None: ...

    class InternalError(RefundkitError):
        """Something failed inside refundkit. Always a bug: please report it."""

        reason: str

        def __init__(self, reason: str) -> None: ...

    class SignerError(RefundkitError):
        """The app's delegated :class:`RequestSigner` failed (raised, or returned nothing usable); nothing was sent."""

        reason: str

        def __init__(self, reason: str) -> None: ...

    class StoreError(RefundkitError):
        """The :class:`AttemptStore` could not save the record of a money-moving call, so the call was not sent."""

        reason: str

        def __init__(self, reason: str) -> None: ...

    class ClaimedElsewhereError(RefundkitError):
        """Another worker (a client in this or another process) holds the claim, a lease, on this reference's attempt
        record until ``until_ms`` (Unix ms): nothing was sent. Do not raise a new reference: call ``resume`` on the
        record later (after ``until_ms``), or leave it to the worker that holds it."""

        reference: str
        until_ms: int

        def __init__(self, reference: str, until_ms: int) -> None: ...

    class TransportNotSentError(TransportFailure):
        """Raise from :meth:`HttpTransport.send` only when the request provably never left (connection refused,
        DNS failure): refundkit may then send it again with the same id."""

        reason: str

        def __init__(self, reason: str) -> None: ...

    class TransportMaybeProcessedError(TransportFailure):
        """Raise from :meth:`HttpTransport.send` when the request may have reached the provider (timeout after
        sending, reset, cut-off answer). Any other exception from a transport counts as this one."""

        reason: str

        def __init__(self, reason: str) -> None: ...

    class PaytmWebhookUnreadableError(PaytmWebhookError):
        """Not a readable Paytm notification (not UTF-8, no envelope with a ``body`` object, bad form body...)."""

        def __init__(self) -> None: ...

    class PaytmWebhookSignatureMissingError(PaytmWebhookError):
        """The webhook carries no signature (``head.signature`` / ``CHECKSUMHASH``)."""

        def __init__(self) -> None: ...

    class PaytmWebhookSignatureInvalidError(PaytmWebhookError):
        """The signature does not verify with the merchant key: tampered, re-serialized or signed with another key."""

        def __init__(self) -> None: ...

    class PaytmWebhookMidMismatchError(PaytmWebhookError):
        """Correctly signed, but for another merchant id."""

        def __init__(self) -> None: ...

    class PaytmWebhookMissingFieldError(PaytmWebhookError):
        """A required field is absent; ``field`` is its wire name."""

        field: str

        def __init__(self, field: str) -> None: ...

    class PaytmWebhookInvalidFieldError(PaytmWebhookError):
        """A field has an unusable value (e.g. an amount that is not exact money); ``field`` is its wire name."""

        field: str

        def __init__(self, field: str) -> None: ...

else:
    InvalidInputError = RefundkitError.InvalidInput
    ConfigurationError = RefundkitError.Configuration
    UnsupportedError = RefundkitError.Unsupported
    InternalError = RefundkitError.Internal
    SignerError = RefundkitError.Signer
    StoreError = RefundkitError.Store
    ClaimedElsewhereError = RefundkitError.ClaimedElsewhere
    TransportNotSentError = TransportFailure.NotSent
    TransportMaybeProcessedError = TransportFailure.MaybeProcessed
    PaytmWebhookUnreadableError = PaytmWebhookError.Unreadable
    PaytmWebhookSignatureMissingError = PaytmWebhookError.SignatureMissing
    PaytmWebhookSignatureInvalidError = PaytmWebhookError.SignatureInvalid
    PaytmWebhookMidMismatchError = PaytmWebhookError.MidMismatch
    PaytmWebhookMissingFieldError = PaytmWebhookError.MissingField
    PaytmWebhookInvalidFieldError = PaytmWebhookError.InvalidField


class PanicError(InternalError):
    """A Rust panic, or a broken contract between this Python module and the native library.

    uniffi reports these with its own ``InternalError`` class, which is unrelated to :class:`RefundkitError`;
    refundkit swaps in this subclass of :class:`InternalError` so that ``except refundkit.RefundkitError`` and
    ``except refundkit.InternalError`` catch them too. Always a bug: please report it.
    """

    def __init__(self, reason: str = "unknown panic") -> None:
        super().__init__(reason)

    def __repr__(self) -> str:
        return "PanicError({})".format(str(self))


# The generated module raises whatever its global ``InternalError`` names at raise time (panics, invalid handles).
setattr(_generated, "InternalError", PanicError)
setattr(_native, "InternalError", PanicError)

# ---------------------------------------------------------------------------------------------------------------
# Records: the generated classes define __str__ but not __repr__, so lists of them (and pytest diffs) print as
# "<... object at 0x...>". Use __str__ for both. Records never hold the access key.

_RECORDS = (
    EkoOptions,
    EkoPendingRefund,
    EkoPendingRefunds,
    FieldError,
    Header,
    HttpRequest,
    HttpResponse,
    OtpDispatch,
    Outcome,
    ProviderCode,
    ProviderRaw,
    RefundDetails,
    PaytmOptions,
    PaytmAcceptRefundEvent,
    PaytmSuccessRefundEvent,
    PaytmRefundDestination,
    PaytmRefundArnEvent,
    Upi360Options,
    Upi360RefundRequest,
    Upi360StatusRequest,
    PaytmRefundApply,
    RefundReport,
    RetryPolicy,
    SignatureInput,
    SandboxEkoTransaction,
    SandboxLedgerEntry,
    SandboxPaytmOrder,
    SandboxUpiTransaction,
)
_cls: type
for _cls in _RECORDS:
    setattr(_cls, "__repr__", _cls.__str__)
# Enums with fields: each variant is a dataclass whose generated __repr__ drops the fields ("Upi360Signing.JWS()").
for _cls in (
    Upi360Signing.PSS,
    Upi360Signing.JWS,
    Upi360Signing.HMAC,
    PaytmPriorApply.UNKNOWN,
    PaytmPriorApply.ACCEPTED_AT,
):
    setattr(_cls, "__repr__", _cls.__str__)
del _cls


# SandboxCredentials is the one record that holds keys (test-only ones, but keep the habit: a printed record or a
# pytest diff never shows a key). Sandbox.credentials_text() prints them all on purpose.
_SANDBOX_SECRETS = ("eko_access_key", "paytm_merchant_key", "upi_merchant_private_key_pem")


def _sandbox_credentials_str(self: SandboxCredentials) -> str:
    shown = (
        "eko_developer_key",
        "eko_initiator_id",
        "eko_user_code",
        "paytm_mid",
        "upi_merchant_id",
        "upi_merchant_channel_id",
    )
    parts = ["{}={}".format(name, getattr(self, name)) for name in shown]
    parts += ["{}=...".format(name) for name in _SANDBOX_SECRETS + ("upi_psp_public_key_pem",)]
    return "SandboxCredentials({})".format(", ".join(parts))


setattr(SandboxCredentials, "__str__", _sandbox_credentials_str)
setattr(SandboxCredentials, "__repr__", _sandbox_credentials_str)


# PaytmWebhookError: the generated variants never pass a message to Exception, so str(e) is "" (or "field='x'").
# Give them the Rust messages (which never contain the key or echo the body).
_WEBHOOK_MESSAGES = {
    "Unreadable": lambda e: "the webhook body is not a readable Paytm notification",
    "SignatureMissing": lambda e: "the webhook carries no signature",
    "SignatureInvalid": lambda e: "the webhook signature does not verify",
    "MidMismatch": lambda e: "the webhook is for another mid",
    "MissingField": lambda e: "the webhook lacks {}".format(e.field),
    "InvalidField": lambda e: "the webhook's {} is invalid".format(e.field),
}
for _name, _message in _WEBHOOK_MESSAGES.items():
    _variant = getattr(PaytmWebhookError, _name)
    setattr(_variant, "__str__", lambda self, _m=_message: _m(self))
    setattr(_variant, "__repr__", lambda self, _n=_name: "PaytmWebhookError.{}({!r})".format(_n, str(self)))
del _name, _message, _variant, _WEBHOOK_MESSAGES

uniffi_set_event_loop.__doc__ = (
    "Forces the asyncio event loop refundkit runs Python async callbacks (transport, signer, store) on.\n\n"
    "Not needed with refundkit: the clients poll their futures, and call your async callbacks, on the loop that "
    "awaits them (yours under asyncio, the private loop of refundkit.blocking under the blocking API). Setting it "
    "makes every client use that one loop, so awaiting a client from another loop then fails. Only for code that "
    "drives refundkit futures from threads without a running loop."
)

# ---------------------------------------------------------------------------------------------------------------
# Logging: a LogSink forwarding to the standard ``logging`` module.

_TRACE = 5  # below logging.DEBUG; refundkit's TRACE lines arrive at this numeric level
_TO_LOGGING = {
    LogLevel.TRACE: _TRACE,
    LogLevel.DEBUG: _logging.DEBUG,
    LogLevel.INFO: _logging.INFO,
    LogLevel.WARN: _logging.WARNING,
    LogLevel.ERROR: _logging.ERROR,
}


class LoggingSink(LogSink):
    """A :class:`LogSink` that forwards refundkit's log lines to a :class:`logging.Logger`.

    Levels map to ``logging`` levels (``TRACE`` to 5, below ``DEBUG``). The Rust target (e.g.
    ``refundkit::client``) travels in the record's ``refundkit_target`` attribute. Lines never contain keys,
    signatures, OTPs, headers or bodies. The sink never raises: a failing handler cannot break a refund.
    Lines may arrive on refundkit's worker threads; ``logging`` is thread-safe.
    """

    def __init__(self, logger: Optional[_logging.Logger] = None) -> None:
        self.logger: _logging.Logger = logger if logger is not None else _logging.getLogger("refundkit")

    def log(self, level: LogLevel, target: str, message: str) -> None:
        try:
            self.logger.log(_TO_LOGGING.get(level, _logging.INFO), "%s", message, extra={"refundkit_target": target})
        except Exception:  # noqa: BLE001 - logging must never fail a refund
            pass


def logging_sink(logger: Optional[_logging.Logger] = None) -> LoggingSink:
    """A :class:`LogSink` forwarding to ``logger`` (default ``logging.getLogger("refundkit")``); install it with
    :func:`set_log_sink` or use :func:`install_logging`."""
    return LoggingSink(logger)


def install_logging(logger: Optional[_logging.Logger] = None, min_level: Optional[LogLevel] = None) -> LoggingSink:
    """Forwards refundkit's log lines to ``logger`` (default ``logging.getLogger("refundkit")``) from now on.

    ``min_level`` defaults to the logger's effective level at the time of the call (``DEBUG`` -> ``LogLevel.DEBUG``,
    ``WARNING`` -> ``LogLevel.WARN``...), so lines the logger would drop are not even produced. Replaces any earlier
    sink; undo with :func:`clear_log_sink`. Returns the installed sink.
    """
    sink = LoggingSink(logger)
    if min_level is None:
        effective = sink.logger.getEffectiveLevel()
        min_level = LogLevel.ERROR
        for lvl in (LogLevel.TRACE, LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR):
            if _TO_LOGGING[lvl] >= effective:
                min_level = lvl
                break
    set_log_sink(sink, min_level)
    return sink


# ---------------------------------------------------------------------------------------------------------------
# Transports


class _ThreadedTransport(HttpTransport):
    def __init__(self, send: Callable[[HttpRequest], HttpResponse]) -> None:
        self._send = send

    async def send(self, request: HttpRequest) -> HttpResponse:
        loop = _asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, self._send, request)
        except TransportFailure:
            raise
        except Exception as e:  # noqa: BLE001 - anything else may have reached the provider
            raise TransportMaybeProcessedError("{}: {}".format(type(e).__name__, e)) from e

    def __repr__(self) -> str:
        return "threaded_transport({!r})".format(self._send)


def threaded_transport(send: Callable[[HttpRequest], HttpResponse]) -> HttpTransport:
    """An :class:`HttpTransport` over a *blocking* function (e.g. one using ``requests``), run in the event loop's
    default thread pool so it never blocks the loop.

    ``send`` must send the request exactly as given and never retry or follow redirects. Raise
    :class:`TransportNotSentError` only when the request provably never left (e.g. ``requests.ConnectionError``
    from a refused connection); any other exception is reported as :class:`TransportMaybeProcessedError` (the
    refund may have happened: refundkit then inquires instead of re-sending).
    """
    return _ThreadedTransport(send)


__all__: List[str] = [
    # model
    "Clock",
    "EkoClient",
    "EkoClientRefStyle",
    "EkoFlavour",
    "EkoOptions",
    "EkoOtpEncoding",
    "EkoPendingRefund",
    "EkoPendingRefunds",
    "FieldError",
    "Header",
    "HttpMethod",
    "HttpRequest",
    "HttpResponse",
    "NextStep",
    "OtpDispatch",
    "Outcome",
    "ProviderCode",
    "ProviderRaw",
    "RefundDetails",
    "RefundReason",
    "RefundStatus",
    # Paytm
    "PaytmAcceptRefundEvent",
    "PaytmClient",
    "PaytmEnvironment",
    "PaytmFlavour",
    "PaytmOptions",
    "PaytmPriorApply",
    "PaytmRefundArnEvent",
    "PaytmRefundDestination",
    "PaytmSuccessRefundEvent",
    "RandomSource",
    "fixed_random",
    "paytm_checksum",
    "paytm_checksum_params",
    "paytm_params_string",
    "paytm_random_salt",
    "paytm_verify",
    "paytm_verify_params",
    # UPI Refund 360
    "Upi360CanonicalForm",
    "Upi360Client",
    "Upi360Options",
    "Upi360RefundIdCharset",
    "Upi360RefundRequest",
    "Upi360RefundType",
    "Upi360RemarksRule",
    "Upi360RoutingId",
    "Upi360SignatureEncoding",
    "Upi360Signing",
    "Upi360StatusRequest",
    "upi360_status_request_for",
    "upi_header_signature",
    "upi_hmac_sha256",
    "upi_jws",
    "upi_refund_type_from_wire",
    "upi_signature_input",
    "upi_verify_callback_signature",
    "upi_verify_pss_signature",
    "upi_verify_response_signature",
    # functions
    "eko_interpret_initiate_refund",
    "eko_interpret_inquiry",
    "eko_interpret_pending_refunds",
    "eko_interpret_refund_otp",
    "eko_production_options",
    "eko_request_hash",
    "eko_secret_key",
    "eko_uat_options",
    "fixed_clock",
    "format_rupees",
    "parse_rupees",
    "refundkit_version",
    # refund clients (async; blocking wrappers in refundkit.blocking)
    "AttemptStore",
    "EkoRefunds",
    "HttpTransport",
    "LogLevel",
    "LogSink",
    "LoggingSink",
    "PaytmRefundApply",
    "PaytmRefunds",
    "RefundReport",
    "RequestSigner",
    "RetryPolicy",
    "SignatureAlgorithm",
    "SignatureInput",
    "TransportFailure",
    "Upi360Refunds",
    "builtin_transport",
    "clear_log_sink",
    "directory_attempt_store",
    "install_logging",
    "logging_sink",
    "BulkProgress",
    "BulkResult",
    "PaytmStatusQuery",
    "memory_attempt_store",
    "purge_refunded_attempts",
    "postgres_attempt_store",
    "sqlite_attempt_store",
    "set_log_sink",
    "sign_with_key",
    "threaded_transport",
    "uniffi_set_event_loop",
    "verify_paytm_with_key",
    # the embedded provider sandbox (for test suites)
    "Sandbox",
    "SandboxCredentials",
    "SandboxEkoTransaction",
    "SandboxLedgerEntry",
    "SandboxPaytmOrder",
    "SandboxUpiTransaction",
    # errors
    "RefundkitError",
    "SignerError",
    "StoreError",
    "ClaimedElsewhereError",
    "TransportNotSentError",
    "TransportMaybeProcessedError",
    "InvalidInputError",
    "ConfigurationError",
    "UnsupportedError",
    "InternalError",
    "PanicError",
    "PaytmWebhookError",
    "PaytmWebhookUnreadableError",
    "PaytmWebhookSignatureMissingError",
    "PaytmWebhookSignatureInvalidError",
    "PaytmWebhookMidMismatchError",
    "PaytmWebhookMissingFieldError",
    "PaytmWebhookInvalidFieldError",
]
