//! Each refund client against a local server: the embedded sandbox.
//!
//! ```sh
//! cargo run -p refundkit-sandbox --example refund_clients
//! ```
//!
//! Point the same code at the providers' hosts (and real credentials) and nothing else changes.

use refundkit::client::{ClientOptions, MemoryAttemptStore};
use refundkit::eko::{EkoConfig, EkoRefunds, RefundRequest};
use refundkit::paytm::{PaytmConfig, PaytmRefunds, RefundApply};
use refundkit::upi360::{
    PlainStrategy, RefundRequest as UpiRefund, RefundType, ResponseVerification, SigningMode, Upi360Config,
    Upi360Refunds,
};
use refundkit::{Money, Secret};
use refundkit_sandbox::{Sandbox, SandboxConfig, TEST_MERCHANT_PRIVATE_KEY_PEM, TEST_PSP_PUBLIC_KEY_PEM};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start(SandboxConfig::default()).await?;
    let store = Arc::new(MemoryAttemptStore::default()); // use DirAttemptStore (or your database) in production
    let options = || ClientOptions::builtin().map(|o| o.store(store.clone()));

    // Eko: OTP, then the refund with the OTP the customer reads out.
    let mut config = EkoConfig::uat();
    config.base_url = sandbox.eko_base_url();
    let eko = EkoRefunds::new(config, options()?)?;
    let tid = sandbox.create_eko_transaction(50_000, None)?.tid;
    let otp = eko.send_refund_otp(&tid).await?;
    let mut request = RefundRequest::new(tid.clone(), sandbox.otp_for(&tid).unwrap_or_default());
    request.otp_ref_id = otp.outcome.otp.and_then(|o| o.otp_ref_id);
    let report = eko.refund(&request).await?;
    println!("eko    {tid}: {:?} after {} request(s)", report.outcome.status, report.attempts);

    // Paytm: apply, then status polls with the same refId until final.
    let p = &sandbox.config().paytm;
    let mut config = PaytmConfig::staging(p.mid.clone(), p.merchant_key.clone());
    config.base_url = sandbox.base_url();
    let paytm = PaytmRefunds::new(config, options()?)?;
    let order = sandbox.create_paytm_order(25_000)?;
    let apply = RefundApply::new(order.order_id, "EXAMPLE-REF-1", order.txn_id, Money::from_paise(10_000));
    let report = paytm.refund(&apply).await?;
    println!("paytm  EXAMPLE-REF-1: {:?} after {} request(s)", report.outcome.status, report.attempts);

    // Refund 360: refund, then status polls (PENDING / DEEMED) with the same refundRequestId.
    let u = &sandbox.config().upi360;
    let config = Upi360Config::new(
        sandbox.base_url(),
        "n2",
        u.merchant_id.clone(),
        u.merchant_channel_id.clone(),
        SigningMode::Plain(PlainStrategy::RsaPssSha256 { private_key_pem: Secret::new(TEST_MERCHANT_PRIVATE_KEY_PEM) }),
        ResponseVerification::verify(TEST_PSP_PUBLIC_KEY_PEM),
    );
    let upi = Upi360Refunds::new(config, options()?)?;
    let original = sandbox.create_upi_transaction(10_000)?;
    let refund = UpiRefund::new("EXAMPLEUPI1", Money::from_paise(10_000), RefundType::Online, "Customer refund")
        .original_merchant_request_id(original.original_merchant_request_id)
        .merchant_refund_vpa("refunds@parentbank");
    let report = upi.refund(&refund).await?;
    println!("upi360 EXAMPLEUPI1: {:?} after {} request(s)", report.outcome.status, report.attempts);

    sandbox.shutdown().await;
    Ok(())
}
