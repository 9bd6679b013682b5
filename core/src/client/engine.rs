//! The refund engine: the one place that decides about money (see `docs/safety.md`).
//!
//! A provider supplies an adapter ([`RefundAdapter`]): how to build and read its money-moving request and its status
//! request. The engine does everything else, the same way for every provider: claim and save the attempt record,
//! send the money-moving request at most once, resolve unclear answers by status with the same id, apply the
//! provider's commit window before believing "not found", poll with backoff, keep or remove the record, report.
//! A provider never sleeps, retries or deletes a record.

use super::store::{AttemptRecord, AttemptStore, Claim, ClaimHolder, ClaimRequest};
use super::{
    parse_retry_after, ClientError, ClockOffset, Report, RetryPolicy, Signer, Sleeper, Transport, TransportError,
    TransportErrorKind,
};
use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};
use crate::outcome::{NextStep, Outcome, Provider, Reason, Status};
use crate::random::RandomSource;
use crate::sign::UnsignedRequest;
use async_trait::async_trait;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// One HTTP exchange with a provider: how to build the request (unsigned) and how to read the answer.
#[async_trait]
pub(crate) trait Exchange: Send + Sync {
    /// The operation's name in logs (`initiate_refund`, `refund_status`, …).
    fn operation(&self) -> &'static str;
    /// The request, ready to sign (called afresh for every try: timestamps and salts are new each time).
    fn prepare(&self) -> Result<UnsignedRequest, Error>;
    /// Signs with the key in the configuration (when there is no delegated signer).
    fn sign_locally(&self, unsigned: UnsignedRequest) -> Result<HttpRequest, Error>;
    /// What the answer means.
    async fn interpret(&self, response: HttpResponse) -> Outcome;
}

/// A provider's side of one refund: everything the engine needs, nothing it decides.
pub(crate) trait RefundAdapter: Send + Sync {
    /// The money-moving request (`None` when resuming a record: a record is never sent again).
    fn money_moving(&self) -> Option<&dyn Exchange>;
    /// The status request for `record` (its `acknowledged_at_ms` tells whether the provider accepted the refund).
    fn status(&self, record: &AttemptRecord) -> Box<dyn Exchange + '_>;
    /// The next step once "no such refund" is proven (commit window over, answers confirmed): a new OTP for Eko, the
    /// same reference for providers that deduplicate on it.
    fn next_step_when_absent(&self) -> NextStep;
}

/// Whether a status answer says the refund does not exist (yet): "not found" / "not refunded".
fn says_absent(outcome: &Outcome) -> bool {
    outcome.status != Status::Succeeded && matches!(outcome.reason, Reason::TransactionNotFound | Reason::NotRefunded)
}

/// One operation's bookkeeping.
pub(crate) struct Tally {
    pub(crate) attempts: AtomicU32,
    pub(crate) money_moving_sends: AtomicU32,
}

impl Tally {
    pub(crate) fn new() -> Self {
        Tally { attempts: AtomicU32::new(0), money_moving_sends: AtomicU32::new(0) }
    }
}

/// The answer to one send: an HTTP response, or why there is none.
enum Answer {
    Response(HttpResponse),
    Failed(TransportError),
}

/// The shared machinery of the three provider clients.
pub(crate) struct Engine {
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    pub(crate) random: Arc<dyn RandomSource>,
    pub(crate) signer: Option<Arc<dyn Signer>>,
    pub(crate) store: Arc<dyn AttemptStore>,
    pub(crate) policy: RetryPolicy,
    pub(crate) clock: Arc<ClockOffset>,
    pub(crate) provider: Provider,
    /// This client's owner id in store claims.
    pub(crate) owner: String,
}

/// What the resolution loop concluded.
struct Resolution {
    outcome: Outcome,
    next_check_at_ms: Option<u64>,
}

impl Engine {
    fn now(&self) -> u64 {
        self.clock.local_now_ms()
    }

    fn lease_ms(&self) -> u64 {
        self.policy.claim_lease.as_millis() as u64
    }

    fn commit_window_ms(&self) -> u64 {
        self.policy.commit_window_for(self.provider).as_millis() as u64
    }

