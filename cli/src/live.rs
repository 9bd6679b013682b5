//! `refundkit demo` (full refunds through each provider against the embedded sandbox) and `refundkit sandbox`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use refundkit::client::{ClientOptions, Report, RetryPolicy, Transport, TransportError};
use refundkit::eko::{EkoConfig, EkoRefunds, RefundRequest};
use refundkit::paytm::{PaytmConfig, PaytmRefunds, RefundApply};
use refundkit::upi360::{
    PlainStrategy, RefundRequest as UpiRefund, RefundType, ResponseVerification, SigningMode, Upi360Config,
    Upi360Refunds,
};
use refundkit::{HttpRequest, HttpResponse, Money, Secret};
use refundkit_sandbox::{FaultKind, FaultRule, Operation, RouteSelector, Sandbox, SandboxConfig, Trigger};

/// Prints every request and answer in plain words, then hands the request to the real transport.
struct Narrator {
    inner: Arc<dyn Transport>,
}

/// Masks the values of JSON members that must never be shown: OTPs, and signatures (not secrets themselves, but
/// nothing a log or a screen needs; refundkit's own logs never carry them either). Every occurrence is masked.
fn mask(body: &str) -> String {
    let mut out = body.to_string();
    for key in ["\"otp\":", "\"signature\":"] {
        let mut at = 0;
        while let Some(found) = out[at..].find(key) {
            let from = at + found + key.len();
            let end = out[from..].find([',', '}']).map_or(out.len(), |i| from + i);
            out.replace_range(from..end, "\"••••••\"");
            at = from;
        }
    }
    out
}

fn short(text: &str) -> String {
    let t = text.trim();
    if t.chars().count() > 220 {
        format!("{}…", t.chars().take(220).collect::<String>())
    } else {
        t.to_string()
    }
}

#[async_trait::async_trait]
impl Transport for Narrator {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request.url.split_once("://").map_or(request.url.as_str(), |(_, r)| r);
        let path = path.find('/').map_or("/", |i| &path[i..]);
        println!("   → sent     {} {}", request.method, path);
        if !request.body.is_empty() {
            println!("              {}", short(&mask(request.body_text())));
        }
        let answer = self.inner.send(request).await;
        match &answer {
            Ok(r) => println!("   ← received HTTP {} {}", r.status, short(&mask(&String::from_utf8_lossy(&r.body)))),
            Err(e) => println!("   ← received nothing: {}", e.message),
        }
        answer
    }
}

fn conclude(report: &Report) {
    let o = &report.outcome;
    println!(
        "   = refundkit concluded: {} ({}), next step: {}; {} request(s), money-moving request sent {} time(s){}",
        o.status.as_str(),
        o.reason.as_str(),
        o.next_step.as_str(),
        report.attempts,
        report.money_moving_sends,
        if report.resolved_by_inquiry { ", settled by inquiry" } else { "" }
    );
}

fn options(transport: Arc<dyn Transport>) -> Result<ClientOptions, String> {
    let policy = RetryPolicy {
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(400),
        ..RetryPolicy::default()
    };
    let builtin = ClientOptions::builtin().map_err(|e| e.to_string())?;
    Ok(ClientOptions::new(Arc::new(Narrator { inner: transport }), builtin.sleeper).policy(policy))
}

/// The main job: one refund through each provider, with the built-in clients, against the embedded sandbox.
pub(crate) fn demo() -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(demo_async())
}

