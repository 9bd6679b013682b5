//! Fault injection: rules, the deterministic engine that decides which faults fire, and the counts of what fired.
//!
//! Every decision is a pure function of the sandbox seed, the operation's name and that operation's request counter
//! (`splitmix64`), so the same seed and the same sequence of requests give the same faults, run after run.

use crate::util::derive;
use refundkit::Provider;
use serde_json::{json, Value};
use std::collections::HashMap;

/// One simulated API operation: the unit faults and counters are kept per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Eko Get / Resend Refund OTP.
    EkoRefundOtp,
    /// Eko Initiate Refund (moves money).
    EkoInitiateRefund,
    /// Eko Transaction Inquiry.
    EkoInquiry,
    /// Eko Get Pending Refunds.
    EkoPendingRefunds,
    /// Paytm Refund Apply, PG or AI-router (moves money).
    PaytmRefundApply,
    /// Paytm Refund Status, PG or AI-router.
    PaytmRefundStatus,
    /// UPI Refund 360 (create-or-status; moves money when it creates).
    Upi360Refund,
    /// UPI Refund Status.
    Upi360RefundStatus,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 8] = [
        Operation::EkoRefundOtp,
        Operation::EkoInitiateRefund,
        Operation::EkoInquiry,
        Operation::EkoPendingRefunds,
        Operation::PaytmRefundApply,
        Operation::PaytmRefundStatus,
        Operation::Upi360Refund,
        Operation::Upi360RefundStatus,
    ];

    /// The operation's name in fault rules and the admin API, e.g. `eko.initiate_refund`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::EkoRefundOtp => "eko.refund_otp",
            Operation::EkoInitiateRefund => "eko.initiate_refund",
            Operation::EkoInquiry => "eko.inquiry",
            Operation::EkoPendingRefunds => "eko.pending_refunds",
            Operation::PaytmRefundApply => "paytm.refund_apply",
            Operation::PaytmRefundStatus => "paytm.refund_status",
            Operation::Upi360Refund => "upi360.refund",
            Operation::Upi360RefundStatus => "upi360.refund_status",
        }
    }

    /// The provider the operation belongs to.
    pub fn provider(self) -> Provider {
        match self {
            Operation::EkoRefundOtp
            | Operation::EkoInitiateRefund
            | Operation::EkoInquiry
            | Operation::EkoPendingRefunds => Provider::Eko,
            Operation::PaytmRefundApply | Operation::PaytmRefundStatus => Provider::Paytm,
            Operation::Upi360Refund | Operation::Upi360RefundStatus => Provider::Upi360,
        }
    }

    /// Whether the operation can move money: Eko Initiate Refund, Paytm Refund Apply, UPI Refund 360.
    pub fn moves_money(self) -> bool {
        matches!(self, Operation::EkoInitiateRefund | Operation::PaytmRefundApply | Operation::Upi360Refund)
    }
}

/// Which requests a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteSelector {
    /// Every provider operation (`"*"`). Admin requests are never faulted.
    All,
    /// Every operation of one provider (`"eko"`, `"paytm"`, `"upi360"`).
    Provider(Provider),
    /// One operation (`"eko.initiate_refund"`, ...).
    Operation(Operation),
}

impl RouteSelector {
    fn matches(self, op: Operation) -> bool {
        match self {
            RouteSelector::All => true,
            RouteSelector::Provider(p) => op.provider() == p,
            RouteSelector::Operation(o) => o == op,
        }
    }

    /// The selector's text form.
    pub fn name(self) -> String {
        match self {
            RouteSelector::All => "*".into(),
            RouteSelector::Provider(p) => p.as_str().into(),
            RouteSelector::Operation(o) => o.name().into(),
        }
    }

    /// Parses `*`, a provider name or an operation name.
    pub fn parse(text: &str) -> Option<RouteSelector> {
        match text {
            "*" | "all" => Some(RouteSelector::All),
            "eko" => Some(RouteSelector::Provider(Provider::Eko)),
            "paytm" => Some(RouteSelector::Provider(Provider::Paytm)),
            "upi360" => Some(RouteSelector::Provider(Provider::Upi360)),
            _ => Operation::ALL.into_iter().find(|o| o.name() == text).map(RouteSelector::Operation),
        }
    }
}

