"""refundkit: refunds through Indian payment APIs (today: Eko), without doing any I/O itself.

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
    ProviderCode,
    ProviderRaw,
    RefundDetails,
    RefundkitError,
    RefundReason,
    RefundStatus,
    eko_interpret_initiate_refund,
    eko_interpret_inquiry,
    eko_interpret_pending_refunds,
    eko_interpret_refund_otp,
    eko_production_options,
    eko_request_hash,
    eko_secret_key,
    eko_uat_options,
    fixed_clock,
    format_rupees,
    parse_rupees,
    refundkit_version,
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

else:
    InvalidInputError = RefundkitError.InvalidInput
    ConfigurationError = RefundkitError.Configuration
    UnsupportedError = RefundkitError.Unsupported
    InternalError = RefundkitError.Internal


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
)
for _cls in _RECORDS:
    setattr(_cls, "__repr__", _cls.__str__)
del _cls

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
]
