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

# Nothing heavy is imported here: ``import refundkit`` loads neither the native library, nor its generated module, nor
# ``asyncio`` (which the generated module imports), nor the sandbox. Every public name below is loaded on first use by
# the module ``__getattr__`` (PEP 562) from ``refundkit._api``, which imports the generated module once and adapts it;
# ``refundkit.blocking`` is imported on first use too. Type checkers read the ``TYPE_CHECKING`` imports instead.

# Not `from typing import TYPE_CHECKING`: typing itself costs an import. Type checkers treat this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, List

    from . import blocking as blocking
    from ._api import (
        ClaimedElsewhereError as ClaimedElsewhereError,
        ConfigurationError as ConfigurationError,
        eko_secret_key as eko_secret_key,
        install_logging as install_logging,
        InternalError as InternalError,
        InvalidInputError as InvalidInputError,
        logging_sink as logging_sink,
        LoggingSink as LoggingSink,
        PanicError as PanicError,
        paytm_checksum as paytm_checksum,
        paytm_verify as paytm_verify,
        PaytmWebhookInvalidFieldError as PaytmWebhookInvalidFieldError,
        PaytmWebhookMidMismatchError as PaytmWebhookMidMismatchError,
        PaytmWebhookMissingFieldError as PaytmWebhookMissingFieldError,
        PaytmWebhookSignatureInvalidError as PaytmWebhookSignatureInvalidError,
        PaytmWebhookSignatureMissingError as PaytmWebhookSignatureMissingError,
        PaytmWebhookUnreadableError as PaytmWebhookUnreadableError,
        SignerError as SignerError,
        StoreError as StoreError,
        threaded_transport as threaded_transport,
        TransportMaybeProcessedError as TransportMaybeProcessedError,
        TransportNotSentError as TransportNotSentError,
        UnsupportedError as UnsupportedError,
    )
    from ._native.refundkit import (
        AttemptStore as AttemptStore,
        builtin_transport as builtin_transport,
        BulkProgress as BulkProgress,
        BulkResult as BulkResult,
        clear_log_sink as clear_log_sink,
        Clock as Clock,
        directory_attempt_store as directory_attempt_store,
        eko_interpret_initiate_refund as eko_interpret_initiate_refund,
        eko_interpret_inquiry as eko_interpret_inquiry,
        eko_interpret_pending_refunds as eko_interpret_pending_refunds,
        eko_interpret_refund_otp as eko_interpret_refund_otp,
        eko_production_options as eko_production_options,
        eko_request_hash as eko_request_hash,
        eko_uat_options as eko_uat_options,
        EkoClient as EkoClient,
        EkoClientRefStyle as EkoClientRefStyle,
        EkoFlavour as EkoFlavour,
        EkoOptions as EkoOptions,
        EkoOtpEncoding as EkoOtpEncoding,
        EkoPendingRefund as EkoPendingRefund,
        EkoPendingRefunds as EkoPendingRefunds,
        EkoRefunds as EkoRefunds,
        FieldError as FieldError,
        fixed_clock as fixed_clock,
        fixed_random as fixed_random,
        format_rupees as format_rupees,
        Header as Header,
        HttpMethod as HttpMethod,
        HttpRequest as HttpRequest,
        HttpResponse as HttpResponse,
        HttpTransport as HttpTransport,
        LogLevel as LogLevel,
        LogSink as LogSink,
        memory_attempt_store as memory_attempt_store,
        NextStep as NextStep,
        OtpDispatch as OtpDispatch,
        Outcome as Outcome,
        parse_rupees as parse_rupees,
        paytm_checksum_params as paytm_checksum_params,
        paytm_params_string as paytm_params_string,
        paytm_random_salt as paytm_random_salt,
        paytm_verify_params as paytm_verify_params,
        PaytmAcceptRefundEvent as PaytmAcceptRefundEvent,
        PaytmClient as PaytmClient,
        PaytmEnvironment as PaytmEnvironment,
        PaytmFlavour as PaytmFlavour,
        PaytmOptions as PaytmOptions,
        PaytmPriorApply as PaytmPriorApply,
        PaytmRefundApply as PaytmRefundApply,
        PaytmRefundArnEvent as PaytmRefundArnEvent,
        PaytmRefundDestination as PaytmRefundDestination,
        PaytmRefunds as PaytmRefunds,
        PaytmStatusQuery as PaytmStatusQuery,
        PaytmSuccessRefundEvent as PaytmSuccessRefundEvent,
        PaytmWebhookError as PaytmWebhookError,
        postgres_attempt_store as postgres_attempt_store,
        ProviderCode as ProviderCode,
        ProviderRaw as ProviderRaw,
        purge_refunded_attempts as purge_refunded_attempts,
        RandomSource as RandomSource,
        RefundDetails as RefundDetails,
        refundkit_version as refundkit_version,
        RefundkitError as RefundkitError,
        RefundReason as RefundReason,
        RefundReport as RefundReport,
        RefundStatus as RefundStatus,
        RequestSigner as RequestSigner,
        RetryPolicy as RetryPolicy,
        Sandbox as Sandbox,
        SandboxCredentials as SandboxCredentials,
        SandboxEkoTransaction as SandboxEkoTransaction,
        SandboxLedgerEntry as SandboxLedgerEntry,
        SandboxPaytmOrder as SandboxPaytmOrder,
        SandboxUpiTransaction as SandboxUpiTransaction,
        set_log_sink as set_log_sink,
        sign_with_key as sign_with_key,
        SignatureAlgorithm as SignatureAlgorithm,
        SignatureInput as SignatureInput,
        sqlite_attempt_store as sqlite_attempt_store,
        TransportFailure as TransportFailure,
        uniffi_set_event_loop as uniffi_set_event_loop,
        upi360_status_request_for as upi360_status_request_for,
        Upi360CanonicalForm as Upi360CanonicalForm,
        Upi360Client as Upi360Client,
        Upi360Options as Upi360Options,
        Upi360RefundIdCharset as Upi360RefundIdCharset,
        Upi360RefundRequest as Upi360RefundRequest,
        Upi360Refunds as Upi360Refunds,
        Upi360RefundType as Upi360RefundType,
        Upi360RemarksRule as Upi360RemarksRule,
        Upi360RoutingId as Upi360RoutingId,
        Upi360SignatureEncoding as Upi360SignatureEncoding,
        Upi360Signing as Upi360Signing,
        Upi360StatusRequest as Upi360StatusRequest,
        upi_header_signature as upi_header_signature,
        upi_hmac_sha256 as upi_hmac_sha256,
        upi_jws as upi_jws,
        upi_refund_type_from_wire as upi_refund_type_from_wire,
        upi_signature_input as upi_signature_input,
        upi_verify_callback_signature as upi_verify_callback_signature,
        upi_verify_pss_signature as upi_verify_pss_signature,
        upi_verify_response_signature as upi_verify_response_signature,
        verify_paytm_with_key as verify_paytm_with_key,
    )

    __version__: str

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