    /// Signs `unsigned` with the delegated signer, or with the exchange's local key.
    async fn sign(&self, exchange: &dyn Exchange, unsigned: UnsignedRequest) -> Result<HttpRequest, ClientError> {
        match &self.signer {
            None => Ok(exchange.sign_locally(unsigned)?),
            Some(signer) => {
                let signature = signer.sign(unsigned.signature_request().clone()).await.map_err(ClientError::Signer)?;
                Ok(unsigned.complete(&signature)?)
            }
        }
    }

    /// Sends once, records the provider's clock, and logs without secrets.
    async fn send(&self, operation: &'static str, reference: &str, request: HttpRequest, tally: &Tally) -> Answer {
        let attempt = tally.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        let path = super::url_path(&request.url).to_string();
        tracing::debug!(target: "refundkit", provider = self.provider.as_str(), operation, reference, attempt, method = request.method.as_str(), path = %path, "sending");
        match self.transport.send(request).await {
            Ok(response) => {
                if let Some(at) = response.header("date").and_then(super::parse_http_date) {
                    self.clock.observe(at);
                }
                tracing::debug!(target: "refundkit", provider = self.provider.as_str(), operation, reference, attempt, http_status = response.status, "answer");
                Answer::Response(response)
            }
            Err(mut e) => {
                e.message = super::scrub_transport_message(&e.message);
                tracing::warn!(target: "refundkit", provider = self.provider.as_str(), operation, reference, attempt, kind = ?e.kind, error = %e.message, "no answer");
                Answer::Failed(e)
            }
        }
    }

    /// Prepares, signs, sends and interprets one request. Returns the outcome and the server's `Retry-After`.
    async fn exchange_once(
        &self,
        exchange: &dyn Exchange,
        reference: &str,
        tally: &Tally,
        moves_money: bool,
    ) -> Result<(Outcome, Option<std::time::Duration>, Option<HttpResponse>, Option<TransportErrorKind>), ClientError>
    {
        let request = self.sign(exchange, exchange.prepare()?).await?;
        if moves_money {
            tally.money_moving_sends.fetch_add(1, Ordering::SeqCst);
        }
        Ok(match self.send(exchange.operation(), reference, request, tally).await {
            Answer::Response(r) => {
                let after = r.header("retry-after").and_then(|v| parse_retry_after(v, self.now()));
                if let (429, Some(after)) = (r.status, after) {
                    super::bulk::note_retry_after(after); // pauses the bulk call this request belongs to, if any
                }
                (self.flag_clock_skew(exchange.interpret(r.clone()).await), after, Some(r), None)
            }
            Answer::Failed(e) => {
                let sent = e.kind == TransportErrorKind::MaybeProcessed;
                (Outcome::no_answer(self.provider, sent, moves_money, &e.message), None, None, Some(e.kind))
            }
        })
    }

    /// A read that moves no money (inquiry, status, pending refunds): repeated while its outcome is indeterminate, with
    /// backoff; each try is prepared and signed afresh. Returns the outcome and the last HTTP answer.
    pub(crate) async fn read(
        &self,
        exchange: &dyn Exchange,
        reference: &str,
        tally: &Tally,
    ) -> Result<(Outcome, Option<HttpResponse>), ClientError> {
        let budget = self.policy.max_attempts.max(1);
        let mut round = 0;
        loop {
            round += 1;
            let (outcome, retry_after, last, _) = self.exchange_once(exchange, reference, tally, false).await?;
            let again = match outcome.status {
                // Asking again cannot fix a configuration problem (a wrong key, a wrong URL).
                Status::Indeterminate => outcome.next_step != NextStep::FixConfiguration,
                Status::Pending => outcome.reason == Reason::NotSent,
                _ => false,
            };
            if !again || round >= budget {
                self.log_outcome(exchange.operation(), reference, &outcome);
                return Ok((outcome, last));
            }
            match self.policy.backoff(round, retry_after, self.random.as_ref()) {
                Some(wait) => self.sleeper.sleep(wait).await,
                None => {
                    self.log_outcome(exchange.operation(), reference, &outcome);
                    return Ok((outcome, last));
                }
            }
        }
    }

