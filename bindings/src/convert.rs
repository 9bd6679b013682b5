//! uniffi mirrors of the core's value types, and their conversions. Money crosses as `i64` paise.

use refundkit::eko as core_eko;

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

/// One HTTP header.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Header {
    /// Name, exactly as sent.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A request to send exactly as built: the body bytes are the signed bytes.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpRequest {
    /// Method.
    pub method: HttpMethod,
    /// Absolute URL with its query string.
    pub url: String,
    /// Headers in order.
    pub headers: Vec<Header>,
    /// Body bytes (empty for GET).
    pub body: Vec<u8>,
}

/// A response as received.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpResponse {
    /// HTTP status code (a status outside 0..=65535 is read as 0, which interprets as "unknown").
    pub status: i32,
    /// Headers in order.
    #[uniffi(default = [])]
    pub headers: Vec<Header>,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// Where a refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RefundStatus {
    /// The refund is done.
    Succeeded,
    /// Final: this request moved no money.
    Failed,
    /// Not finished: poll later, or collect the customer's OTP.
    Pending,
    /// Unknown: inquire before anything else; never re-send a money-moving request.
    Indeterminate,
}

/// Why the outcome is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RefundReason {
    /// The refund was made (or an inquiry shows it was).
    Refunded,
    /// The refund OTP was sent to the customer.
    OtpSent,
    /// The OTP the customer gave is wrong.
    OtpInvalid,
    /// The OTP has expired: request a new one.
    OtpExpired,
    /// The transaction was refunded already.
    AlreadyRefunded,
    /// The transaction is not in a refundable state.
    NotRefundable,
    /// An inquiry shows the refund has not happened yet.
    NotRefunded,
    /// The partner's wallet balance is insufficient.
    InsufficientBalance,
    /// Another transaction of the same user is in progress; nothing was executed.
    AnotherTransactionInProgress,
    /// The provider does not know the transaction id.
    TransactionNotFound,
    /// The provider rejected request fields (see `field_errors`).
    Validation,
    /// Authentication failed or the request's timestamp was refused (clock skew); nothing was executed.
    AuthOrClock,
    /// Wrong URL, method, content type or account: a configuration problem; nothing was executed.
    Configuration,
    /// The provider declined with a documented code.
    Declined,
    /// The provider reports the transaction as initiated, on hold or awaiting a response.
    InProgress,
    /// HTTP 429: rate limited.
    RateLimited,
    /// HTTP 5xx or another status that says nothing about the refund.
    ServerError,
    /// The response body could not be understood.
    UnreadableResponse,
    /// A code refundkit does not know. Never treated as a failure.
    UnknownCode,
    /// The provider answered "success" without saying the refund is done.
    Unconfirmed,
    /// UPI DEEMED: the refund is neither final nor failed; re-query with the same request id, never create a new refund.
    Deemed,
    /// A response whose signature is missing or wrong: not believed; inquire.
    UntrustedResponse,
    /// A signature did not verify (Paytm 330: wrong merchant key, or the body changed after signing).
    SignatureInvalid,
    /// The provider already has a request under this reference: query its status, never raise it anew.
    DuplicateRequest,
    /// No (complete) answer arrived although the request may have been processed (timeout, reset, lost answer).
    NoResponse,
    /// The request provably never left the device (connection refused, DNS): safe to send again.
    NotSent,
    /// The provider refused the timestamp and the measured clock offset is large: the device clock is wrong.
    ClockSkew,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NextStep {
    /// Nothing: the outcome is final.
    Nothing,
    /// Ask the customer for the OTP, then initiate the refund with it.
    CollectOtp,
    /// The SMS may not have gone out: collect the OTP if the customer has one, else resend after at least 60 s.
    CollectOtpOrResendLater,
    /// The OTP was wrong: ask the customer to enter it again.
    ReenterOtp,
    /// Request a new OTP, then initiate the refund with it.
    RequestNewOtp,
    /// Outcome unknown: inquire before anything else; never re-send the money-moving request.
    Inquire,
    /// The provider is still processing: ask for the status again later.
    PollLater,
    /// Nothing was executed: the same request may be made again later, freshly signed.
    RetryLater,
    /// Credentials, URL, clock or another setting is wrong.
    FixConfiguration,
    /// The request's fields were rejected: fix the input.
    FixInput,
    /// Send the same request again with the same reference (the provider rejects a duplicate, so it cannot double).
    ResendSameReference,
}

