//! Refund webhooks (spec §9): Accept Refund and Success Refund (JSON envelopes whose `head.signature` covers the
//! raw `body` text, spec §4) and the Refund ARN notification (a form post signed in the params-map form with
//! `CHECKSUMHASH`, spec §3.4).
//!
//! Every event is verified before it is parsed: an unsigned, tampered or foreign (other `mid`) notification is a
//! [`WebhookError`], never an event. Sources: developer.paytm.com/docs/accept-refund-webhook,
//! developer.paytm.com/docs/success-refund-webhook, paytmpayments.com/docs/refund-arn-notification.

use super::checksum;
use super::interpret::{open_envelope, Signature};
use crate::money::Money;
use crate::secret::{constant_time_eq, Secret};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Why a webhook was not accepted. Answer the sender with an error status and do not act on the notification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// Not the expected shape (not UTF-8, not a JSON envelope with a `body` object, a malformed form body,
    /// duplicate keys, non-string values in the map form).
    #[error("the webhook body is not a readable Paytm notification")]
    Unreadable,
    /// No signature (`head.signature` / `CHECKSUMHASH`).
    #[error("the webhook carries no signature")]
    SignatureMissing,
    /// The signature does not verify with the merchant key: tampered, or signed with another key.
    #[error("the webhook signature does not verify")]
    SignatureInvalid,
    /// Correctly signed, but for another merchant id.
    #[error("the webhook is for another mid")]
    MidMismatch,
    /// A required field is absent.
    #[error("the webhook lacks {0}")]
    MissingField(&'static str),
    /// A field has an unusable value (e.g. an amount that is not exact money).
    #[error("the webhook's {0} is invalid")]
    InvalidField(&'static str),
}

/// One destination of a refund (`refundDetailInfoList[]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefundDestination {
    /// `refundType`, e.g. `TO_SOURCE`.
    pub refund_type: Option<String>,
    /// `payMethod`, e.g. `UPI`, `CREDIT_CARD`.
    pub pay_method: Option<String>,
    /// `refundAmount` for this destination.
    pub refund_amount: Option<Money>,
    /// `rrn`, when the bank gave one.
    pub rrn: Option<String>,
    /// `userCreditExpectedDate`.
    pub user_credit_expected_date: Option<String>,
    /// `issuingBankName`.
    pub issuing_bank_name: Option<String>,
}

/// Accept Refund: the refund amount was deducted from the merchant's settlement (`status` `SUCCESS`) or not
/// (`FAILED`, e.g. `rejectRefundReasonCode` `"1"`: insufficient payable balance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptRefundEvent {
    /// `mid` (equal to the configured one).
    pub mid: String,
    /// `orderId`.
    pub order_id: String,
    /// `refId`.
    pub ref_id: Option<String>,
    /// `refundId`.
    pub refund_id: Option<String>,
    /// `txnId`.
    pub txn_id: Option<String>,
    /// `refundAmount`.
    pub refund_amount: Option<Money>,
    /// `status` (or `acceptRefundStatus`) as sent.
    pub status: String,
    /// Whether `status` is `SUCCESS`.
    pub accepted: bool,
    /// `rejectRefundReasonCode`, when rejected.
    pub reject_reason_code: Option<String>,
    /// `rejectRefundReasonMessage` (or `rejectRefundReason`), when given.
    pub reject_reason_message: Option<String>,
    /// `acceptRefundTimestamp`.
    pub accept_refund_timestamp: Option<String>,
}

/// Success Refund: the refund was submitted to the acquiring bank. It "does not mean that customer has realized the
/// refund"; credit can take days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccessRefundEvent {
    /// `mid` (equal to the configured one).
    pub mid: String,
    /// `orderId`.
    pub order_id: String,
    /// `refId`.
    pub ref_id: String,
    /// `refundId`.
    pub refund_id: Option<String>,
    /// `txnId`.
    pub txn_id: Option<String>,
    /// `txnAmount`: the original payment.
    pub txn_amount: Option<Money>,
    /// `refundAmount`: this refund.
    pub refund_amount: Option<Money>,
    /// `totalRefundAmount` (or `totalrefundAmount`): all refunds on the order so far.
    pub total_refund_amount: Option<Money>,
    /// `status`, when sent.
    pub status: Option<String>,
    /// `source`.
    pub source: Option<String>,
    /// `txnTimestamp`.
    pub txn_timestamp: Option<String>,
    /// `acceptRefundTimestamp`.
    pub accept_refund_timestamp: Option<String>,
    /// `merchantRefundRequestTimestamp`.
    pub merchant_refund_request_timestamp: Option<String>,
    /// `userCreditInitiateTimestamp`.
    pub user_credit_initiate_timestamp: Option<String>,
    /// `refundDetailInfoList`.
    pub destinations: Vec<RefundDestination>,
}

