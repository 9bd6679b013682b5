//! The Eko refund client (feature `client`): refund OTP, refund, inquiry and pending refunds. Eko's side of the
//! refund engine ([`crate::client`]) lives here; every decision about money is the engine's.

use super::{interpret_initiate_refund, interpret_inquiry, interpret_pending_refunds, interpret_refund_otp};
use super::{Eko, EkoConfig, PendingRefunds, RefundRequest, TransactionRef};
use crate::client::{
    record_for, AttemptRecord, ClientError, ClientOptions, ClockOffset, Engine, Exchange, RefundAdapter, Report, Tally,
};
use crate::error::{Error, Problem};
use crate::http::{HttpRequest, HttpResponse};
use crate::outcome::{NextStep, Outcome, Provider};
use crate::sign::UnsignedRequest;
use async_trait::async_trait;
use std::sync::Arc;

/// Eko refunds over a [`crate::client::Transport`].
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use refundkit::client::ClientOptions;
/// use refundkit::eko::{EkoConfig, EkoRefunds, RefundRequest};
///
/// let eko = EkoRefunds::new(EkoConfig::uat(), ClientOptions::builtin()?)?;
/// let otp = eko.send_refund_otp("13192443").await?;           // the customer gets an SMS
/// let otp_ref_id = otp.outcome.otp.and_then(|o| o.otp_ref_id);
/// let mut request = RefundRequest::new("13192443", "123456");  // the OTP the customer reads out
/// request.otp_ref_id = otp_ref_id;
/// let report = eko.refund(&request).await?;                    // sent once; resolved by inquiry if unclear
/// println!("{:?} after {} requests", report.outcome.status, report.attempts);
/// # Ok(()) }
/// ```
pub struct EkoRefunds {
    eko: Eko<Arc<ClockOffset>>,
    engine: Engine,
}

impl std::fmt::Debug for EkoRefunds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EkoRefunds").field("base_url", &self.eko.base_url).finish_non_exhaustive()
    }
}

/// One Eko request.
enum Call<'a> {
    RefundOtp(&'a str),
    Refund(&'a RefundRequest),
    Inquiry(TransactionRef),
    PendingRefunds(&'a str),
}

struct EkoExchange<'a> {
    eko: &'a Eko<Arc<ClockOffset>>,
    call: Call<'a>,
}

#[async_trait]
impl Exchange for EkoExchange<'_> {
    fn operation(&self) -> &'static str {
        match self.call {
            Call::RefundOtp(_) => "refund_otp",
            Call::Refund(_) => "initiate_refund",
            Call::Inquiry(_) => "inquiry",
            Call::PendingRefunds(_) => "pending_refunds",
        }
    }

    fn prepare(&self) -> Result<UnsignedRequest, Error> {
        match &self.call {
            Call::RefundOtp(tid) => self.eko.prepare_refund_otp(tid),
            Call::Refund(request) => self.eko.prepare_initiate_refund(request),
            Call::Inquiry(reference) => self.eko.prepare_inquiry(reference),
            Call::PendingRefunds(mobile) => self.eko.prepare_pending_refunds(mobile),
        }
    }

    fn sign_locally(&self, unsigned: UnsignedRequest) -> Result<HttpRequest, Error> {
        self.eko.sign(unsigned)
    }

    async fn interpret(&self, response: HttpResponse) -> Outcome {
        match self.call {
            Call::RefundOtp(_) => interpret_refund_otp(&response),
            Call::Refund(_) => interpret_initiate_refund(&response),
            Call::Inquiry(_) => interpret_inquiry(&response),
            Call::PendingRefunds(_) => interpret_pending_refunds(&response).outcome,
        }
    }
}

/// Eko's side of one refund: Initiate Refund, resolved by Transaction Inquiry on the same `tid`.
struct EkoRefund<'a> {
    eko: &'a Eko<Arc<ClockOffset>>,
    refund: Option<EkoExchange<'a>>,
}

impl RefundAdapter for EkoRefund<'_> {
    fn money_moving(&self) -> Option<&dyn Exchange> {
        self.refund.as_ref().map(|e| e as &dyn Exchange)
    }

    fn status(&self, record: &AttemptRecord) -> Box<dyn Exchange + '_> {
        Box::new(EkoExchange { eko: self.eko, call: Call::Inquiry(TransactionRef::Tid(record.reference.clone())) })
    }

    fn next_step_when_absent(&self) -> NextStep {
        // Eko's OTP is single-use: a refund proven absent needs a new OTP (same tid).
        NextStep::RequestNewOtp
    }
}