/// A refund OTP dispatch.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OtpDispatch {
    /// Send this with the OTP when initiating the refund; store verbatim.
    pub otp_ref_id: Option<String>,
    /// `true`: the provider answered success without a reference; the SMS may not have gone out.
    pub dispatch_unconfirmed: bool,
    /// The OTP itself when a test environment (Eko UAT) returns it inline.
    pub test_otp: Option<String>,
}

/// What the provider reported about the refund. Amounts in paise; an amount that was not exact money is absent and
/// named in `Outcome.warnings`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefundDetails {
    /// The provider's id of the refund (Eko `refund_tid`).
    pub refund_id: Option<String>,
    /// The original transaction's id (Eko `tid`).
    pub original_id: Option<String>,
    /// The original transaction's amount.
    pub original_amount_paise: Option<i64>,
    /// The total refunded.
    pub refunded_amount_paise: Option<i64>,
    /// Fee reversed.
    pub fee_paise: Option<i64>,
    /// TDS reversed.
    pub tds_paise: Option<i64>,
    /// Commission reversed.
    pub commission_reverse_paise: Option<i64>,
    /// Wallet balance after the refund.
    pub balance_paise: Option<i64>,
    /// Currency code (`INR`).
    pub currency: Option<String>,
    /// When the refund was made, as the provider wrote it.
    pub completed_at: Option<String>,
    /// The provider's transaction status code (Eko `tx_status`).
    pub provider_status: Option<String>,
    /// The provider's description of that status.
    pub provider_status_text: Option<String>,
}

/// A field the provider rejected.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FieldError {
    /// The provider's name for the field.
    pub field: String,
    /// The provider's message (template tokens removed).
    pub problem: String,
}

/// One raw provider code.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProviderCode {
    /// The response field it came from.
    pub name: String,
    /// Its value as text.
    pub value: String,
}

/// The provider's raw answer, for support and logs.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProviderRaw {
    /// `eko`.
    pub provider: String,
    /// HTTP status.
    pub http_status: i32,
    /// Raw codes in a fixed order.
    pub codes: Vec<ProviderCode>,
    /// The message with template tokens removed.
    pub message: Option<String>,
    /// The message as received.
    pub raw_message: Option<String>,
}

/// The interpretation of one provider response: status, reason, next step, and the raw answer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Outcome {
    /// Where the refund stands.
    pub status: RefundStatus,
    /// Why.
    pub reason: RefundReason,
    /// What to do next.
    pub next_step: NextStep,
    /// OTP dispatch details.
    pub otp: Option<OtpDispatch>,
    /// Refund details.
    pub refund: Option<RefundDetails>,
    /// Fields the provider rejected.
    pub field_errors: Vec<FieldError>,
    /// The raw answer.
    pub raw: ProviderRaw,
    /// What refundkit noticed but could not use.
    pub warnings: Vec<String>,
}

/// Which Eko API generation to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EkoFlavour {
    /// v3 JSON (default).
    V3Json,
    /// Legacy v1/v2 form-encoded.
    LegacyForm,
}

/// How the OTP is written in v3 bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EkoOtpEncoding {
    /// A JSON number (default; OTPs with a leading zero are rejected, not altered).
    Number,
    /// A JSON string.
    String,
}

/// How inquiries by `client_ref_id` are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EkoClientRefStyle {
    /// `.../transaction/client_ref_id:<ref>` (default).
    Prefixed,
    /// `.../transaction/<ref>`.
    Bare,
}