/// What a fault does. "Committed" means the request was processed (and any refund recorded) before the fault hit
/// the answer; "not committed" means nothing was processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Waits `ms` milliseconds before processing. Combines with any other fault.
    Latency {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Answers HTTP `status` (a 5xx) without processing. Not committed.
    ServerError {
        /// The HTTP status, 500 to 599.
        status: u16,
    },
    /// Answers HTTP 429 with `Retry-After` without processing. Not committed.
    RateLimited {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// Resets the connection (TCP RST) before processing. Not committed.
    ConnectionReset,
    /// Processes the request, then sends the head with the full `Content-Length` but only half the body and closes.
    /// Committed.
    TruncatedBody,
    /// Processes the request, then answers HTTP 200 with a body that is not valid JSON. Committed.
    MalformedBody,
    /// Shifts the server's clock (timestamp checks, OTP expiry and the `Date` header) by `offset_ms` for this
    /// request, so timestamp windows reject fresh signatures. Combines with any other fault.
    ClockSkew {
        /// Offset in milliseconds (negative: the server is behind).
        offset_ms: i64,
    },
    /// Processes the request (commits a refund), then closes the connection without any answer. Committed.
    DropAfterCommit,
    /// Holds a money-moving request (Eko Initiate Refund, Paytm Refund Apply, UPI Refund 360) for a delay drawn
    /// uniformly from `min_ms..=max_ms` (seeded), and only then processes it (commits the refund) and answers. Until
    /// then, status queries answer as if the request had never arrived. The commit happens even if the client has
    /// gone; [`Sandbox::drain_commits`](crate::Sandbox::drain_commits) waits for every held request. Never fires on
    /// other operations. Committed (late).
    LateCommit {
        /// The shortest delay in milliseconds.
        min_ms: u64,
        /// The longest delay in milliseconds (equal to `min_ms` for a fixed delay).
        max_ms: u64,
    },
}

/// The longest late-commit delay accepted: 10 minutes.
pub const MAX_LATE_COMMIT_MS: u64 = 600_000;

/// Parses a late-commit delay: `2500` (fixed) or `500-5000` (a range), in milliseconds.
fn parse_delay(text: &str) -> Result<(u64, u64), String> {
    let number = |t: &str| {
        let t = t.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("late_commit delay `{text}`: milliseconds, as `2500` or `500-5000`"));
        }
        t.parse::<u64>().map_err(|_| format!("late_commit delay `{text}` is too large (at most {MAX_LATE_COMMIT_MS})"))
    };
    let (min, max) = match text.split_once('-') {
        Some((a, b)) => (number(a)?, number(b)?),
        None => {
            let n = number(text)?;
            (n, n)
        }
    };
    if min > max {
        return Err(format!("late_commit delay `{text}`: the range's start is above its end"));
    }
    if max > MAX_LATE_COMMIT_MS {
        return Err(format!("late_commit delay `{text}` is too large (at most {MAX_LATE_COMMIT_MS} ms)"));
    }
    Ok((min, max))
}

impl FaultKind {
    /// The kind's name in the admin API and in [`FaultCounts`].
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Latency { .. } => "latency",
            FaultKind::ServerError { .. } => "server_error",
            FaultKind::RateLimited { .. } => "rate_limited",
            FaultKind::ConnectionReset => "connection_reset",
            FaultKind::TruncatedBody => "truncated_body",
            FaultKind::MalformedBody => "malformed_body",
            FaultKind::ClockSkew { .. } => "clock_skew",
            FaultKind::DropAfterCommit => "drop_after_commit",
            FaultKind::LateCommit { .. } => "late_commit",
        }
    }

    /// Whether the request is processed (state changes committed) before the fault hits the answer.
    pub fn commits(self) -> bool {
        matches!(
            self,
            FaultKind::TruncatedBody
                | FaultKind::MalformedBody
                | FaultKind::DropAfterCommit
                | FaultKind::LateCommit { .. }
                | FaultKind::Latency { .. }
                | FaultKind::ClockSkew { .. }
        )
    }
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// On each matching request with this probability (0.0 to 1.0), drawn deterministically from the seed.
    Probability(f64),
    /// On every `n`th matching request of the operation (the `n`th, `2n`th, ...).
    EveryNth(u64),
}