impl EkoRefunds {
    /// A client for `config`. With a delegated signer in `options`, the configuration's `access_key` may be empty.
    pub fn new(config: EkoConfig, options: ClientOptions) -> Result<Self, Error> {
        let engine = options.engine(Provider::Eko);
        let eko = Eko::with_clock(config, engine.clock.clone())?;
        Ok(EkoRefunds { eko, engine })
    }

    /// The sans-IO builder underneath (for inspection and tests).
    pub fn builder(&self) -> &Eko<Arc<ClockOffset>> {
        &self.eko
    }

    fn exchange<'a>(&'a self, call: Call<'a>) -> EkoExchange<'a> {
        EkoExchange { eko: &self.eko, call }
    }

    /// Get / Resend Refund OTP. Moves no money but texts the customer, so it is sent once (again only when it
    /// provably never left).
    pub async fn send_refund_otp(&self, tid: &str) -> Result<Report, ClientError> {
        let tally = Tally::new();
        let outcome = self.engine.send_once(&self.exchange(Call::RefundOtp(tid)), tid, &tally).await?;
        Ok(self.engine.report(outcome, tid, &tally, false, None, None))
    }

    /// Initiate Refund with the customer's OTP. **Moves money**: the attempt record is saved (and claimed) first, the
    /// call is sent at most once, and anything but a decisive answer is resolved by Transaction Inquiry on the same
    /// `tid`. If an unresolved record for this `tid` already exists, nothing is sent: it is resolved by inquiry.
    pub async fn refund(&self, request: &RefundRequest) -> Result<Report, ClientError> {
        let first = self.eko.prepare_initiate_refund(request)?;
        let record = record_for(
            Provider::Eko,
            &self.eko.config.initiator_id,
            "initiate_refund",
            &request.tid,
            first.unsigned(),
            Some(&request.otp),
        );
        let adapter = EkoRefund { eko: &self.eko, refund: Some(self.exchange(Call::Refund(request))) };
        self.engine.refund(&adapter, record).await
    }

    /// Drives an attempt record left by a crash (or an unresolved [`EkoRefunds::refund`]) to an outcome, by
    /// inquiry only.
    pub async fn resume(&self, record: &AttemptRecord) -> Result<Report, ClientError> {
        if record.provider != Provider::Eko.as_str() {
            let problem = Problem::Format { expected: "an Eko record" };
            return Err(Error::InvalidInput { field: "record", problem }.into());
        }
        self.engine.resume(&EkoRefund { eko: &self.eko, refund: None }, record).await
    }

    /// Transaction Inquiry, retried while indeterminate.
    pub async fn inquiry(&self, reference: &TransactionRef) -> Result<Report, ClientError> {
        let tally = Tally::new();
        let id = match reference {
            TransactionRef::Tid(t) | TransactionRef::ClientRefId(t) => t.as_str(),
        };
        let (outcome, _) = self.engine.read(&self.exchange(Call::Inquiry(reference.clone())), id, &tally).await?;
        Ok(self.engine.report(outcome, id, &tally, false, None, None))
    }

    /// Get Pending Refunds for a customer, retried while indeterminate. The list is in the returned
    /// [`PendingRefunds`]; the report's outcome says whether it could be read.
    pub async fn pending_refunds(&self, customer_mobile: &str) -> Result<(Report, PendingRefunds), ClientError> {
        let tally = Tally::new();
        let exchange = self.exchange(Call::PendingRefunds(customer_mobile));
        let (outcome, last) = self.engine.read(&exchange, customer_mobile, &tally).await?;
        let pending = match &last {
            Some(r) => interpret_pending_refunds(r),
            None => PendingRefunds { outcome: outcome.clone(), transactions: Vec::new(), listed: false },
        };
        Ok((self.engine.report(outcome, customer_mobile, &tally, false, None, None), pending))
    }
}

#[allow(dead_code)]
fn _assert_send(e: &EkoRefunds, r: &RefundRequest) {
    fn is_send<T: Send>(_: T) {}
    is_send(e.refund(r));
}
