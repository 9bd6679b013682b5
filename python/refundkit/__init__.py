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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List

from . import _native
from ._native import refundkit as _generated
from ._native.refundkit import (
    Clock,
    EkoClient,
    EkoClientRefStyle,
    EkoFlavour,
    EkoOptions,
    EkoOtpEncoding,
    EkoPendingRefund,
    EkoPendingRefunds,
    FieldError,
    Header,
    HttpMethod,
    HttpRequest,
    HttpResponse,
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
    PaytmRefundDestination,
    PaytmSuccessRefundEvent,
    PaytmWebhookError,
    ProviderCode,
    ProviderRaw,
    RandomSource,
    RefundDetails,
    RefundkitError,
    RefundReason,
    RefundStatus,
    Upi360CanonicalForm,
    Upi360Client,
    Upi360Options,
    Upi360RefundIdCharset,
    Upi360RefundRequest,
    Upi360RefundType,
    Upi360RemarksRule,
    Upi360RoutingId,
    Upi360SignatureEncoding,
    Upi360Signing,
    Upi360StatusRequest,
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
    parse_rupees,
    paytm_checksum,
    paytm_checksum_params,
    paytm_params_string,
    paytm_random_salt,
    paytm_verify,
    paytm_verify_params,
    refundkit_version,
    upi360_status_request_for,
    upi_header_signature,
    upi_hmac_sha256,
    upi_jws,
    upi_refund_type_from_wire,
    upi_signature_input,
    upi_verify_callback_signature,
    upi_verify_pss_signature,
    upi_verify_response_signature,
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
)
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
    # errors
    "RefundkitError",
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