/// A fault rule: which requests, what fault, how often.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultRule {
    /// Which requests.
    pub route: RouteSelector,
    /// What fault.
    pub kind: FaultKind,
    /// How often.
    pub trigger: Trigger,
}

impl FaultRule {
    /// A rule.
    pub fn new(route: RouteSelector, kind: FaultKind, trigger: Trigger) -> Self {
        FaultRule { route, kind, trigger }
    }

    /// The rule as admin-API JSON, e.g. `{"route":"eko","kind":"server_error","status":503,"probability":0.5}`.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"route": self.route.name(), "kind": self.kind.name()});
        match self.kind {
            FaultKind::Latency { ms } => v["ms"] = json!(ms),
            FaultKind::ServerError { status } => v["status"] = json!(status),
            FaultKind::RateLimited { retry_after_secs } => v["retry_after_secs"] = json!(retry_after_secs),
            FaultKind::ClockSkew { offset_ms } => v["offset_ms"] = json!(offset_ms),
            FaultKind::LateCommit { min_ms, max_ms } if min_ms == max_ms => v["delay_ms"] = json!(min_ms),
            FaultKind::LateCommit { min_ms, max_ms } => v["delay_ms"] = json!(format!("{min_ms}-{max_ms}")),
            _ => {}
        }
        match self.trigger {
            Trigger::Probability(p) => v["probability"] = json!(p),
            Trigger::EveryNth(n) => v["every_nth"] = json!(n),
        }
        v
    }

    /// Parses the admin-API JSON form (see [`FaultRule::to_json`]). Without `probability` or `every_nth` the rule
    /// fires on every matching request.
    pub fn from_json(v: &Value) -> Result<FaultRule, String> {
        let route_text = v.get("route").and_then(Value::as_str).unwrap_or("*");
        let route = RouteSelector::parse(route_text).ok_or_else(|| format!("unknown route `{route_text}`"))?;
        let int = |name: &str| {
            v.get(name).and_then(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string).parse::<i64>().ok())
        };
        let kind_text = v.get("kind").and_then(Value::as_str).ok_or("missing `kind`")?;
        let kind = match kind_text {
            "latency" => FaultKind::Latency { ms: int("ms").unwrap_or(100).max(0) as u64 },
            "server_error" => {
                let status = int("status").unwrap_or(500);
                if !(500..=599).contains(&status) {
                    return Err("`status` must be 500 to 599".into());
                }
                FaultKind::ServerError { status: status as u16 }
            }
            "rate_limited" => {
                FaultKind::RateLimited { retry_after_secs: int("retry_after_secs").unwrap_or(1).max(0) as u64 }
            }
            "connection_reset" => FaultKind::ConnectionReset,
            "truncated_body" => FaultKind::TruncatedBody,
            "malformed_body" => FaultKind::MalformedBody,
            "clock_skew" => FaultKind::ClockSkew { offset_ms: int("offset_ms").unwrap_or(3_600_000) },
            "drop_after_commit" => FaultKind::DropAfterCommit,
            "late_commit" => {
                let delay = match v.get("delay_ms") {
                    None => return Err("`delay_ms` is required for late_commit (e.g. 2500 or \"500-5000\")".into()),
                    Some(Value::String(t)) => t.clone(),
                    Some(other) => other.to_string(),
                };
                let (min_ms, max_ms) = parse_delay(&delay)?;
                FaultKind::LateCommit { min_ms, max_ms }
            }
            other => return Err(format!("unknown fault kind `{other}`")),
        };
        let trigger = if let Some(n) = int("every_nth") {
            if n < 1 {
                return Err("`every_nth` must be at least 1".into());
            }
            Trigger::EveryNth(n as u64)
        } else if let Some(p) = v.get("probability") {
            let p = p.to_string().trim_matches('"').parse::<f64>().map_err(|_| "`probability` must be a number")?;
            if !(0.0..=1.0).contains(&p) {
                return Err("`probability` must be from 0 to 1".into());
            }
            Trigger::Probability(p)
        } else {
            Trigger::EveryNth(1)
        };
        Ok(FaultRule { route, kind, trigger })
    }
}

