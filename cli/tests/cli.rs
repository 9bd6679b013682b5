//! End-to-end tests of the `refundkit` binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn refundkit(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_refundkit"))
        .args(args)
        .env_remove("REFUNDKIT_EKO_ACCESS_KEY")
        .env_remove("REFUNDKIT_EKO_DEVELOPER_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn sign_prints_eko_golden_vector() {
    let o =
        refundkit(&["eko", "sign", "--access-key", "TEST_ACCESS_KEY_DO_NOT_USE", "--timestamp", "1700000000000"], None);
    assert!(o.status.success());
    assert_eq!(stdout(&o), "u30ak/iOGwKCaspqCeiYng8fd98QDx7kF3DBBOadQHk=\n");
}

#[test]
fn build_refund_prints_the_exact_signed_request() {
    let o = refundkit(
        &["eko", "build", "refund", "--tid", "13192443", "--otp", "123456", "--timestamp", "1700000000000"],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        stdout(&o),
        "POST https://staging.eko.in/ekoapi/v3/customer/payment/refund/13192443\n\
         developer_key: becbbce45f79c6f5109f848acd540567\n\
         secret-key: qIir8tILHtqxO1Mu3/fC3pVElIa0oIxXMRDUP0463Bc=\n\
         secret-key-timestamp: 1700000000000\n\
         content-type: application/json\n\n\
         {\"initiator_id\":\"9962981729\",\"user_code\":\"20810200\",\"otp\":123456,\"service_code\":80,\"state\":1}\n"
    );
}

#[test]
fn build_as_curl_quotes_every_part() {
    let o = refundkit(
        &["eko", "build", "inquiry", "--client-ref-id", "ORD-1", "--timestamp", "1700000000000", "--format", "curl"],
        None,
    );
    let out = stdout(&o);
    assert!(
        out.starts_with(
            "curl -X GET 'https://staging.eko.in/ekoapi/v3/tools/reference/transaction/client_ref_id:ORD-1?"
        ),
        "{out}"
    );
    assert!(out.contains("-H 'secret-key: qIir8tILHtqxO1Mu3/fC3pVElIa0oIxXMRDUP0463Bc='"), "{out}");
}

#[test]
fn bad_input_names_the_field_and_exits_2() {
    let o = refundkit(&["eko", "build", "refund", "--tid", "13192443", "--otp", "12a"], None);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("invalid otp"), "{err}");
    assert!(!err.contains("12a"), "errors must not echo the OTP: {err}");
}

#[test]
fn interpret_reads_the_body_from_stdin() {
    let o = refundkit(&["eko", "interpret", "refund", "--http-status", "504"], Some("Gateway Timeout"));
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("status: indeterminate") && out.contains("next step: inquire"), "{out}");
    let o = refundkit(
        &["eko", "interpret", "otp"],
        Some(r#"{"status":2133,"response_type_id":2133,"data":{"otp_ref_id":"R1"}}"#),
    );
    assert!(stdout(&o).contains("otp_ref_id: R1"));
}

#[test]
fn demo_walks_through_a_refund_without_secrets_in_errors() {
    let o = refundkit(&["demo"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(out.contains("status: indeterminate") && out.contains("next step: inquire"));
    assert!(out.contains("status: succeeded"));
    assert!(out.contains("parsed exactly: ₹2222637312.86"), "{out}");
}

#[test]
fn unknown_command_prints_usage() {
    let o = refundkit(&["nope"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("usage:"));
}
