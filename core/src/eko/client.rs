//! The Eko refund client (feature `client`): refund OTP, refund, inquiry and pending refunds under the refund
//! policy of [`crate::client`].

use super::{interpret_initiate_refund, interpret_inquiry, interpret_pending_refunds, interpret_refund_otp};
use super::{Eko, EkoConfig, PendingRefunds, RefundRequest, TransactionRef};
use crate::client::{ready, record_for, AttemptRecord, ClientError, ClientOptions, ClockOffset, Engine, Report, Tally};
use crate::error::{Error, Problem};
use crate::outcome::{Provider, Status};
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

    /// Get / Resend Refund OTP. Moves no money but texts the customer, so it is sent once (again only when it
    /// provably never left).
    pub async fn send_refund_otp(&self, tid: &str) -> Result<Report, ClientError> {
        let tally = Tally::new();
        let outcome = self
            .engine
            .send_money_moving(
                "refund_otp",
                tid,
                &tally,
                || self.eko.prepare_refund_otp(tid),
                |u| self.eko.sign(u),
                |r| ready(interpret_refund_otp(&r)),
            )
            .await?;
        let mut report = self.engine.report(outcome, tid, &tally, false, None);
        report.money_moving_sends = 0;
        Ok(report)
    }

    /// Initiate Refund with the customer's OTP. **Moves money**: the attempt record is saved first, the call is
    /// sent once, and anything but a decisive answer is resolved by Transaction Inquiry on the same `tid`.
    pub async fn refund(&self, request: &RefundRequest) -> Result<Report, ClientError> {
        let first = self.eko.prepare_initiate_refund(request)?;
        let record = record_for(Provider::Eko, "initiate_refund", &request.tid, first.unsigned(), &self.engine);
        self.engine.save(&record).await?;
        let tally = Tally::new();
        let outcome = self
            .engine
            .send_money_moving(
                "initiate_refund",
                &request.tid,
                &tally,
                || self.eko.prepare_initiate_refund(request),
                |u| self.eko.sign(u),
                |r| ready(interpret_initiate_refund(&r)),
            )
            .await?;
        self.settle(outcome, record, tally).await
    }

    /// Drives an attempt record left by a crash (or an unresolved [`EkoRefunds::refund`]) to an outcome, by
    /// inquiry only.
    pub async fn resume(&self, record: &AttemptRecord) -> Result<Report, ClientError> {
        if record.provider != Provider::Eko.as_str() {
            return Err(Error::InvalidInput {
                field: "record",
                problem: Problem::Format { expected: "an Eko record" },
            }
            .into());
        }
        let tally = Tally::new();
        let outcome = self.poll(&record.reference, &tally).await?;
        self.engine.finish(record, &outcome).await;
        Ok(self.engine.report(outcome, &record.reference, &tally, true, Some(record.clone())))
    }

    /// Transaction Inquiry, retried while indeterminate.
    pub async fn inquiry(&self, reference: &TransactionRef) -> Result<Report, ClientError> {
        let tally = Tally::new();
        let id = match reference {
            TransactionRef::Tid(t) | TransactionRef::ClientRefId(t) => t.as_str(),
        };
        let (outcome, _) = self
            .engine
            .read(
                "inquiry",
                id,
                self.engine.policy.max_attempts,
                false,
                &tally,
                || self.eko.prepare_inquiry(reference),
                |u| self.eko.sign(u),
                |r| ready(interpret_inquiry(&r)),
            )
            .await?;
        Ok(self.engine.report(outcome, id, &tally, false, None))
    }

    /// Get Pending Refunds for a customer, retried while indeterminate. The list is in the returned
    /// [`PendingRefunds`]; the report's outcome says whether it could be read.
    pub async fn pending_refunds(&self, customer_mobile: &str) -> Result<(Report, PendingRefunds), ClientError> {
        let tally = Tally::new();
        let (outcome, last) = self
            .engine
            .read(
                "pending_refunds",
                customer_mobile,
                self.engine.policy.max_attempts,
                false,
                &tally,
                || self.eko.prepare_pending_refunds(customer_mobile),
                |u| self.eko.sign(u),
                |r| ready(interpret_pending_refunds(&r).outcome),
            )
            .await?;
        let pending = match &last {
            Some(r) => interpret_pending_refunds(r),
            None => PendingRefunds { outcome: outcome.clone(), transactions: Vec::new(), listed: false },
        };
        Ok((self.engine.report(outcome, customer_mobile, &tally, false, None), pending))
    }

    async fn poll(&self, tid: &str, tally: &Tally) -> Result<crate::Outcome, ClientError> {
        let reference = TransactionRef::Tid(tid.to_string());
        let (outcome, _) = self
            .engine
            .read(
                "inquiry",
                tid,
                self.engine.policy.max_polls,
                true,
                tally,
                || self.eko.prepare_inquiry(&reference),
                |u| self.eko.sign(u),
                |r| ready(interpret_inquiry(&r)),
            )
            .await?;
        Ok(outcome)
    }

    async fn settle(
        &self,
        outcome: crate::Outcome,
        record: AttemptRecord,
        tally: Tally,
    ) -> Result<Report, ClientError> {
        let tid = record.reference.clone();
        let (outcome, by_inquiry) = match outcome.status {
            Status::Succeeded | Status::Failed => (outcome, false),
            // Nothing left this machine: the refund cannot have happened, and the record says so.
            Status::Pending if outcome.reason == crate::Reason::NotSent => (outcome, false),
            Status::Pending | Status::Indeterminate => (self.poll(&tid, &tally).await?, true),
        };
        self.engine.finish(&record, &outcome).await;
        Ok(self.engine.report(outcome, &tid, &tally, by_inquiry, Some(record)))
    }
}

#[allow(dead_code)]
fn _assert_send(e: &EkoRefunds, r: &RefundRequest) {
    fn is_send<T: Send>(_: T) {}
    is_send(e.refund(r));
}