/// How many faults of each kind were injected since start (or the last reset).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Latency faults.
    pub latency: u64,
    /// 5xx answers.
    pub server_error: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// Connections reset before processing.
    pub connection_reset: u64,
    /// Bodies cut short after processing.
    pub truncated_body: u64,
    /// Unparseable bodies after processing.
    pub malformed_body: u64,
    /// Requests served with a shifted clock.
    pub clock_skew: u64,
    /// Answers dropped after processing.
    pub drop_after_commit: u64,
    /// Money-moving requests held and committed late.
    pub late_commit: u64,
}

impl FaultCounts {
    /// All faults together.
    pub fn total(&self) -> u64 {
        self.latency
            + self.server_error
            + self.rate_limited
            + self.connection_reset
            + self.truncated_body
            + self.malformed_body
            + self.clock_skew
            + self.drop_after_commit
            + self.late_commit
    }

    fn bump(&mut self, kind: FaultKind) {
        let c = match kind {
            FaultKind::Latency { .. } => &mut self.latency,
            FaultKind::ServerError { .. } => &mut self.server_error,
            FaultKind::RateLimited { .. } => &mut self.rate_limited,
            FaultKind::ConnectionReset => &mut self.connection_reset,
            FaultKind::TruncatedBody => &mut self.truncated_body,
            FaultKind::MalformedBody => &mut self.malformed_body,
            FaultKind::ClockSkew { .. } => &mut self.clock_skew,
            FaultKind::DropAfterCommit => &mut self.drop_after_commit,
            FaultKind::LateCommit { .. } => &mut self.late_commit,
        };
        *c += 1;
    }

    /// The counts as admin-API JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "latency": self.latency, "server_error": self.server_error, "rate_limited": self.rate_limited,
            "connection_reset": self.connection_reset, "truncated_body": self.truncated_body,
            "malformed_body": self.malformed_body, "clock_skew": self.clock_skew,
            "drop_after_commit": self.drop_after_commit, "late_commit": self.late_commit, "total": self.total(),
        })
    }
}

/// One injected fault, for the fault log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultEvent {
    /// The operation.
    pub operation: Operation,
    /// Which request of that operation (1-based).
    pub request_number: u64,
    /// The fault's kind name.
    pub kind: &'static str,
}

/// What happens to one request.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    pub(crate) latency_ms: u64,
    pub(crate) clock_skew_ms: i64,
    /// A fault that replaces processing (5xx, 429, reset) or hits the answer after processing.
    pub(crate) decisive: Option<FaultKind>,
    /// For a late commit: the delay drawn for this request.
    pub(crate) late_commit_ms: u64,
}

/// The most recent fault events kept.
const LOG_LIMIT: usize = 10_000;

/// The rules, per-operation counters, counts and log.
#[derive(Debug)]
pub(crate) struct FaultEngine {
    seed: u64,
    rules: Vec<FaultRule>,
    counters: HashMap<Operation, u64>,
    counts: FaultCounts,
    log: Vec<FaultEvent>,
}

impl FaultEngine {
    pub(crate) fn new(seed: u64, rules: Vec<FaultRule>) -> Self {
        FaultEngine { seed, rules, counters: HashMap::new(), counts: FaultCounts::default(), log: Vec::new() }
    }

    pub(crate) fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    /// Replaces the rules and restarts the counters, so a rule set always plays the same sequence.
    pub(crate) fn set_rules(&mut self, rules: Vec<FaultRule>) {
        self.rules = rules;
        self.counters.clear();
    }

    pub(crate) fn counts(&self) -> FaultCounts {
        self.counts
    }

    pub(crate) fn log(&self) -> Vec<FaultEvent> {
        self.log.clone()
    }

    /// Forgets counters, counts and the log (rules stay).
    pub(crate) fn reset_counters(&mut self) {
        self.counters.clear();
        self.counts = FaultCounts::default();
        self.log.clear();
    }