/// Eko settings other than the keys (which are passed to `EkoClient` separately, so records never hold secrets).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EkoOptions {
    /// Base URL including the version, e.g. `https://staging.eko.in/ekoapi/v3`.
    pub base_url: String,
    /// The partner's registered mobile number.
    pub initiator_id: String,
    /// The retailer/agent code.
    pub user_code: String,
    /// API flavour (`None`: v3 JSON).
    #[uniffi(default = None)]
    pub flavour: Option<EkoFlavour>,
    /// Also send `user_code` with Get Refund OTP.
    #[uniffi(default = false)]
    pub send_user_code_with_otp_request: bool,
    /// Initiate Refund's `service_code` (80 = PayPoint).
    #[uniffi(default = 80)]
    pub service_code: i32,
    /// OTP encoding in v3 bodies (`None`: a JSON number).
    #[uniffi(default = None)]
    pub otp_encoding: Option<EkoOtpEncoding>,
    /// Inquiry-by-reference style (`None`: prefixed).
    #[uniffi(default = None)]
    pub client_ref_style: Option<EkoClientRefStyle>,
}

/// One transaction waiting for a refund.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EkoPendingRefund {
    /// Eko's transaction id.
    pub tid: String,
    /// Amount in paise, when exact.
    pub amount_paise: Option<i64>,
    /// When it was made.
    pub timestamp: Option<String>,
    /// Eko's `tx_status`.
    pub tx_status: Option<String>,
}

/// The answer to Get Pending Refunds: `listed` is false when there is no list, and `outcome` says why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EkoPendingRefunds {
    /// Whether Eko returned a list.
    pub listed: bool,
    /// The transactions.
    pub transactions: Vec<EkoPendingRefund>,
    /// The envelope's interpretation.
    pub outcome: Outcome,
}

// ---------------------------------------------------------------------------------------------------------------
// Conversions

impl From<refundkit::Header> for Header {
    fn from(h: refundkit::Header) -> Self {
        Header { name: h.name, value: h.value }
    }
}

impl From<Header> for refundkit::Header {
    fn from(h: Header) -> Self {
        refundkit::Header { name: h.name, value: h.value }
    }
}

impl From<refundkit::HttpRequest> for HttpRequest {
    fn from(r: refundkit::HttpRequest) -> Self {
        HttpRequest {
            method: match r.method {
                refundkit::HttpMethod::Get => HttpMethod::Get,
                refundkit::HttpMethod::Post => HttpMethod::Post,
            },
            url: r.url,
            headers: r.headers.into_iter().map(Into::into).collect(),
            body: r.body,
        }
    }
}

impl From<HttpResponse> for refundkit::HttpResponse {
    fn from(r: HttpResponse) -> Self {
        refundkit::HttpResponse {
            status: u16::try_from(r.status).unwrap_or(0),
            headers: r.headers.into_iter().map(Into::into).collect(),
            body: r.body,
        }
    }
}

impl From<HttpRequest> for refundkit::HttpRequest {
    fn from(r: HttpRequest) -> Self {
        refundkit::HttpRequest {
            method: match r.method {
                HttpMethod::Get => refundkit::HttpMethod::Get,
                HttpMethod::Post => refundkit::HttpMethod::Post,
            },
            url: r.url,
            headers: r.headers.into_iter().map(Into::into).collect(),
            body: r.body,
        }
    }
}

impl From<refundkit::HttpResponse> for HttpResponse {
    fn from(r: refundkit::HttpResponse) -> Self {
        HttpResponse {
            status: i32::from(r.status),
            headers: r.headers.into_iter().map(Into::into).collect(),
            body: r.body,
        }
    }
}

fn paise(m: Option<refundkit::Money>) -> Option<i64> {
    m.map(refundkit::Money::paise)
}

