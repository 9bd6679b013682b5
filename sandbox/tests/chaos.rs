//! The chaos run: 1,200 refunds across the three providers through refundkit's built-in clients against the
//! sandbox, with faults on about a quarter of all requests (including answers lost after the refund was committed)
//! and simulated crashes resumed from attempt records; then, like an app, follows each definite failure's next step
//! (a new OTP for Eko, the same id for Paytm and Refund 360). Asserts, against the sandbox ledger: zero double
//! refunds, zero lost refunds, money conserved per transaction, and every refund in the end refunded exactly once.

mod common;

use refundkit::client::{AttemptStore, ClientOptions, MemoryAttemptStore, RecordingSleeper, RetryPolicy};
use refundkit::eko::{EkoRefunds, RefundRequest as EkoRefund};
use refundkit::paytm::{Flavour, PaytmRefunds, RefundApply};
use refundkit::upi360::{RefundRequest as UpiRefund, RefundType, Upi360Refunds};
use refundkit::{Money, NextStep, Status};
use refundkit_sandbox::{FaultKind, FaultRule, RefundState, RouteSelector, Sandbox, SandboxConfig, Trigger};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

const REFUNDS: usize = 1_200;

fn faults() -> Vec<FaultRule> {
    let p = |kind, prob| FaultRule::new(RouteSelector::All, kind, Trigger::Probability(prob));
    vec![
        p(FaultKind::DropAfterCommit, 0.06),
        p(FaultKind::ServerError { status: 503 }, 0.05),
        p(FaultKind::ConnectionReset, 0.04),
        p(FaultKind::TruncatedBody, 0.03),
        p(FaultKind::MalformedBody, 0.03),
        p(FaultKind::RateLimited { retry_after_secs: 1 }, 0.02),
        p(FaultKind::Latency { ms: 2 }, 0.02),
    ]
}

struct Clients {
    eko: EkoRefunds,
    paytm: PaytmRefunds,
    upi: Upi360Refunds,
}

fn clients(sandbox: &Sandbox, store: Arc<MemoryAttemptStore>) -> Clients {
    let options = || {
        // Backoff waits are recorded, not slept: the run exercises the policy, not the wall clock.
        let policy = RetryPolicy { max_attempts: 6, max_polls: 12, ..RetryPolicy::default() };
        ClientOptions::builtin().unwrap().policy(policy).store(store.clone())
    };
    let options = move || {
        let mut o = options();
        o.sleeper = Arc::new(RecordingSleeper::default());
        o
    };
    Clients {
        eko: EkoRefunds::new(common::eko_config(sandbox), options()).unwrap(),
        paytm: PaytmRefunds::new(common::paytm_config(sandbox, Flavour::Pg), options()).unwrap(),
        upi: Upi360Refunds::new(common::upi_config(sandbox, common::pss()), options()).unwrap(),
    }
}

/// The next steps of a definite failure that an app follows by trying again: a new OTP (Eko), or the same id again
/// because the status proved no refund exists under it (Refund 360, Paytm).
fn says_try_again(next: NextStep) -> bool {
    matches!(next, NextStep::RequestNewOtp | NextStep::RetryLater | NextStep::ResendSameReference)
}