    /// Decides the faults for the next request of `op`. Rules are evaluated in order; latency and clock skew add up;
    /// the first decisive fault that fires wins and later decisive ones are not drawn as injected.
    pub(crate) fn plan(&mut self, op: Operation) -> FaultPlan {
        let counter = self.counters.entry(op).or_insert(0);
        *counter += 1;
        let n = *counter;
        let mut plan = FaultPlan::default();
        for (i, rule) in self.rules.iter().enumerate() {
            if !rule.route.matches(op) || (matches!(rule.kind, FaultKind::LateCommit { .. }) && !op.moves_money()) {
                continue;
            }
            let fires = match rule.trigger {
                Trigger::EveryNth(k) => k > 0 && n.is_multiple_of(k),
                Trigger::Probability(p) => {
                    let draw = derive(self.seed, op.name(), n.wrapping_mul(64).wrapping_add(i as u64));
                    ((draw >> 11) as f64 / (1u64 << 53) as f64) < p
                }
            };
            if !fires {
                continue;
            }
            match rule.kind {
                FaultKind::Latency { ms } => plan.latency_ms = plan.latency_ms.saturating_add(ms),
                FaultKind::ClockSkew { offset_ms } => plan.clock_skew_ms = plan.clock_skew_ms.saturating_add(offset_ms),
                FaultKind::LateCommit { min_ms, max_ms } if plan.decisive.is_none() => {
                    plan.decisive = Some(rule.kind);
                    let span = (max_ms - min_ms).saturating_add(1);
                    let draw = derive(self.seed, &format!("late_commit:{}:{i}", op.name()), n);
                    plan.late_commit_ms = min_ms + draw % span;
                }
                kind if plan.decisive.is_none() => plan.decisive = Some(kind),
                _ => continue,
            }
            self.counts.bump(rule.kind);
            if self.log.len() >= LOG_LIMIT {
                self.log.remove(0);
            }
            self.log.push(FaultEvent { operation: op, request_number: n, kind: rule.kind.name() });
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_round_trip_through_json() {
        let rules = [
            FaultRule::new(RouteSelector::All, FaultKind::Latency { ms: 5 }, Trigger::Probability(0.25)),
            FaultRule::new(
                RouteSelector::Provider(Provider::Paytm),
                FaultKind::ServerError { status: 503 },
                Trigger::EveryNth(3),
            ),
            FaultRule::new(
                RouteSelector::Operation(Operation::EkoInitiateRefund),
                FaultKind::ClockSkew { offset_ms: -60_000 },
                Trigger::EveryNth(1),
            ),
            FaultRule::new(RouteSelector::All, FaultKind::RateLimited { retry_after_secs: 7 }, Trigger::EveryNth(2)),
        ];
        for r in rules {
            assert_eq!(FaultRule::from_json(&r.to_json()), Ok(r));
        }
        assert!(FaultRule::from_json(&json!({"kind": "nope"})).is_err());
        assert!(FaultRule::from_json(&json!({"kind": "server_error", "status": 404})).is_err());
        assert!(FaultRule::from_json(&json!({"kind": "latency", "route": "x.y"})).is_err());
        assert!(FaultRule::from_json(&json!({"kind": "latency", "probability": 2})).is_err());
    }

    #[test]
    fn every_nth_and_probability_are_deterministic() {
        let rules = vec![
            FaultRule::new(RouteSelector::All, FaultKind::ConnectionReset, Trigger::EveryNth(3)),
            FaultRule::new(RouteSelector::All, FaultKind::ServerError { status: 500 }, Trigger::Probability(0.5)),
        ];
        let run = |seed| {
            let mut e = FaultEngine::new(seed, rules.clone());
            (0..200).map(|_| e.plan(Operation::EkoInquiry).decisive.map(FaultKind::name)).collect::<Vec<_>>()
        };
        let a = run(1);
        assert_eq!(a, run(1));
        assert_ne!(a, run(2));
        assert_eq!(a[2], Some("connection_reset"));
        let errors = a.iter().filter(|k| **k == Some("server_error")).count();
        assert!((50..=90).contains(&errors), "{errors}");
    }
}

/// Parses a fault list: either a JSON array of admin-API rules, or the short form `kind[:probability][@route],...`
/// (e.g. `drop_after_commit:0.1@eko.initiate_refund,server_error:0.05`). A rule without a probability fires on
/// every matching request. `late_commit` takes its delay first: `late_commit:DELAY[:probability][@route]` with
/// `DELAY` in milliseconds, fixed (`late_commit:2500`) or a seeded uniform range (`late_commit:500-5000`).
pub fn parse_fault_spec(spec: &str) -> Result<Vec<FaultRule>, String> {
    if spec.trim_start().starts_with('[') {
        let v: Value = serde_json::from_str(spec).map_err(|e| format!("faults: not JSON: {e}"))?;
        return v.as_array().ok_or("faults: expected a JSON array")?.iter().map(FaultRule::from_json).collect();
    }
    spec.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|item| {
            let item = item.trim();
            let (rest, route) = item.split_once('@').unwrap_or((item, "*"));
            let (kind, mut probability) = rest.split_once(':').map_or((rest, None), |(k, p)| (k, Some(p)));
            let mut v = json!({ "kind": kind, "route": route });
            if kind == "late_commit" {
                let Some(args) = probability else {
                    return Err(format!("faults `{item}`: late_commit needs a delay, e.g. late_commit:2500"));
                };
                let (delay, p) = args.split_once(':').map_or((args, None), |(d, p)| (d, Some(p)));
                v["delay_ms"] = Value::String(delay.to_string());
                probability = p;
            }
            if let Some(p) = probability {
                v["probability"] = Value::String(p.to_string());
            }
            FaultRule::from_json(&v).map_err(|e| format!("faults `{item}`: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod spec_tests {
    use super::*;

    #[test]
    fn short_and_json_fault_specs() {
        let rules = parse_fault_spec("drop_after_commit:0.25@eko.initiate_refund, server_error").unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].kind, FaultKind::DropAfterCommit);
        assert_eq!(rules[0].route, RouteSelector::Operation(Operation::EkoInitiateRefund));
        assert_eq!(rules[0].trigger, Trigger::Probability(0.25));
        assert_eq!(rules[1].trigger, Trigger::EveryNth(1));
        assert!(parse_fault_spec("nope").is_err());
        assert!(parse_fault_spec("latency:2").is_err());
        assert!(parse_fault_spec("latency@nowhere").is_err());
        let json = parse_fault_spec(r#"[{"kind":"latency","ms":5,"every_nth":2}]"#).unwrap();
        assert_eq!(json[0].kind, FaultKind::Latency { ms: 5 });
        assert_eq!(parse_fault_spec("").unwrap(), vec![]);
    }
}

#[cfg(test)]
mod late_commit_tests {
    use super::*;

    #[test]
    fn delays_are_drawn_from_the_seed_within_the_range_and_only_for_money_moving_operations() {
        let rule = FaultRule::new(
            RouteSelector::All,
            FaultKind::LateCommit { min_ms: 500, max_ms: 5000 },
            Trigger::EveryNth(1),
        );
        let draws = |seed| {
            let mut e = FaultEngine::new(seed, vec![rule]);
            (0..500).map(|_| e.plan(Operation::PaytmRefundApply).late_commit_ms).collect::<Vec<_>>()
        };
        let a = draws(9);
        assert_eq!(a, draws(9));
        assert_ne!(a, draws(10));
        assert!(a.iter().all(|d| (500..=5000).contains(d)));
        assert!(a.iter().any(|d| *d < 1500) && a.iter().any(|d| *d > 4000), "spread over the range");
        let mut e = FaultEngine::new(1, vec![rule]);
        for op in Operation::ALL {
            let plan = e.plan(op);
            assert_eq!(plan.decisive.is_some(), op.moves_money(), "{op:?}");
        }
        assert_eq!(e.counts().late_commit, 3);
        let fixed =
            FaultRule::new(RouteSelector::All, FaultKind::LateCommit { min_ms: 7, max_ms: 7 }, Trigger::EveryNth(1));
        assert_eq!(FaultEngine::new(1, vec![fixed]).plan(Operation::Upi360Refund).late_commit_ms, 7);
    }
}