    /// Sends a request that has a side effect but no record (Eko's refund OTP): once, or again only while it
    /// provably never left.
    pub(crate) async fn send_once(
        &self,
        exchange: &dyn Exchange,
        reference: &str,
        tally: &Tally,
    ) -> Result<Outcome, ClientError> {
        let mut round = 0;
        loop {
            round += 1;
            let (outcome, _, _, failure) = self.exchange_once(exchange, reference, tally, false).await?;
            if failure == Some(TransportErrorKind::NotSent) && round < self.policy.max_attempts.max(1) {
                if let Some(wait) = self.policy.backoff(round, None, self.random.as_ref()) {
                    self.sleeper.sleep(wait).await;
                }
                continue;
            }
            self.log_outcome(exchange.operation(), reference, &outcome);
            return Ok(outcome);
        }
    }

    /// A money-moving refund (S1–S6 of `docs/safety.md`): claims `record` (saving it) before anything is sent, sends
    /// the money-moving request at most once, resolves anything unclear by status, and keeps the record until a final
    /// outcome is proven. A reference whose record already exists is never sent again: it is resolved by status.
    pub(crate) async fn refund(
        &self,
        adapter: &dyn RefundAdapter,
        record: AttemptRecord,
    ) -> Result<Report, ClientError> {
        let tally = Tally::new();
        let Some(exchange) = adapter.money_moving() else {
            return Err(ClientError::Store("a refund needs its money-moving request".into()));
        };
        let now = self.now();
        let mut record = AttemptRecord { sent_at_ms: Some(now), created_at_ms: now, ..record };
        let claim = self
            .store
            .claim(&record, ClaimRequest { owner: &self.owner, now_ms: now, lease_ms: self.lease_ms(), create: true })
            .await
            .map_err(|e| ClientError::Store(e.0))?;
        match claim {
            Claim::Created => {}
            Claim::Held { until_ms, .. } => {
                return Err(ClientError::ClaimedElsewhere { reference: record.reference, until_ms });
            }
            Claim::Missing => return Err(ClientError::Store("the store did not save the attempt record".into())),
            Claim::Refunded(done) => return Ok(self.already_refunded(done, &tally)),
            Claim::Existing(existing) => {
                // S1: this reference may already have been sent. Never again: resolve what happened to it.
                tracing::warn!(target: "refundkit", provider = self.provider.as_str(), reference = %existing.reference, "an unresolved attempt exists for this reference: resolving it by status instead of sending again");
                let differs = existing.amount_paise != record.amount_paise || existing.operation != record.operation;
                let mut report = self.resolve(adapter, existing, None, &tally, true).await?;
                if differs {
                    report.outcome.warnings.push(
                        "the earlier attempt with this reference was for a different amount: this outcome is that \
                         attempt's; a reference must name one refund"
                            .into(),
                    );
                }
                report.outcome.warnings.push(
                    "an unresolved attempt with this reference already existed: refundkit resolved it by status and did \
                     not send the refund again"
                        .into(),
                );
                return Ok(report);
            }
        }
        record.claim = Some(ClaimHolder { owner: self.owner.clone(), until_ms: now.saturating_add(self.lease_ms()) });

        // Send once; again (same id, re-signed) only while it provably never left.
        let mut round = 0;
        let outcome = loop {
            round += 1;
            if round > 1 {
                // The commit window starts at the send that counts.
                record.sent_at_ms = Some(self.now());
                self.renew(&mut record).await;
            }
            let (outcome, _, _, failure) = self.exchange_once(exchange, &record.reference, &tally, true).await?;
            if failure == Some(TransportErrorKind::NotSent) && round < self.policy.max_attempts.max(1) {
                if let Some(wait) = self.policy.backoff(round, None, self.random.as_ref()) {
                    self.sleeper.sleep(wait).await;
                }
                continue;
            }
            break outcome;
        };
        self.log_outcome(exchange.operation(), &record.reference, &outcome);

        let refused_unprocessed = outcome.status == Status::Pending
            && matches!(outcome.reason, Reason::NotSent | Reason::RateLimited | Reason::AnotherTransactionInProgress)
            && outcome.next_step != NextStep::PollLater;
        if outcome.is_final() || refused_unprocessed {
            // A decisive answer to this request, or proof that it was not processed (it never left; the provider said
            // it did not take it): the record's work is done.
            self.finish(&mut record, &outcome).await;
            let reference = record.reference.clone();
            return Ok(self.report(outcome, &reference, &tally, false, None, Some(record)));
        }
        if outcome.status == Status::Pending {
            // The provider acknowledged the refund: from now on "not found" is never proof.
            record.acknowledged_at_ms = Some(self.now());
            self.renew(&mut record).await;
        }
        self.resolve(adapter, record, Some(outcome), &tally, true).await
    }

