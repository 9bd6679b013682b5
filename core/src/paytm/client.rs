//! The Paytm refund client (feature `client`): Refund Apply and Refund Status under the refund policy of
//! [`crate::client`].

use super::{Paytm, PaytmConfig, PriorApply, RefundApply, RefundStatusQuery};
use crate::client::{
    record_for, AttemptRecord, BoxFuture, ClientError, ClientOptions, ClockOffset, Engine, Report, Tally,
};
use crate::error::{Error, Problem};
use crate::http::HttpResponse;
use crate::outcome::{Outcome, Provider, Reason, Status};
use crate::random::RandomSource;
use std::sync::Arc;

/// Paytm refunds (PG or AI-router) over a [`crate::client::Transport`].
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use refundkit::client::ClientOptions;
/// use refundkit::paytm::{PaytmConfig, PaytmRefunds, RefundApply};
/// use refundkit::Money;
///
/// let paytm = PaytmRefunds::new(PaytmConfig::staging("YOUR_MID_HERE_123456", "YOUR_MERCHANT_KEY_16"), ClientOptions::builtin()?)?;
/// let apply = RefundApply::new("ORDER_1", "REFUND_1", "20230101111212800110168123456789", Money::from_paise(10_000));
/// let report = paytm.refund(&apply).await?; // applied once, then polled by status with the same refId
/// println!("{:?}", report.outcome.status);
/// # Ok(()) }
/// ```
pub struct PaytmRefunds {
    paytm: Paytm<Arc<ClockOffset>, Arc<dyn RandomSource>>,
    engine: Engine,
}

impl std::fmt::Debug for PaytmRefunds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaytmRefunds").field("base_url", &self.paytm.base_url).finish_non_exhaustive()
    }
}

impl PaytmRefunds {
    /// A client for `config`. With a delegated signer in `options`, the configuration's merchant key may be empty;
    /// the signer then also verifies answers ([`crate::client::Signer::verify_paytm`]).
    pub fn new(config: PaytmConfig, options: ClientOptions) -> Result<Self, Error> {
        let engine = options.engine(Provider::Paytm);
        let paytm = Paytm::with_sources(config, engine.clock.clone(), engine.random.clone())?;
        Ok(PaytmRefunds { paytm, engine })
    }

    /// The sans-IO builder underneath.
    pub fn builder(&self) -> &Paytm<Arc<ClockOffset>, Arc<dyn RandomSource>> {
        &self.paytm
    }

    /// Whether answers are verified by the delegated signer (no merchant key in process).
    fn delegated(&self) -> bool {
        self.engine.signer.is_some() && self.paytm.config.merchant_key.is_empty()
    }

    async fn verdict(&self, response: &HttpResponse) -> bool {
        match (
            &self.engine.signer,
            Paytm::<Arc<ClockOffset>, Arc<dyn RandomSource>>::response_signature_parts(response),
        ) {
            (Some(signer), Some((raw, sig))) => signer.verify_paytm(raw, sig).await.unwrap_or(false),
            _ => false,
        }
    }

    fn interpret_apply(&self, response: HttpResponse) -> BoxFuture<'_, Outcome> {
        Box::pin(async move {
            if self.delegated() {
                let ok = self.verdict(&response).await;
                self.paytm.interpret_refund_apply_verified(&response, ok)
            } else {
                self.paytm.interpret_refund_apply(&response)
            }
        })
    }

    fn interpret_status(&self, response: HttpResponse, prior: PriorApply) -> BoxFuture<'_, Outcome> {
        Box::pin(async move {
            if self.delegated() {
                let ok = self.verdict(&response).await;
                self.paytm.interpret_refund_status_verified(&response, prior, ok)
            } else {
                self.paytm.interpret_refund_status(&response, prior)
            }
        })
    }

    /// Refund Apply. **Moves money**: the attempt record is saved first, the apply is sent once, and anything but
    /// a decisive answer is followed by Refund Status polls with the same `refId`.
    pub async fn refund(&self, apply: &RefundApply) -> Result<Report, ClientError> {
        let first = self.paytm.prepare_refund_apply(apply)?;
        let mut record = record_for(Provider::Paytm, "refund_apply", &apply.ref_id, first.unsigned(), &self.engine);
        record.order_id = Some(apply.order_id.clone());
        record.amount_paise = Some(apply.refund_amount.paise());
        self.engine.save(&record).await?;
        let tally = Tally::new();
        let outcome = self
            .engine
            .send_money_moving(
                "refund_apply",
                &apply.ref_id,
                &tally,
                || self.paytm.prepare_refund_apply(apply),
                |u| self.paytm.sign(u),
                |r| self.interpret_apply(r),
            )
            .await?;
        let (outcome, by_inquiry) = match outcome.status {
            Status::Succeeded | Status::Failed => (outcome, false),
            Status::Pending if outcome.reason == Reason::NotSent => (outcome, false),
            Status::Pending | Status::Indeterminate => {
                // Paytm accepted it (601) now, or we do not know whether it arrived.
                let prior = match outcome.status {
                    Status::Pending => PriorApply::AcceptedAt(self.engine.clock.local_now_ms()),
                    _ => PriorApply::Unknown,
                };
                (self.poll(&record, prior, &tally).await?, true)
            }
        };
        self.engine.finish(&record, &outcome).await;
        Ok(self.engine.report(outcome, &apply.ref_id, &tally, by_inquiry, Some(record)))
    }

    /// Refund Status, retried while indeterminate. `prior_apply` says what is known about the apply (it decides
    /// what 631 "not found" means).
    pub async fn status(&self, query: &RefundStatusQuery, prior_apply: PriorApply) -> Result<Report, ClientError> {
        let tally = Tally::new();
        let id = query.ref_id.clone().or_else(|| query.refund_id.clone()).unwrap_or_default();
        let (outcome, _) = self
            .engine
            .read(
                "refund_status",
                &id,
                self.engine.policy.max_attempts,
                false,
                &tally,
                || self.paytm.prepare_refund_status(query),
                |u| self.paytm.sign(u),
                |r| self.interpret_status(r, prior_apply),
            )
            .await?;
        Ok(self.engine.report(outcome, &id, &tally, false, None))
    }

    /// Drives an attempt record left by a crash to an outcome by Refund Status polls with the same `refId`. The
    /// apply's fate is unknown, so 631 reads as "probably never arrived" (re-send the **same** `refId` if you
    /// decide to; refundkit never re-sends by itself).
    pub async fn resume(&self, record: &AttemptRecord) -> Result<Report, ClientError> {
        if record.provider != Provider::Paytm.as_str() || record.order_id.is_none() {
            let problem = Problem::Format { expected: "a Paytm record with an order id" };
            return Err(Error::InvalidInput { field: "record", problem }.into());
        }
        let tally = Tally::new();
        let outcome = self.poll(record, PriorApply::Unknown, &tally).await?;
        self.engine.finish(record, &outcome).await;
        Ok(self.engine.report(outcome, &record.reference, &tally, true, Some(record.clone())))
    }

    async fn poll(&self, record: &AttemptRecord, prior: PriorApply, tally: &Tally) -> Result<Outcome, ClientError> {
        let query = RefundStatusQuery::new(record.order_id.clone().unwrap_or_default(), record.reference.clone());
        let (outcome, _) = self
            .engine
            .read(
                "refund_status",
                &record.reference,
                self.engine.policy.max_polls,
                true,
                tally,
                || self.paytm.prepare_refund_status(&query),
                |u| self.paytm.sign(u),
                |r| self.interpret_status(r, prior),
            )
            .await?;
        Ok(outcome)
    }
}
