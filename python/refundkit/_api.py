"""The implementation behind :mod:`refundkit`: imports the generated native module (and with it ``asyncio``) and
adapts it (exception aliases, ``repr`` of records, logging, transports).

Loaded on first use of a name that needs it, by :func:`refundkit.__getattr__` (PEP 562), so ``import refundkit`` stays
cheap. Import names from :mod:`refundkit`, never from here: this module is private and may change.
"""


from __future__ import annotations

import asyncio as _asyncio
import logging as _logging
from typing import TYPE_CHECKING, Callable, Optional

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
    eko_uat_options,
    fixed_clock,
    fixed_random,
    format_rupees,
    memory_attempt_store,
    parse_rupees,
    purge_refunded_attempts,
    postgres_attempt_store,
    sqlite_attempt_store,
    paytm_checksum_params,
    paytm_params_string,
    paytm_random_salt,
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
# Signing helpers on the fast path. The generated functions lower every ``str`` argument into a Rust-allocated buffer
# (two or three FFI calls per argument); the ``*_utf8`` exports take ``&[u8]`` arguments that uniffi passes without a
# copy or an allocation. Arguments that are not ``str`` (or a ``salt``) go to the generated function, which raises the
# usual ``TypeError`` / refundkit errors.

_paytm_checksum_utf8 = _generated.paytm_checksum_utf8
_paytm_verify_utf8 = _generated.paytm_verify_utf8
_eko_secret_key_utf8 = _generated.eko_secret_key_utf8
_paytm_checksum_generated = _generated.paytm_checksum
_paytm_verify_generated = _generated.paytm_verify
_eko_secret_key_generated = _generated.eko_secret_key


def paytm_checksum(body: str, merchant_key: str, salt: Optional[str] = None) -> str:
    """The PaytmChecksum of ``body`` (for JSON APIs: the exact ``body`` text you send) under ``merchant_key``.

    ``salt`` (4 visible ASCII characters) makes it a known answer for tests; ``None`` draws it from the operating
    system's CSPRNG, as production code must. Raises :class:`ConfigurationError` on ``merchant_key`` unless the key is
    16, 24 or 32 bytes of UTF-8 (never padded or truncated), :class:`InvalidInputError` on ``salt`` for a bad salt.
    Errors never contain the key.
    """
    if salt is None and type(body) is str and type(merchant_key) is str:
        return _paytm_checksum_utf8(body.encode(), merchant_key.encode())
    return _paytm_checksum_generated(body, merchant_key, salt)


def paytm_verify(body: str, merchant_key: str, signature: str) -> bool:
    """Whether ``signature`` is a valid PaytmChecksum of ``body`` under ``merchant_key``.

    Total: a malformed signature, a wrong key and a key of an unusable length all answer ``False``; it never raises
    (except ``TypeError`` for arguments that are not ``str``).
    """
    if type(body) is str and type(merchant_key) is str and type(signature) is str:
        return _paytm_verify_utf8(body.encode(), merchant_key.encode(), signature.encode())
    return _paytm_verify_generated(body, merchant_key, signature)


def eko_secret_key(access_key: str, timestamp_ms: int) -> str:
    """Eko's ``secret-key`` header for a request signed at ``timestamp_ms`` (Unix milliseconds; negative values raise
    :class:`InvalidInputError`). Send it with ``secret-key-timestamp`` set to exactly ``str(timestamp_ms)``."""
    if type(access_key) is str:
        return _eko_secret_key_utf8(access_key.encode(), timestamp_ms)
    return _eko_secret_key_generated(access_key, timestamp_ms)

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
