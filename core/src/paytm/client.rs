//! The Paytm refund client (feature `client`): Refund Apply and Refund Status. Paytm's side of the refund engine
//! ([`crate::client`]) lives here; every decision about money is the engine's.

use super::{Paytm, PaytmConfig, PriorApply, RefundApply, RefundStatusQuery};
use crate::client::{
    record_for, AttemptRecord, ClientError, ClientOptions, ClockOffset, Engine, Exchange, RefundAdapter, Report, Tally,
};
use crate::error::{Error, Problem};
use crate::http::{HttpRequest, HttpResponse};
use crate::outcome::{NextStep, Outcome, Provider};
use crate::random::RandomSource;
use crate::sign::UnsignedRequest;
use async_trait::async_trait;
use std::sync::Arc;

type Builder = Paytm<Arc<ClockOffset>, Arc<dyn RandomSource>>;

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
    paytm: Builder,
    engine: Engine,
}

impl std::fmt::Debug for PaytmRefunds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaytmRefunds").field("base_url", &self.paytm.base_url).finish_non_exhaustive()
    }
}

/// One Paytm request.
enum Call<'a> {
    Apply(&'a RefundApply),
    Status(RefundStatusQuery, PriorApply),
}

struct PaytmExchange<'a> {
    client: &'a PaytmRefunds,
    call: Call<'a>,
}

#[async_trait]
impl Exchange for PaytmExchange<'_> {
    fn operation(&self) -> &'static str {
        match self.call {
            Call::Apply(_) => "refund_apply",
            Call::Status(..) => "refund_status",
        }
    }

    fn prepare(&self) -> Result<UnsignedRequest, Error> {
        match &self.call {
            Call::Apply(apply) => self.client.paytm.prepare_refund_apply(apply),
            Call::Status(query, _) => self.client.paytm.prepare_refund_status(query),
        }
    }

    fn sign_locally(&self, unsigned: UnsignedRequest) -> Result<HttpRequest, Error> {
        self.client.paytm.sign(unsigned)
    }

    async fn interpret(&self, response: HttpResponse) -> Outcome {
        let paytm = &self.client.paytm;
        // Without the merchant key in process, the delegated signer verifies Paytm's answers.
        let verified = match self.client.delegated() {
            true => Some(self.client.verify(&response).await),
            false => None,
        };
        match (&self.call, verified) {
            (Call::Apply(_), None) => paytm.interpret_refund_apply(&response),
            (Call::Apply(_), Some(ok)) => paytm.interpret_refund_apply_verified(&response, ok),
            (Call::Status(_, prior), None) => paytm.interpret_refund_status(&response, *prior),
            (Call::Status(_, prior), Some(ok)) => paytm.interpret_refund_status_verified(&response, *prior, ok),
        }
    }
}

/// Paytm's side of one refund: Refund Apply, resolved by Refund Status with the same `refId`.
struct PaytmRefund<'a> {
    client: &'a PaytmRefunds,
    apply: Option<PaytmExchange<'a>>,
}

impl RefundAdapter for PaytmRefund<'_> {
    fn money_moving(&self) -> Option<&dyn Exchange> {
        self.apply.as_ref().map(|e| e as &dyn Exchange)
    }

    fn status(&self, record: &AttemptRecord) -> Box<dyn Exchange + '_> {
        let query = RefundStatusQuery::new(record.order_id.clone().unwrap_or_default(), record.reference.clone());
        // What Paytm's 631 "not found" means depends on whether Paytm accepted the apply.
        let prior = match record.acknowledged_at_ms {
            Some(at) => PriorApply::AcceptedAt(at),
            None => PriorApply::Unknown,
        };
        Box::new(PaytmExchange { client: self.client, call: Call::Status(query, prior) })
    }

    fn next_step_when_absent(&self) -> NextStep {
        // Paytm deduplicates on refId: a refund proven absent may be applied again with the same refId.
        NextStep::ResendSameReference
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
    pub fn builder(&self) -> &Builder {
        &self.paytm
    }

    /// Whether answers are verified by the delegated signer (no merchant key in process).
    fn delegated(&self) -> bool {
        self.engine.signer.is_some() && self.paytm.config.merchant_key.is_empty()
    }

    async fn verify(&self, response: &HttpResponse) -> bool {
        match (&self.engine.signer, Builder::response_signature_parts(response)) {
            (Some(signer), Some((raw, sig))) => signer.verify_paytm(raw, sig).await.unwrap_or(false),
            _ => false,
        }
    }

    /// Refund Apply. **Moves money**: the attempt record is saved (and claimed) first, the apply is sent at most once,
    /// and anything but a decisive answer is followed by Refund Status polls with the same `refId`. If an unresolved
    /// record for this `refId` already exists, nothing is sent: it is resolved by status.
    pub async fn refund(&self, apply: &RefundApply) -> Result<Report, ClientError> {
        let first = self.paytm.prepare_refund_apply(apply)?;
        let mut record =
            record_for(Provider::Paytm, &self.paytm.config.mid, "refund_apply", &apply.ref_id, first.unsigned(), None);
        record.order_id = Some(apply.order_id.clone());
        record.amount_paise = Some(apply.refund_amount.paise());
        let adapter =
            PaytmRefund { client: self, apply: Some(PaytmExchange { client: self, call: Call::Apply(apply) }) };
        self.engine.refund(&adapter, record).await
    }

    /// Refund Status, retried while indeterminate. `prior_apply` says what is known about the apply (it decides
    /// what 631 "not found" means).
    pub async fn status(&self, query: &RefundStatusQuery, prior_apply: PriorApply) -> Result<Report, ClientError> {
        let tally = Tally::new();
        let id = query.ref_id.clone().or_else(|| query.refund_id.clone()).unwrap_or_default();
        let exchange = PaytmExchange { client: self, call: Call::Status(query.clone(), prior_apply) };
        let (outcome, _) = self.engine.read(&exchange, &id, &tally).await?;
        Ok(self.engine.report(outcome, &id, &tally, false, None, None))
    }

    /// Drives an attempt record left by a crash to an outcome by Refund Status polls with the same `refId` (never by
    /// a new apply). Inside the commit window "not found" stays pending; after it, and confirmed, the refund is
    /// proven absent (`Failed`, next step: apply again with the **same** `refId`).
    pub async fn resume(&self, record: &AttemptRecord) -> Result<Report, ClientError> {
        if record.provider != Provider::Paytm.as_str() || record.order_id.is_none() {
            let problem = Problem::Format { expected: "a Paytm record with an order id" };
            return Err(Error::InvalidInput { field: "record", problem }.into());
        }
        self.engine.resume(&PaytmRefund { client: self, apply: None }, record).await
    }
}