#[derive(Default, Debug)]
struct Tally {
    succeeded: usize,
    failed: usize,
    unresolved_then_resumed: usize,
    crashed_then_resumed: usize,
    otp_never_arrived: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_zero_doubles_zero_lost_money_conserved() {
    let sandbox =
        Sandbox::start(SandboxConfig { seed: 20_261_122, polls_until_success: 1, ..SandboxConfig::default() })
            .await
            .unwrap();
    sandbox.set_faults(faults());
    let store = Arc::new(MemoryAttemptStore::default());
    let c = clients(&sandbox, store.clone());
    let mut tally = Tally::default();
    // What each refund was for: reference -> (original id, amount).
    let mut intended: HashMap<String, (String, i64)> = HashMap::new();
    let mut originals: HashMap<String, i64> = HashMap::new();
    let mut finals: HashMap<String, Status> = HashMap::new();
    let mut applies: HashMap<String, RefundApply> = HashMap::new();
    // Why refunds failed, by provider and reason: failures must be definite answers, never a guess.
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    // Failed refunds whose next step says "try again": an app follows it after the restart (below).
    let mut follow_up: Vec<String> = Vec::new();
    let mut upi_requests: HashMap<String, UpiRefund> = HashMap::new();

    for i in 0..REFUNDS {
        let amount = 100 + (i as i64 % 50) * 37;
        // Every 40th refund "crashes": the future is dropped after a few milliseconds, mid-flight.
        let crash = i % 40 == 7;
        let run = async {
            match i % 3 {
                0 => {
                    let t = sandbox.create_eko_transaction(amount, None).unwrap();
                    originals.insert(t.tid.clone(), amount);
                    intended.insert(t.tid.clone(), (t.tid.clone(), amount));
                    // The OTP request is not money-moving; ask again until the SMS "arrives".
                    let mut otp = None;
                    for _ in 0..8 {
                        let _ = c.eko.send_refund_otp(&t.tid).await.unwrap();
                        otp = sandbox.otp_for(&t.tid);
                        if otp.is_some() {
                            break;
                        }
                    }
                    let Some(otp) = otp else { return (t.tid, None) };
                    (t.tid.clone(), Some(c.eko.refund(&EkoRefund::new(t.tid, otp)).await.unwrap()))
                }
                1 => {
                    let o = sandbox.create_paytm_order(amount).unwrap();
                    let ref_id = format!("CHAOS{i}");
                    originals.insert(o.order_id.clone(), amount);
                    intended.insert(ref_id.clone(), (o.order_id.clone(), amount));
                    let mut apply = RefundApply::new(o.order_id, ref_id.clone(), o.txn_id, Money::from_paise(amount));
                    apply.original_amount = Some(Money::from_paise(amount));
                    applies.insert(ref_id.clone(), apply.clone());
                    (ref_id, Some(c.paytm.refund(&apply).await.unwrap()))
                }
                _ => {
                    let u = sandbox.create_upi_transaction(amount).unwrap();
                    let id = format!("CHAOS{i}");
                    // The ledger names UPI originals by their merchant request id.
                    originals.insert(u.original_merchant_request_id.clone(), amount);
                    intended.insert(id.clone(), (u.original_merchant_request_id.clone(), amount));
                    let r = UpiRefund::new(id.clone(), Money::from_paise(amount), RefundType::Online, "chaos refund")
                        .original_upi_request_id(u.original_upi_request_id)
                        .merchant_refund_vpa("refunds@parentbank");
                    upi_requests.insert(id.clone(), r.clone());
                    (id, Some(c.upi.refund(&r).await.unwrap()))
                }
            }
        };
        let outcome = if crash {
            match tokio::time::timeout(Duration::from_millis(3), run).await {
                Ok(done) => Some(done),
                Err(_) => {
                    tally.crashed_then_resumed += 1;
                    None
                }
            }
        } else {
            Some(run.await)
        };
        match outcome {
            None => {} // crashed: the store has its record (if it got that far); resumed below
            Some((_, None)) => tally.otp_never_arrived += 1,
            Some((reference, Some(report))) => match report.outcome.status {
                Status::Succeeded => {
                    tally.succeeded += 1;
                    finals.insert(reference, Status::Succeeded);
                }
                Status::Failed => {
                    tally.failed += 1;
                    let key = format!(
                        "{:?}/{:?}/{:?}",
                        report.outcome.raw.provider, report.outcome.reason, report.outcome.next_step
                    );
                    *failures.entry(key).or_default() += 1;
                    if says_try_again(report.outcome.next_step) {
                        follow_up.push(reference.clone());
                    }
                    finals.insert(reference, Status::Failed);
                }
                _ => tally.unresolved_then_resumed += 1, // stays in the store; resumed below
            },
        }
    }

    // The "restart": faults off, a fresh set of clients, every unresolved record resumed by inquiry only.
    sandbox.clear_faults();
    let fresh = clients(&sandbox, store.clone());
    let records = store.unresolved().await.unwrap();
    let mut resent_same_reference = 0;
    for record in &records {
        let mut report = match record.provider.as_str() {
            "eko" => fresh.eko.resume(record).await.unwrap(),
            "paytm" => fresh.paytm.resume(record).await.unwrap(),
            _ => fresh.upi.resume(record).await.unwrap(),
        };
        assert_eq!(report.money_moving_sends, 0, "resume never sends money-moving requests");
        if report.outcome.next_step == NextStep::ResendSameReference {
            // Paytm does not know the refId (631): the apply probably never arrived. The app (this test) follows
            // the next step and re-sends the *same* refId, which Paytm would reject as a duplicate had it arrived.
            resent_same_reference += 1;
            report = fresh.paytm.refund(&applies[&record.reference]).await.unwrap();
        }
        assert!(
            matches!(report.outcome.status, Status::Succeeded | Status::Failed),
            "resume settles {}: {:?}",
            record.reference,
            report.outcome
        );
        if report.outcome.status == Status::Failed && says_try_again(report.outcome.next_step) {
            follow_up.push(record.reference.clone());
        }
        finals.insert(record.reference.clone(), report.outcome.status);
    }
    assert!(store.unresolved().await.unwrap().is_empty(), "every record resolved");
    // A crash before the attempt record was saved means the refund was never sent (the record is saved first):
    // the app starts that refund again (Eko: the OTP step too) under the same id.
    let mut crashed_before_sending = 0;
    for reference in intended.keys() {
        if !finals.contains_key(reference) {
            crashed_before_sending += 1;
            follow_up.push(reference.clone());
        }
    }

    // The app follows each failure's next step, as a cashier would: a fresh OTP and the refund again for Eko (the
    // inquiry proved it was not refunded), the *same* refundRequestId / refId again for Refund 360 / Paytm (the status
    // proved no refund exists under it). Never a new id for money already asked for.
    let mut followed = 0;
    for reference in &follow_up {
        let report = if let Some(apply) = applies.get(reference) {
            fresh.paytm.refund(apply).await.unwrap()
        } else if let Some(request) = upi_requests.get(reference) {
            fresh.upi.refund(request).await.unwrap()
        } else {
            let _ = fresh.eko.send_refund_otp(reference).await.unwrap();
            let otp = sandbox.otp_for(reference).expect("OTP without faults");
            fresh.eko.refund(&EkoRefund::new(reference.clone(), otp)).await.unwrap()
        };
        assert_eq!(report.reference, *reference, "the same id, never a new one");
        followed += 1;
        finals.insert(reference.clone(), report.outcome.status);
    }
    // With the next steps followed, every refund of the run ended refunded: none failed, none lost.
    let not_refunded: Vec<_> =
        intended.keys().filter(|r| finals.get(*r) != Some(&Status::Succeeded)).cloned().collect();

    // Against the sandbox's ledger.
    let ledger = sandbox.ledger();
    let counts = sandbox.fault_counts();
    let doubles = ledger.iter().filter(|e| e.money_moved != 1).count();
    let mut refunded_per_original: BTreeMap<String, i64> = BTreeMap::new();
    for e in &ledger {
        *refunded_per_original.entry(e.original_id.clone()).or_default() += e.amount_paise;
    }
    // Lost: a refund the ledger committed that refundkit does not report as succeeded, or the reverse.
    let mut lost = 0;
    for e in &ledger {
        let reported = finals.get(&e.reference).copied();
        let final_state = matches!(e.state, RefundState::Succeeded);
        if reported != Some(Status::Succeeded) || !final_state {
            lost += 1;
            eprintln!("lost: {e:?} reported {reported:?}");
        }
    }
    for (reference, status) in &finals {
        if *status == Status::Succeeded && !ledger.iter().any(|e| &e.reference == reference) {
            lost += 1;
            eprintln!("reported succeeded but not in the ledger: {reference}");
        }
    }
    let over_refunded = refunded_per_original
        .iter()
        .filter(|(id, paid)| match originals.get(*id) {
            Some(original) => **paid > *original,
            None => {
                eprintln!("refund of an original this run did not create: {id}");
                true
            }
        })
        .count();
    let injected = counts.latency
        + counts.server_error
        + counts.rate_limited
        + counts.connection_reset
        + counts.truncated_body
        + counts.malformed_body
        + counts.clock_skew
        + counts.drop_after_commit;
    println!("chaos: {REFUNDS} refunds {tally:?}");
    println!("chaos: faults injected {injected} {counts:?}");
    println!("chaos: failures by provider/reason/next step {failures:?}");
    println!(
        "chaos: ledger {} refunds, {} paise; doubles {doubles}; lost {lost}; over-refunded originals {over_refunded}; \
         records resumed {} (of which re-sent with the same refId after 631: {resent_same_reference}); \
         failures whose next step the app followed {followed} (of which crashed before sending: \
         {crashed_before_sending}); not refunded in the end {}",
        ledger.len(),
        ledger.iter().map(|e| e.amount_paise).sum::<i64>(),
        records.len(),
        not_refunded.len()
    );
    assert_eq!(doubles, 0, "zero double refunds");
    assert_eq!(lost, 0, "zero lost refunds");
    assert_eq!(over_refunded, 0, "money conserved per transaction");
    assert!(not_refunded.is_empty(), "every refund ends refunded once its next step is followed: {not_refunded:?}");
    assert_eq!(ledger.len(), intended.len(), "one ledger entry per refund asked for");
    assert!(counts.drop_after_commit > 20, "lost-after-commit answers were injected: {counts:?}");
    // About a quarter of all requests draw a fault; at least one per five refunds, whatever the request mix.
    assert!(injected >= REFUNDS as u64 / 5, "fault rate: {injected} faults for {REFUNDS} refunds");
    assert!(tally.crashed_then_resumed + tally.unresolved_then_resumed > 0);
    for (reference, (original, amount)) in &intended {
        if finals.get(reference) == Some(&Status::Succeeded) {
            let e = ledger.iter().find(|e| &e.reference == reference).unwrap();
            assert_eq!((&e.original_id, e.amount_paise), (original, *amount), "{reference}");
        }
    }
}