# Every name resolved lazily from refundkit._api (all of __all__, plus __version__).
_LAZY = frozenset(__all__) | {"__version__"}
# Submodules resolved lazily (``refundkit.blocking`` without ``import refundkit.blocking``).
_SUBMODULES = frozenset({"blocking"})


def _load() -> None:
    """Imports ``refundkit._api`` (the generated module, ``asyncio``, the native library) and binds every public name
    in this module, so later lookups are plain module attributes (no ``__getattr__`` call per use)."""
    from . import _api

    namespace = globals()
    for name in _LAZY:
        namespace[name] = getattr(_api, name)


if not TYPE_CHECKING:
    # Hidden from type checkers: a module ``__getattr__`` would make every unknown name (a typo) type as ``Any``.

    def __getattr__(name: str) -> Any:
        """PEP 562: loads a public name on first use (see the comment at the top of this module)."""
        if name in _LAZY:
            _load()
            return globals()[name]
        if name in _SUBMODULES:
            import importlib

            return importlib.import_module("." + name, __name__)
        raise AttributeError("module {!r} has no attribute {!r}".format(__name__, name))


def __dir__() -> List[str]:
    """The module's attributes, the lazily loaded ones included."""
    return sorted(set(globals()) | _LAZY | _SUBMODULES)