impl From<refundkit::Status> for RefundStatus {
    fn from(s: refundkit::Status) -> Self {
        match s {
            refundkit::Status::Succeeded => RefundStatus::Succeeded,
            refundkit::Status::Failed => RefundStatus::Failed,
            refundkit::Status::Pending => RefundStatus::Pending,
            refundkit::Status::Indeterminate => RefundStatus::Indeterminate,
        }
    }
}

impl From<refundkit::Reason> for RefundReason {
    fn from(r: refundkit::Reason) -> Self {
        use refundkit::Reason as R;
        match r {
            R::Refunded => RefundReason::Refunded,
            R::OtpSent => RefundReason::OtpSent,
            R::OtpInvalid => RefundReason::OtpInvalid,
            R::OtpExpired => RefundReason::OtpExpired,
            R::AlreadyRefunded => RefundReason::AlreadyRefunded,
            R::NotRefundable => RefundReason::NotRefundable,
            R::NotRefunded => RefundReason::NotRefunded,
            R::InsufficientBalance => RefundReason::InsufficientBalance,
            R::AnotherTransactionInProgress => RefundReason::AnotherTransactionInProgress,
            R::TransactionNotFound => RefundReason::TransactionNotFound,
            R::Validation => RefundReason::Validation,
            R::AuthOrClock => RefundReason::AuthOrClock,
            R::Configuration => RefundReason::Configuration,
            R::Declined => RefundReason::Declined,
            R::InProgress => RefundReason::InProgress,
            R::RateLimited => RefundReason::RateLimited,
            R::ServerError => RefundReason::ServerError,
            R::UnreadableResponse => RefundReason::UnreadableResponse,
            R::Unconfirmed => RefundReason::Unconfirmed,
            R::Deemed => RefundReason::Deemed,
            R::UntrustedResponse => RefundReason::UntrustedResponse,
            R::SignatureInvalid => RefundReason::SignatureInvalid,
            R::DuplicateRequest => RefundReason::DuplicateRequest,
            R::NoResponse => RefundReason::NoResponse,
            R::NotSent => RefundReason::NotSent,
            R::ClockSkew => RefundReason::ClockSkew,
            // A reason added to the core before this mirror learns it still reaches the caller as "unknown".
            _ => RefundReason::UnknownCode,
        }
    }
}

impl From<refundkit::NextStep> for NextStep {
    fn from(n: refundkit::NextStep) -> Self {
        use refundkit::NextStep as N;
        match n {
            N::Nothing => NextStep::Nothing,
            N::CollectOtp => NextStep::CollectOtp,
            N::CollectOtpOrResendLater => NextStep::CollectOtpOrResendLater,
            N::ReenterOtp => NextStep::ReenterOtp,
            N::RequestNewOtp => NextStep::RequestNewOtp,
            N::Inquire => NextStep::Inquire,
            N::PollLater => NextStep::PollLater,
            N::RetryLater => NextStep::RetryLater,
            N::FixConfiguration => NextStep::FixConfiguration,
            N::FixInput => NextStep::FixInput,
            N::ResendSameReference => NextStep::ResendSameReference,
            // Unknown future steps are the cautious one.
            _ => NextStep::Inquire,
        }
    }
}

impl From<refundkit::Outcome> for Outcome {
    fn from(o: refundkit::Outcome) -> Self {
        Outcome {
            status: o.status.into(),
            reason: o.reason.into(),
            next_step: o.next_step.into(),
            otp: o.otp.map(|d| OtpDispatch {
                otp_ref_id: d.otp_ref_id,
                dispatch_unconfirmed: d.dispatch_unconfirmed,
                test_otp: d.test_otp,
            }),
            refund: o.refund.map(|r| RefundDetails {
                refund_id: r.refund_id,
                original_id: r.original_id,
                original_amount_paise: paise(r.original_amount),
                refunded_amount_paise: paise(r.refunded_amount),
                fee_paise: paise(r.fee),
                tds_paise: paise(r.tds),
                commission_reverse_paise: paise(r.commission_reverse),
                balance_paise: paise(r.balance),
                currency: r.currency,
                completed_at: r.completed_at,
                provider_status: r.provider_status,
                provider_status_text: r.provider_status_text,
            }),
            field_errors: o
                .field_errors
                .into_iter()
                .map(|e| FieldError { field: e.field, problem: e.problem })
                .collect(),
            raw: ProviderRaw {
                provider: o.raw.provider.as_str().to_string(),
                http_status: i32::from(o.raw.http_status),
                codes: o.raw.codes.into_iter().map(|c| ProviderCode { name: c.name, value: c.value }).collect(),
                message: o.raw.message,
                raw_message: o.raw.raw_message,
            },
            warnings: o.warnings,
        }
    }
}