    /// Resumes `record` (after a crash, or a refund left unresolved): by status only, never by sending the refund.
    pub(crate) async fn resume(
        &self,
        adapter: &dyn RefundAdapter,
        record: &AttemptRecord,
    ) -> Result<Report, ClientError> {
        let tally = Tally::new();
        let now = self.now();
        let claim = self
            .store
            .claim(record, ClaimRequest { owner: &self.owner, now_ms: now, lease_ms: self.lease_ms(), create: false })
            .await
            .map_err(|e| ClientError::Store(e.0))?;
        match claim {
            Claim::Existing(stored) => self.resolve(adapter, stored, None, &tally, true).await,
            Claim::Held { until_ms, .. } => {
                Err(ClientError::ClaimedElsewhere { reference: record.reference.clone(), until_ms })
            }
            Claim::Refunded(done) => Ok(self.already_refunded(done, &tally)),
            // Not in this store (resolved by another worker, or kept elsewhere by the app): find out, change nothing.
            Claim::Missing | Claim::Created => self.resolve(adapter, record.clone(), None, &tally, false).await,
        }
    }

    /// Renews the claim and saves progress. A failure is logged: the record stays as it was, which only means one
    /// more status query later.
    async fn renew(&self, record: &mut AttemptRecord) {
        let now = self.now();
        record.claim = Some(ClaimHolder { owner: self.owner.clone(), until_ms: now.saturating_add(self.lease_ms()) });
        if let Err(e) = self.store.update(record, &self.owner, now).await {
            tracing::warn!(target: "refundkit", provider = self.provider.as_str(), reference = %record.reference, error = %e, "could not update the attempt record");
        }
    }

    /// The report for a reference the store already knows as refunded: nothing is sent.
    fn already_refunded(&self, done: AttemptRecord, tally: &Tally) -> Report {
        let mut outcome = Outcome::no_answer(self.provider, true, false, "not sent: already refunded");
        outcome.status = Status::Succeeded;
        outcome.reason = Reason::Refunded;
        outcome.next_step = NextStep::Nothing;
        outcome.warnings = vec![format!(
            "this reference was already proven refunded (at {} Unix ms): nothing was sent",
            done.refunded_at_ms.unwrap_or_default()
        )];
        let reference = done.reference.clone();
        self.report(outcome, &reference, tally, false, None, Some(done))
    }

    /// Closes a record whose work is done (S3): a refunded reference stays as a tombstone (so it is never sent again);
    /// any other final outcome removes the record. A failure is logged: a stale record costs one status query.
    async fn finish(&self, record: &mut AttemptRecord, outcome: &Outcome) {
        if outcome.status == Status::Succeeded {
            record.refunded_at_ms = Some(self.now());
            record.claim = None;
            record.next_check_at_ms = None;
            if let Err(e) = self.store.update(record, &self.owner, self.now()).await {
                tracing::warn!(target: "refundkit", provider = self.provider.as_str(), reference = %record.reference, error = %e, "could not mark the attempt record refunded");
            }
            return;
        }
        self.forget(record).await
    }

    /// Removes a record whose work is done.
    async fn forget(&self, record: &AttemptRecord) {
        if let Err(e) = self.store.remove(record, &self.owner, self.now()).await {
            tracing::warn!(target: "refundkit", provider = self.provider.as_str(), reference = %record.reference, error = %e, "could not remove a resolved attempt record");
        }
    }