/// Refund ARN notification: the bank's reference for the refund credit. Paytm's field names are matched ignoring
/// case and `_` (`ORDERID`, `orderId`, `ORDER_ID`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundArnEvent {
    /// `MID` (equal to the configured one).
    pub mid: String,
    /// `ORDERID`.
    pub order_id: String,
    /// `REFID`, when sent.
    pub ref_id: Option<String>,
    /// `REFUNDID`, when sent.
    pub refund_id: Option<String>,
    /// `ARN`, when sent.
    pub arn: Option<String>,
    /// Every field as received, `CHECKSUMHASH` excluded.
    pub params: BTreeMap<String, String>,
}

fn text(map: &Map<String, Value>, name: &str) -> Option<String> {
    match map.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn required(map: &Map<String, Value>, name: &'static str) -> Result<String, WebhookError> {
    text(map, name).ok_or(WebhookError::MissingField(name))
}

fn amount(map: &Map<String, Value>, name: &'static str) -> Result<Option<Money>, WebhookError> {
    text(map, name).map(|t| Money::parse_rupees(&t).map_err(|_| WebhookError::InvalidField(name))).transpose()
}

fn check_mid(got: &str, mid: &str) -> Result<(), WebhookError> {
    if constant_time_eq(got.as_bytes(), mid.as_bytes()) {
        Ok(())
    } else {
        Err(WebhookError::MidMismatch)
    }
}

/// A verified JSON envelope's `body`.
fn verified_body(raw: &[u8], merchant_key: &Secret, mid: &str) -> Result<Map<String, Value>, WebhookError> {
    // Strict JSON (crypto::json): a notification with duplicate keys, bad escapes or deep nesting is unreadable.
    let (body, signature) = open_envelope(raw, &|raw: &str, sig: &str| checksum::verify(raw, merchant_key, sig))
        .ok_or(WebhookError::Unreadable)?;
    match signature {
        Signature::Valid => {}
        Signature::Absent if body.is_none() => return Err(WebhookError::Unreadable),
        Signature::Absent => return Err(WebhookError::SignatureMissing),
        Signature::Invalid => return Err(WebhookError::SignatureInvalid),
    }
    let body = body.ok_or(WebhookError::Unreadable)?;
    check_mid(&required(&body, "mid")?, mid)?;
    Ok(body)
}

pub(super) fn accept_refund(raw: &[u8], merchant_key: &Secret, mid: &str) -> Result<AcceptRefundEvent, WebhookError> {
    let b = verified_body(raw, merchant_key, mid)?;
    let status =
        text(&b, "status").or_else(|| text(&b, "acceptRefundStatus")).ok_or(WebhookError::MissingField("status"))?;
    Ok(AcceptRefundEvent {
        mid: required(&b, "mid")?,
        order_id: required(&b, "orderId")?,
        ref_id: text(&b, "refId"),
        refund_id: text(&b, "refundId"),
        txn_id: text(&b, "txnId"),
        refund_amount: amount(&b, "refundAmount")?,
        accepted: status == "SUCCESS",
        status,
        reject_reason_code: text(&b, "rejectRefundReasonCode"),
        reject_reason_message: text(&b, "rejectRefundReasonMessage").or_else(|| text(&b, "rejectRefundReason")),
        accept_refund_timestamp: text(&b, "acceptRefundTimestamp"),
    })
}

pub(super) fn success_refund(raw: &[u8], merchant_key: &Secret, mid: &str) -> Result<SuccessRefundEvent, WebhookError> {
    let b = verified_body(raw, merchant_key, mid)?;
    let mut destinations = Vec::new();
    if let Some(list) = b.get("refundDetailInfoList").and_then(Value::as_array) {
        for item in list {
            let item = item.as_object().ok_or(WebhookError::InvalidField("refundDetailInfoList"))?;
            destinations.push(RefundDestination {
                refund_type: text(item, "refundType"),
                pay_method: text(item, "payMethod"),
                refund_amount: amount(item, "refundAmount")?,
                rrn: text(item, "rrn"),
                user_credit_expected_date: text(item, "userCreditExpectedDate"),
                issuing_bank_name: text(item, "issuingBankName"),
            });
        }
    }
    let total = match amount(&b, "totalRefundAmount")? {
        Some(t) => Some(t),
        None => amount(&b, "totalrefundAmount")?,
    };
    Ok(SuccessRefundEvent {
        mid: required(&b, "mid")?,
        order_id: required(&b, "orderId")?,
        ref_id: required(&b, "refId")?,
        refund_id: text(&b, "refundId"),
        txn_id: text(&b, "txnId"),
        txn_amount: amount(&b, "txnAmount")?,
        refund_amount: amount(&b, "refundAmount")?,
        total_refund_amount: total,
        status: text(&b, "status"),
        source: text(&b, "source"),
        txn_timestamp: text(&b, "txnTimestamp"),
        accept_refund_timestamp: text(&b, "acceptRefundTimestamp"),
        merchant_refund_request_timestamp: text(&b, "merchantRefundRequestTimestamp"),
        user_credit_initiate_timestamp: text(&b, "userCreditInitiateTimestamp"),
        destinations,
    })
}

/// Decodes an `application/x-www-form-urlencoded` body (`+` is a space), or a JSON object of string/null values.
/// Duplicate keys are refused: which one was signed would be ambiguous.
pub(super) fn parse_params(raw: &[u8]) -> Result<BTreeMap<String, Option<String>>, WebhookError> {
    let text = std::str::from_utf8(raw).map_err(|_| WebhookError::Unreadable)?.trim();
    let mut out = BTreeMap::new();
    if text.starts_with('{') {
        // Strict JSON: serde_json alone would silently keep the last of two duplicate keys.
        let Ok(map) = crate::crypto::json::parse_object(text.as_bytes()) else {
            return Err(WebhookError::Unreadable);
        };
        for (k, v) in map {
            let v = match v {
                Value::String(s) => Some(s),
                Value::Null => None,
                _ => return Err(WebhookError::Unreadable),
            };
            out.insert(k, v);
        }
        return Ok(out);
    }
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = form_decode(k)?;
        if k.is_empty() || out.insert(k, Some(form_decode(v)?)).is_some() {
            return Err(WebhookError::Unreadable);
        }
    }
    if out.is_empty() {
        return Err(WebhookError::Unreadable);
    }
    Ok(out)
}