async fn demo_async() -> Result<(), String> {
    let sandbox =
        Sandbox::start(SandboxConfig { seed: 1, ..SandboxConfig::default() }).await.map_err(|e| e.to_string())?;
    let transport: Arc<dyn Transport> =
        Arc::new(refundkit::client::ReqwestTransport::new(Default::default()).map_err(|e| e.to_string())?);
    println!("refundkit demo: three refunds through refundkit's built-in clients, against the embedded sandbox at");
    println!("{} (Eko, Paytm and UPI Refund 360 on their real paths, with their authentication).", sandbox.base_url());
    println!("Every request is signed by refundkit; every answer is interpreted into one outcome.\n");

    // --- Eko -----------------------------------------------------------------------------------------------------
    let creds = &sandbox.config().eko;
    let mut eko_config = EkoConfig::new(
        sandbox.eko_base_url(),
        creds.developer_key.clone(),
        creds.access_key.clone(),
        creds.initiator_id.clone(),
        creds.user_code.clone(),
    );
    eko_config.base_url = sandbox.eko_base_url();
    let eko = EkoRefunds::new(eko_config, options(transport.clone())?).map_err(|e| e.to_string())?;
    let tx = sandbox.create_eko_transaction(50_000, None).map_err(|e| e.to_string())?;
    println!("1. Eko: the customer's ₹500.00 cash-to-digital transfer {} failed; the agent refunds the cash.", tx.tid);
    println!(" a. Ask Eko to text the customer a refund OTP:");
    let otp_report = eko.send_refund_otp(&tx.tid).await.map_err(|e| e.to_string())?;
    conclude(&otp_report);
    let otp = sandbox.otp_for(&tx.tid).ok_or("the sandbox sent no OTP")?;
    let otp_ref_id = otp_report.outcome.otp.as_ref().and_then(|o| o.otp_ref_id.clone());
    println!(" b. The customer reads out the OTP. Refund — and the sandbox commits it, then drops the answer:");
    sandbox.set_faults(vec![FaultRule::new(
        RouteSelector::Operation(Operation::EkoInitiateRefund),
        FaultKind::DropAfterCommit,
        Trigger::EveryNth(1),
    )]);
    let mut request = RefundRequest::new(tx.tid.clone(), otp);
    request.otp_ref_id = otp_ref_id;
    let report = eko.refund(&request).await.map_err(|e| e.to_string())?;
    sandbox.clear_faults();
    conclude(&report);
    println!(
        "   (no answer: refundkit did not send the refund again; it inquired about {} and found it refunded)",
        tx.tid
    );

    // --- Paytm ---------------------------------------------------------------------------------------------------
    let p = &sandbox.config().paytm;
    let mut paytm_config = PaytmConfig::staging(p.mid.clone(), p.merchant_key.clone());
    paytm_config.base_url = sandbox.base_url();
    let paytm = PaytmRefunds::new(paytm_config, options(transport.clone())?).map_err(|e| e.to_string())?;
    let order = sandbox.create_paytm_order(25_000).map_err(|e| e.to_string())?;
    println!("\n2. Paytm: refund ₹150.00 of order {} (₹250.00) under refId DEMO-REFUND-1:", order.order_id);
    let mut apply = RefundApply::new(order.order_id, "DEMO-REFUND-1", order.txn_id, Money::from_paise(15_000));
    apply.original_amount = Some(Money::from_paise(25_000));
    let report = paytm.refund(&apply).await.map_err(|e| e.to_string())?;
    conclude(&report);
    println!(
        "   (Paytm accepted it as PENDING 601; refundkit polled Refund Status with the same refId until it succeeded)"
    );

    // --- UPI Refund 360 ------------------------------------------------------------------------------------------
    let u = &sandbox.config().upi360;
    let upi_config = Upi360Config::new(
        sandbox.base_url(),
        "n2",
        u.merchant_id.clone(),
        u.merchant_channel_id.clone(),
        SigningMode::Plain(PlainStrategy::RsaPssSha256 {
            private_key_pem: Secret::new(refundkit_sandbox::TEST_MERCHANT_PRIVATE_KEY_PEM),
        }),
        ResponseVerification::verify(refundkit_sandbox::TEST_PSP_PUBLIC_KEY_PEM),
    );
    let upi = Upi360Refunds::new(upi_config, options(transport.clone())?).map_err(|e| e.to_string())?;
    let original = sandbox.create_upi_transaction(10_000).map_err(|e| e.to_string())?;
    println!("\n3. UPI Refund 360: refund ₹100.00 of UPI payment {}:", original.original_merchant_request_id);
    let refund = UpiRefund::new("DEMOUPIREFUND1", Money::from_paise(10_000), RefundType::Online, "Customer refund")
        .original_merchant_request_id(original.original_merchant_request_id)
        .merchant_refund_vpa("refunds@parentbank");
    let report = upi.refund(&refund).await.map_err(|e| e.to_string())?;
    conclude(&report);
    println!("   (PENDING/DEEMED are not failures: refundkit re-queried the same refundRequestId, never a new refund)");

    // --- The ledger ----------------------------------------------------------------------------------------------
    println!("\nThe sandbox's ledger (what actually moved):");
    for e in sandbox.ledger() {
        println!(
            "   {:<7} {:<22} {:>10}  {:<8} money moved {}×",
            e.provider.as_str(),
            e.reference,
            Money::from_paise(e.amount_paise).to_string(),
            e.state.as_str(),
            e.money_moved
        );
    }
    sandbox.shutdown().await;
    Ok(())
}

/// `refundkit sandbox`: runs the simulator in the foreground until interrupted.
pub(crate) fn sandbox(opts: &HashMap<&str, &str>) -> Result<(), String> {
    let port = match opts.get("port") {
        Some(p) => p.parse::<u16>().map_err(|_| "--port must be 0 to 65535")?,
        None => 8480,
    };
    let seed = match opts.get("seed") {
        Some(s) => s.parse::<u64>().map_err(|_| "--seed must be a whole number")?,
        None => 0,
    };
    let faults = match opts.get("faults") {
        Some(spec) => refundkit_sandbox::parse_fault_spec(spec)?,
        None => Vec::new(),
    };
    let config = SandboxConfig { port, seed, faults, ..SandboxConfig::default() };
    let handle = refundkit_sandbox::SandboxHandle::spawn(config).map_err(|e| e.to_string())?;
    println!("refundkit sandbox listening on {}", handle.base_url());
    println!("{}", handle.credentials());
    println!("admin API: {}/__sandbox/  (ledger, otp/TID, faults, fixtures, reset)", handle.base_url());
    println!("press Ctrl-C to stop");
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otps_and_signatures_are_masked() {
        assert_eq!(mask(r#"{"otp":123456,"x":1}"#), r#"{"otp":"••••••","x":1}"#);
        assert_eq!(mask(r#"{"a":1,"otp":"0123"}"#), r#"{"a":1,"otp":"••••••"}"#);
        assert_eq!(
            mask(r#"{"head":{"signature":"c2ln+/=="},"body":{"otp":"1","x":{"signature":"YWI="}}}"#),
            r#"{"head":{"signature":"••••••"},"body":{"otp":"••••••","x":{"signature":"••••••"}}}"#
        );
        assert_eq!(mask(r#"{"otp_ref_id":"abc"}"#), r#"{"otp_ref_id":"abc"}"#);
    }
}