    /// Polls the refund's status until a final outcome is proven or the poll budget ends. Applies the commit window
    /// (S2). With `persist`, the record is renewed while working, removed on a final outcome and released otherwise.
    async fn resolve(
        &self,
        adapter: &dyn RefundAdapter,
        mut record: AttemptRecord,
        first: Option<Outcome>,
        tally: &Tally,
        persist: bool,
    ) -> Result<Report, ClientError> {
        let budget = self.policy.max_polls.max(1);
        let mut last = first;
        let mut settled_by_status = false;
        let mut resolution = None;
        for round in 1..=budget {
            if persist && round > 1 {
                self.renew(&mut record).await;
            }
            let status = adapter.status(&record);
            let (outcome, retry_after, _, _) =
                self.exchange_once(status.as_ref(), &record.reference, tally, false).await?;
            let r = self.judge(adapter, &mut record, outcome);
            self.log_outcome(status.operation(), &record.reference, &r.outcome);
            let done = r.outcome.is_final()
                || (r.outcome.status == Status::Indeterminate && r.outcome.next_step == NextStep::FixConfiguration);
            settled_by_status = r.outcome.is_final();
            resolution = Some(r);
            if done || round == budget {
                break;
            }
            match self.policy.backoff(round, retry_after, self.random.as_ref()) {
                Some(wait) => self.sleeper.sleep(wait).await,
                None => break,
            }
        }
        let Resolution { outcome, next_check_at_ms } = match resolution {
            Some(r) => r,
            None => Resolution {
                outcome: last.take().unwrap_or_else(|| Outcome::no_answer(self.provider, true, true, "not resolved")),
                next_check_at_ms: None,
            },
        };
        if outcome.is_final() {
            if persist {
                self.finish(&mut record, &outcome).await;
            }
        } else if persist {
            record.next_check_at_ms = next_check_at_ms;
            record.claim = None;
            if let Err(e) = self.store.update(&record, &self.owner, self.now()).await {
                tracing::warn!(target: "refundkit", provider = self.provider.as_str(), reference = %record.reference, error = %e, "could not release the attempt record");
            }
        }
        let reference = record.reference.clone();
        Ok(self.report(outcome, &reference, tally, settled_by_status, next_check_at_ms, Some(record)))
    }

    /// S2: what a status answer proves. "Not found" / "not refunded" is proof of nothing while the commit window is
    /// open or once the provider acknowledged the refund; after the window, only `absence_confirmations` consecutive
    /// such answers make it final.
    fn judge(&self, adapter: &dyn RefundAdapter, record: &mut AttemptRecord, mut outcome: Outcome) -> Resolution {
        let now = self.now();
        if !says_absent(&outcome) {
            if outcome.status != Status::Indeterminate {
                // A contradicting answer (pending, refunded, declined) resets the count.
                record.absent_answers = 0;
            }
            let next = (!outcome.is_final()).then(|| now.saturating_add(self.policy.base_delay.as_millis() as u64));
            return Resolution { outcome, next_check_at_ms: next };
        }
        // The window runs from the send (or from the provider's acknowledgement, if later).
        let start = record.window_start_ms().max(record.acknowledged_at_ms.unwrap_or(0));
        let window_end = start.saturating_add(self.commit_window_ms());
        if now < window_end {
            record.absent_answers = 0;
            outcome.status = Status::Pending;
            outcome.next_step = NextStep::PollLater;
            outcome.warnings.push(format!(
                "no refund found yet, but the request may still commit: the provider's commit window is open until \
                 {window_end} (Unix ms); ask again then, with the same reference"
            ));
            return Resolution { outcome, next_check_at_ms: Some(window_end) };
        }
        if let Some(at) = record.acknowledged_at_ms {
            outcome.status = Status::Indeterminate;
            outcome.next_step = NextStep::Inquire;
            outcome.warnings.push(format!(
                "the provider acknowledged this refund (at {at}) but has no record of it after the commit window: \
                 escalate to the provider; never raise a new reference"
            ));
            let next = now.saturating_add(self.policy.max_delay.as_millis() as u64);
            return Resolution { outcome, next_check_at_ms: Some(next) };
        }
        record.absent_answers = record.absent_answers.saturating_add(1);
        if record.absent_answers >= self.policy.absence_confirmations.max(1) {
            outcome.status = Status::Failed;
            outcome.next_step = adapter.next_step_when_absent();
            return Resolution { outcome, next_check_at_ms: None };
        }
        outcome.status = Status::Pending;
        outcome.next_step = NextStep::PollLater;
        outcome.warnings.push(format!(
            "no refund found after the commit window ({} of {} confirmations): ask again to confirm",
            record.absent_answers, self.policy.absence_confirmations
        ));
        Resolution { outcome, next_check_at_ms: Some(now.saturating_add(self.policy.base_delay.as_millis() as u64)) }
    }

