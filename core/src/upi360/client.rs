//! The Refund 360 client (feature `client`): refund and refund status. Refund 360's side of the refund engine
//! ([`crate::client`]) lives here; every decision about money is the engine's.

use super::{RefundRequest, StatusRequest, Upi360, Upi360Config};
use crate::client::{
    record_for, AttemptRecord, ClientError, ClientOptions, ClockOffset, Engine, Exchange, RefundAdapter, Report, Tally,
};
use crate::error::{Error, Problem};
use crate::http::{HttpRequest, HttpResponse};
use crate::outcome::{NextStep, Outcome, Provider};
use crate::sign::UnsignedRequest;
use async_trait::async_trait;
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

/// One Refund 360 request.
enum Call<'a> {
    Refund(&'a RefundRequest),
    Status(StatusRequest),
}

struct UpiExchange<'a> {
    upi: &'a Upi360<Arc<ClockOffset>>,
    call: Call<'a>,
}

#[async_trait]
impl Exchange for UpiExchange<'_> {
    fn operation(&self) -> &'static str {
        match self.call {
            Call::Refund(_) => "refund360",
            Call::Status(_) => "refund_status",
        }
    }

    fn prepare(&self) -> Result<UnsignedRequest, Error> {
        match &self.call {
            Call::Refund(request) => self.upi.prepare_refund(request),
            Call::Status(request) => self.upi.prepare_refund_status(request),
        }
    }

    fn sign_locally(&self, unsigned: UnsignedRequest) -> Result<HttpRequest, Error> {
        self.upi.sign(unsigned)
    }

    async fn interpret(&self, response: HttpResponse) -> Outcome {
        match &self.call {
            Call::Refund(request) => self.upi.interpret_refund(request, &response),
            Call::Status(request) => self.upi.interpret_refund_status(request, &response),
        }
    }
}

/// Refund 360's side of one refund: refund360, resolved by Refund Status with the same `refundRequestId`.
struct UpiRefund<'a> {
    upi: &'a Upi360<Arc<ClockOffset>>,
    refund: Option<UpiExchange<'a>>,
}

impl RefundAdapter for UpiRefund<'_> {
    fn money_moving(&self) -> Option<&dyn Exchange> {
        self.refund.as_ref().map(|e| e as &dyn Exchange)
    }

    fn status(&self, record: &AttemptRecord) -> Box<dyn Exchange + '_> {
        let request = StatusRequest {
            refund_request_id: record.reference.clone(),
            original_merchant_request_id: record.original_merchant_request_id.clone(),
            original_upi_request_id: record.original_upi_request_id.clone(),
        };
        Box::new(UpiExchange { upi: self.upi, call: Call::Status(request) })
    }

    fn next_step_when_absent(&self) -> NextStep {
        // refund360 is create-or-status on refundRequestId: a refund proven absent may be sent again with the same id.
        NextStep::ResendSameReference
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
    /// attempt record is saved (and claimed) first, the call is sent at most once, and anything but a final answer
    /// (PENDING, DEEMED, no answer) is followed by Refund Status polls with the same `refundRequestId`. If an
    /// unresolved record for this id already exists, nothing is sent: it is resolved by status.
    pub async fn refund(&self, request: &RefundRequest) -> Result<Report, ClientError> {
        let first = self.upi.prepare_refund(request)?;
        let id = &request.refund_request_id;
        let account = &self.upi.config.merchant_id;
        let mut record = record_for(Provider::Upi360, account, "refund360", id, first.unsigned(), None);
        record.original_upi_request_id = request.original_upi_request_id.clone();
        record.original_merchant_request_id = request.original_merchant_request_id.clone();
        record.amount_paise = Some(request.amount.paise());
        let adapter =
            UpiRefund { upi: &self.upi, refund: Some(UpiExchange { upi: &self.upi, call: Call::Refund(request) }) };
        self.engine.refund(&adapter, record).await
    }

    /// Refund Status, retried while indeterminate. Never creates a refund.
    pub async fn status(&self, request: &StatusRequest) -> Result<Report, ClientError> {
        let tally = Tally::new();
        let exchange = UpiExchange { upi: &self.upi, call: Call::Status(request.clone()) };
        let (outcome, _) = self.engine.read(&exchange, &request.refund_request_id, &tally).await?;
        Ok(self.engine.report(outcome, &request.refund_request_id, &tally, false, None, None))
    }

    /// Drives an attempt record left by a crash to an outcome by Refund Status polls (never by Refund 360, which
    /// could create the refund).
    pub async fn resume(&self, record: &AttemptRecord) -> Result<Report, ClientError> {
        let has_original = record.original_upi_request_id.is_some() || record.original_merchant_request_id.is_some();
        if record.provider != Provider::Upi360.as_str() || !has_original {
            let problem = Problem::Format { expected: "a Refund 360 record with an original transaction id" };
            return Err(Error::InvalidInput { field: "record", problem }.into());
        }
        self.engine.resume(&UpiRefund { upi: &self.upi, refund: None }, record).await
    }
}
