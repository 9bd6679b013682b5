//! The Refund 360 client (feature `client`): refund and refund status under the refund policy of
//! [`crate::client`].

use super::{RefundRequest, StatusRequest, Upi360, Upi360Config};
use crate::client::{ready, record_for, AttemptRecord, ClientError, ClientOptions, ClockOffset, Engine, Report, Tally};
use crate::error::{Error, Problem};
use crate::outcome::{Outcome, Provider, Reason, Status};
use std::sync::Arc;

/// UPI Refund 360 (sub-merchant refunds through a PSP) over a [`crate::client::Transport`].
///
/// ```no_run
/// # async fn demo(config: refundkit::upi360::Upi360Config, refund: refundkit::upi360::RefundRequest)
/// #     -> Result<(), Box<dyn std::error::Error>> {
/// use refundkit::client::ClientOptions;
/// use refundkit::upi360::Upi360Refunds;
///
/// let upi = Upi360Refunds::new(config, ClientOptions::builtin()?)?;
/// let report = upi.refund(&refund).await?; // sent once; PENDING/DEEMED are polled by status, same refundRequestId
/// println!("{:?} {:?}", report.outcome.status, report.outcome.reason);
/// # Ok(()) }
/// ```
pub struct Upi360Refunds {
    upi: Upi360<Arc<ClockOffset>>,
    engine: Engine,
}

impl std::fmt::Debug for Upi360Refunds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upi360Refunds").field("prefix", &self.upi.prefix).finish_non_exhaustive()
    }
}

impl Upi360Refunds {
    /// A client for `config`. With a delegated signer in `options`, the configuration's private key may be empty.
    pub fn new(config: Upi360Config, options: ClientOptions) -> Result<Self, Error> {
        let engine = options.engine(Provider::Upi360);
        let upi = Upi360::with_clock(config, engine.clock.clone())?;
        Ok(Upi360Refunds { upi, engine })
    }

    /// The sans-IO builder underneath.
    pub fn builder(&self) -> &Upi360<Arc<ClockOffset>> {
        &self.upi
    }

    /// Refund 360. **Moves money** (it creates the refund when the PSP does not know the `refundRequestId`): the
    /// attempt record is saved first, the call is sent once, and anything but a final answer (PENDING, DEEMED,
    /// no answer) is followed by Refund Status polls with the same `refundRequestId`.
    pub async fn refund(&self, request: &RefundRequest) -> Result<Report, ClientError> {
        let first = self.upi.prepare_refund(request)?;
        let id = &request.refund_request_id;
        let mut record = record_for(Provider::Upi360, "refund360", id, first.unsigned(), &self.engine);
        record.original_upi_request_id = request.original_upi_request_id.clone();
        record.original_merchant_request_id = request.original_merchant_request_id.clone();
        record.amount_paise = Some(request.amount.paise());
        self.engine.save(&record).await?;
        let tally = Tally::new();
        let outcome = self
            .engine
            .send_money_moving(
                "refund360",
                id,
                &tally,
                || self.upi.prepare_refund(request),
                |u| self.upi.sign(u),
                |r| ready(self.upi.interpret_refund(request, &r)),
            )
            .await?;
        let (outcome, by_inquiry) = match outcome.status {
            Status::Succeeded | Status::Failed => (outcome, false),
            Status::Pending if outcome.reason == Reason::NotSent => (outcome, false),
            Status::Pending | Status::Indeterminate => {
                (self.poll(&StatusRequest::for_refund(request), &tally).await?, true)
            }
        };
        self.engine.finish(&record, &outcome).await;
        Ok(self.engine.report(outcome, id, &tally, by_inquiry, Some(record)))
    }

    /// Refund Status, retried while indeterminate. Never creates a refund.
    pub async fn status(&self, request: &StatusRequest) -> Result<Report, ClientError> {
        let tally = Tally::new();
        let (outcome, _) = self
            .engine
            .read(
                "refund_status",
                &request.refund_request_id,
                self.engine.policy.max_attempts,
                false,
                &tally,
                || self.upi.prepare_refund_status(request),
                |u| self.upi.sign(u),
                |r| ready(self.upi.interpret_refund_status(request, &r)),
            )
            .await?;
        Ok(self.engine.report(outcome, &request.refund_request_id, &tally, false, None))
    }

    /// Drives an attempt record left by a crash to an outcome by Refund Status polls (never by Refund 360, which
    /// could create the refund).
    pub async fn resume(&self, record: &AttemptRecord) -> Result<Report, ClientError> {
        let has_original = record.original_upi_request_id.is_some() || record.original_merchant_request_id.is_some();
        if record.provider != Provider::Upi360.as_str() || !has_original {
            let problem = Problem::Format { expected: "a Refund 360 record with an original transaction id" };
            return Err(Error::InvalidInput { field: "record", problem }.into());
        }
        let request = StatusRequest {
            refund_request_id: record.reference.clone(),
            original_merchant_request_id: record.original_merchant_request_id.clone(),
            original_upi_request_id: record.original_upi_request_id.clone(),
        };
        let tally = Tally::new();
        let outcome = self.poll(&request, &tally).await?;
        self.engine.finish(record, &outcome).await;
        Ok(self.engine.report(outcome, &record.reference, &tally, true, Some(record.clone())))
    }

    async fn poll(&self, request: &StatusRequest, tally: &Tally) -> Result<Outcome, ClientError> {
        let (outcome, _) = self
            .engine
            .read(
                "refund_status",
                &request.refund_request_id,
                self.engine.policy.max_polls,
                true,
                tally,
                || self.upi.prepare_refund_status(request),
                |u| self.upi.sign(u),
                |r| ready(self.upi.interpret_refund_status(request, &r)),
            )
            .await?;
        Ok(outcome)
    }
}
