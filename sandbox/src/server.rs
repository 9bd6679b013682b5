//! The accept loop, per-connection keep-alive loop, and dispatch of a request through the fault engine to a
//! provider simulation or the admin API.

use crate::fault::{FaultKind, FaultPlan, Operation};
use crate::http::{read_request, write_response, write_truncated, Limits, ReadConfig, ReadOutcome, Request, Response};
use crate::state::{lock, Shared};
use crate::{admin, eko, paytm, upi360};
use refundkit::Provider;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What to do with the connection after a request.
enum Action {
    Respond(Response, u64),
    Truncate(Response, u64),
    Reset,
    Drop,
}

/// Which simulated operation a request is for.
fn classify(req: &Request) -> Option<Operation> {
    eko::classify(req).or_else(|| paytm::classify(req)).or_else(|| upi360::classify(req))
}

async fn dispatch(shared: &Arc<Shared>, req: &Request) -> Action {
    if req.path == "/__sandbox/commits/drain" {
        // The one admin call that waits: until every late commit has landed.
        let response = admin::drain_commits(shared, req).await;
        return Action::Respond(response, shared.now_ms(0));
    }
    if req.path == "/__sandbox" || req.path.starts_with("/__sandbox/") {
        let now = shared.now_ms(0);
        return Action::Respond(admin::handle(shared, req, now), now);
    }
    let Some(op) = classify(req) else {
        let now = shared.now_ms(0);
        let body = serde_json::json!({"message": "No mapping rule matched", "path": req.path});
        return Action::Respond(Response::value(404, &body), now);
    };
    let plan = lock(&shared.faults).plan(op);
    if plan.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(plan.latency_ms)).await;
    }
    let now = shared.now_ms(plan.clock_skew_ms);
    match plan.decisive {
        Some(FaultKind::ConnectionReset) => return Action::Reset,
        Some(FaultKind::ServerError { status }) => {
            return Action::Respond(Response::text(status, "sandbox fault: server error (request not processed)"), now)
        }
        Some(FaultKind::RateLimited { retry_after_secs }) => {
            let r = Response::text(429, "sandbox fault: rate limited (request not processed)")
                .with_header("Retry-After", retry_after_secs.to_string());
            return Action::Respond(r, now);
        }
        Some(FaultKind::LateCommit { .. }) => return late_commit(shared, op, req, &plan).await,
        _ => {}
    }
    let mut response = handle(shared, op, req, now);
    match plan.decisive {
        Some(FaultKind::TruncatedBody) => Action::Truncate(response, now),
        Some(FaultKind::DropAfterCommit) => Action::Drop,
        Some(FaultKind::MalformedBody) => {
            let keep = response.body.len() / 3;
            response.body.truncate(keep);
            response.body.extend_from_slice(b"\x00<html>sandbox fault: malformed body</html>");
            Action::Respond(response, now)
        }
        _ => Action::Respond(response, now),
    }
}

/// Hands a provider request to its simulation.
fn handle(shared: &Shared, op: Operation, req: &Request, now: u64) -> Response {
    match op.provider() {
        Provider::Eko => eko::handle(shared, op, req, now),
        Provider::Paytm => paytm::handle(shared, op, req, now),
        _ => upi360::handle(shared, op, req, now),
    }
}

/// A late commit: the request is held for the drawn delay on a task of its own, then processed (committed) and
/// answered. The task is not tied to the connection, so the commit lands even if the client has gone.
async fn late_commit(shared: &Arc<Shared>, op: Operation, req: &Request, plan: &FaultPlan) -> Action {
    // Counted and subscribed to releases before anything awaits.
    let guard = shared.commits.begin();
    let hold = shared.commits.hold(Duration::from_millis(plan.late_commit_ms));
    let (shared, req, skew) = (shared.clone(), req.clone(), plan.clock_skew_ms);
    let task = tokio::spawn(async move {
        hold.await;
        let now = shared.now_ms(skew);
        let response = handle(&shared, op, &req, now);
        drop(guard);
        (response, now)
    });
    match task.await {
        Ok((response, now)) => Action::Respond(response, now),
        Err(_) => Action::Drop,
    }
}

/// The reader's limits and timeouts, from the configuration.
fn read_config(shared: &Shared) -> ReadConfig {
    let c = &shared.config;
    ReadConfig {
        limits: Limits { max_head: c.max_head_bytes, max_body: c.max_body_bytes },
        idle_timeout: Duration::from_millis(c.idle_timeout_ms),
        request_timeout: Duration::from_millis(c.request_timeout_ms),
    }
}

/// Writes within the request timeout (a client that does not read cannot hold the task forever).
async fn write_bounded(
    stream: &mut TcpStream,
    response: &Response,
    now_ms: u64,
    keep_alive: bool,
    limit: Duration,
) -> bool {
    matches!(tokio::time::timeout(limit, write_response(stream, response, now_ms, keep_alive)).await, Ok(Ok(())))
}

/// Answers an unacceptable request and closes "lingering" (RFC 9112 §9.6): the write side first, then the rest of
/// what the client sends is read and discarded (bounded in time and bytes) so that closing with unread data does not
/// send a TCP RST that could destroy the answer before the client reads it.
async fn refuse(stream: &mut TcpStream, response: &Response, now_ms: u64, limit: Duration) {
    if !write_bounded(stream, response, now_ms, false, limit).await {
        return;
    }
    let drain = async {
        let _ = stream.shutdown().await;
        let mut scratch = vec![0u8; 16 * 1024];
        let mut total: usize = 0;
        while total < 8 * 1024 * 1024 {
            match stream.read(&mut scratch).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total = total.saturating_add(n),
            }
        }
    };
    let _ = tokio::time::timeout(limit, drain).await;
}

async fn serve_connection(shared: Arc<Shared>, mut stream: TcpStream, mut shutdown: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let config = read_config(&shared);
    let mut buf = Vec::new();
    loop {
        let outcome = tokio::select! {
            r = read_request(&mut stream, &mut buf, config) => r,
            _ = shutdown.changed() => return,
        };
        let request = match outcome {
            ReadOutcome::Request(r) => r,
            ReadOutcome::Closed | ReadOutcome::Idle => return,
            ReadOutcome::TimedOut => {
                let r = Response::text(408, "request not received in time");
                refuse(&mut stream, &r, shared.now_ms(0), config.request_timeout).await;
                return;
            }
            ReadOutcome::Failed(e) => {
                refuse(&mut stream, &e.response(), shared.now_ms(0), config.request_timeout).await;
                return;
            }
        };
        let keep_alive = request.keep_alive();
        match dispatch(&shared, &request).await {
            Action::Respond(r, now) => {
                if !write_bounded(&mut stream, &r, now, keep_alive, config.request_timeout).await || !keep_alive {
                    return;
                }
            }
            Action::Truncate(r, now) => {
                let _ = tokio::time::timeout(config.request_timeout, write_truncated(&mut stream, &r, now)).await;
                return;
            }
            Action::Reset => {
                // SO_LINGER 0: closing sends a TCP RST instead of a FIN.
                let _ = stream.set_zero_linger();
                return;
            }
            Action::Drop => return,
        }
    }
}

/// Accepts connections until `shutdown` turns true.
pub(crate) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(serve_connection(shared.clone(), stream, shutdown.clone()));
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}