    /// An authentication refusal with a large measured offset is a clock problem, and says so.
    fn flag_clock_skew(&self, mut outcome: Outcome) -> Outcome {
        if outcome.reason != Reason::AuthOrClock {
            return outcome;
        }
        if let Some(offset) = self.clock.offset_ms() {
            if offset.unsigned_abs() > self.policy.clock_skew_threshold.as_millis() as u64 {
                outcome.reason = Reason::ClockSkew;
                outcome.warnings.push(format!(
                    "the provider's clock is {offset} ms {} this device's: fix the device clock{}",
                    if offset > 0 { "ahead of" } else { "behind" },
                    if self.policy.correct_clock { " (later requests are signed on the provider's time)" } else { "" }
                ));
            }
        }
        outcome
    }

    fn log_outcome(&self, operation: &'static str, reference: &str, outcome: &Outcome) {
        let codes: Vec<String> = outcome.raw.codes.iter().map(|c| format!("{}={}", c.name, c.value)).collect();
        tracing::info!(
            target: "refundkit",
            provider = self.provider.as_str(),
            operation,
            reference,
            status = outcome.status.as_str(),
            reason = outcome.reason.as_str(),
            next_step = outcome.next_step.as_str(),
            http_status = outcome.raw.http_status,
            codes = %codes.join(","),
            "outcome"
        );
    }

    pub(crate) fn report(
        &self,
        outcome: Outcome,
        reference: &str,
        tally: &Tally,
        resolved_by_inquiry: bool,
        next_check_at_ms: Option<u64>,
        record: Option<AttemptRecord>,
    ) -> Report {
        let settled = outcome.is_final();
        Report {
            outcome,
            reference: reference.to_string(),
            attempts: tally.attempts.load(Ordering::SeqCst),
            money_moving_sends: tally.money_moving_sends.load(Ordering::SeqCst),
            resolved_by_inquiry: resolved_by_inquiry && settled,
            clock_offset_ms: self.clock.offset_ms(),
            next_check_at_ms: if settled { None } else { next_check_at_ms },
            record,
        }
    }
}

/// The attempt record of a money-moving `request` about to be sent. `otp` is masked out of the body fingerprint.
pub(crate) fn record_for(
    provider: Provider,
    account: &str,
    operation: &str,
    reference: &str,
    request: &HttpRequest,
    otp: Option<&str>,
) -> AttemptRecord {
    AttemptRecord {
        version: super::ATTEMPT_RECORD_VERSION,
        provider: provider.as_str().to_string(),
        account: account.to_string(),
        operation: operation.to_string(),
        reference: reference.to_string(),
        order_id: None,
        original_upi_request_id: None,
        original_merchant_request_id: None,
        amount_paise: None,
        created_at_ms: 0,
        sent_at_ms: None,
        acknowledged_at_ms: None,
        absent_answers: 0,
        next_check_at_ms: None,
        claim: None,
        refunded_at_ms: None,
        method: request.method.as_str().to_string(),
        url: request.url.split('?').next().unwrap_or_default().to_string(),
        body_fingerprint: super::store::body_fingerprint(&request.body, otp),
    }
}