fn form_decode(s: &str) -> Result<String, WebhookError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b.get(i + 1..i + 3).ok_or(WebhookError::Unreadable)?;
                let hex = std::str::from_utf8(hex).map_err(|_| WebhookError::Unreadable)?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| WebhookError::Unreadable)?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| WebhookError::Unreadable)
}

fn normalized(key: &str) -> String {
    key.chars().filter(|c| *c != '_').flat_map(char::to_lowercase).collect()
}

pub(super) fn refund_arn(raw: &[u8], merchant_key: &Secret, mid: &str) -> Result<RefundArnEvent, WebhookError> {
    let params = parse_params(raw)?;
    let signature = match params.get(checksum::CHECKSUMHASH) {
        Some(Some(s)) if !s.is_empty() => s.clone(),
        _ => return Err(WebhookError::SignatureMissing),
    };
    // Base64 never contains a space: a space here is a `+` that was posted without percent-encoding.
    let signature = signature.replace(' ', "+");
    if !checksum::verify(&checksum::params_string(&params), merchant_key, &signature) {
        return Err(WebhookError::SignatureInvalid);
    }
    let fields: BTreeMap<String, String> = params
        .into_iter()
        .filter(|(k, _)| k != checksum::CHECKSUMHASH)
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect();
    let find = |name: &str| fields.iter().find(|(k, v)| normalized(k) == name && !v.is_empty()).map(|(_, v)| v.clone());
    let event_mid = find("mid").ok_or(WebhookError::MissingField("MID"))?;
    check_mid(&event_mid, mid)?;
    Ok(RefundArnEvent {
        mid: event_mid,
        order_id: find("orderid").ok_or(WebhookError::MissingField("ORDERID"))?,
        ref_id: find("refid"),
        refund_id: find("refundid"),
        arn: find("arn"),
        params: fields,
    })
}