impl From<core_eko::PendingRefund> for EkoPendingRefund {
    fn from(p: core_eko::PendingRefund) -> Self {
        EkoPendingRefund { tid: p.tid, amount_paise: paise(p.amount), timestamp: p.timestamp, tx_status: p.tx_status }
    }
}

impl From<&core_eko::EkoConfig> for EkoOptions {
    fn from(c: &core_eko::EkoConfig) -> Self {
        EkoOptions {
            base_url: c.base_url.clone(),
            initiator_id: c.initiator_id.clone(),
            user_code: c.user_code.clone(),
            flavour: Some(match c.flavour {
                core_eko::ApiFlavour::V3Json => EkoFlavour::V3Json,
                core_eko::ApiFlavour::LegacyForm => EkoFlavour::LegacyForm,
            }),
            send_user_code_with_otp_request: c.send_user_code_with_otp_request,
            service_code: i32::try_from(c.service_code).unwrap_or(i32::MAX),
            otp_encoding: Some(match c.otp_encoding {
                core_eko::OtpEncoding::Number => EkoOtpEncoding::Number,
                core_eko::OtpEncoding::String => EkoOtpEncoding::String,
            }),
            client_ref_style: Some(match c.client_ref_style {
                core_eko::ClientRefStyle::Prefixed => EkoClientRefStyle::Prefixed,
                core_eko::ClientRefStyle::Bare => EkoClientRefStyle::Bare,
            }),
        }
    }
}

impl EkoOptions {
    pub(crate) fn into_config(self, developer_key: String, access_key: String) -> core_eko::EkoConfig {
        let mut c =
            core_eko::EkoConfig::new(self.base_url, developer_key, access_key, self.initiator_id, self.user_code);
        c.flavour = match self.flavour.unwrap_or(EkoFlavour::V3Json) {
            EkoFlavour::V3Json => core_eko::ApiFlavour::V3Json,
            EkoFlavour::LegacyForm => core_eko::ApiFlavour::LegacyForm,
        };
        c.send_user_code_with_otp_request = self.send_user_code_with_otp_request;
        // Negative values become 0, which the core rejects as Configuration { field: "service_code" }.
        c.service_code = u32::try_from(self.service_code).unwrap_or(0);
        c.otp_encoding = match self.otp_encoding.unwrap_or(EkoOtpEncoding::Number) {
            EkoOtpEncoding::Number => core_eko::OtpEncoding::Number,
            EkoOtpEncoding::String => core_eko::OtpEncoding::String,
        };
        c.client_ref_style = match self.client_ref_style.unwrap_or(EkoClientRefStyle::Prefixed) {
            EkoClientRefStyle::Prefixed => core_eko::ClientRefStyle::Prefixed,
            EkoClientRefStyle::Bare => core_eko::ClientRefStyle::Bare,
        };
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snake(debug: String) -> String {
        let mut out = String::new();
        for (i, c) in debug.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn every_core_reason_and_next_step_has_its_own_mirror() {
        for r in refundkit::Reason::ALL {
            assert_eq!(snake(format!("{:?}", RefundReason::from(*r))), r.as_str(), "{r:?}");
        }
        for n in refundkit::NextStep::ALL {
            assert_eq!(snake(format!("{:?}", NextStep::from(*n))), n.as_str(), "{n:?}");
        }
    }
}
