//! End-to-end tests of the `refundkit` binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn refundkit(args: &[&str], stdin: Option<&str>) -> Output {
    refundkit_env(args, stdin, &[])
}

fn refundkit_env(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_refundkit"))
        .args(args)
        .env_remove("REFUNDKIT_EKO_ACCESS_KEY")
        .env_remove("REFUNDKIT_EKO_DEVELOPER_KEY")
        .env_remove("REFUNDKIT_PAYTM_KEY")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may exit before reading stdin (a usage error): a broken pipe here is not a failure.
    let _ = child.stdin.take().unwrap().write_all(stdin.unwrap_or("").as_bytes());
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
fn offline_demo_walks_through_a_refund_without_secrets_in_errors() {
    let o = refundkit(&["demo", "offline"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(out.contains("status: indeterminate") && out.contains("next step: inquire"));
    assert!(out.contains("status: succeeded"));
    assert!(out.contains("parsed exactly: ₹2222637312.86"), "{out}");
}

/// The main job: three refunds through the built-in clients against the embedded sandbox.
#[test]
fn demo_refunds_through_each_provider_against_the_sandbox() {
    let o = refundkit(&["demo"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    // Eko: the refund's answer was dropped after commit, settled by inquiry, sent once.
    assert!(out.contains("received nothing"), "{out}");
    assert!(out.contains("succeeded (refunded), next step: nothing; 2 request(s), money-moving request sent 1 time(s), settled by inquiry"), "{out}");
    // Paytm and UPI both end succeeded.
    assert_eq!(out.matches("= refundkit concluded: succeeded").count(), 3, "{out}");
    // The ledger: three refunds, each moved money once.
    assert_eq!(out.matches("money moved 1×").count(), 3, "{out}");
    assert!(!out.contains("money moved 2"), "{out}");
    // The OTP is never printed.
    assert!(out.contains("\"otp\":\"••••••\""), "{out}");
    // Nor a signature: every "signature" member shown is masked.
    assert!(out.contains("\"signature\":\"••••••\""), "{out}");
    assert_eq!(out.matches("\"signature\":\"").count(), out.matches("\"signature\":\"••••••\"").count(), "{out}");
}

#[test]
fn unknown_command_prints_usage() {
    let o = refundkit(&["nope"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("usage:"));
}

// ---------------------------------------------------------------------------------------------------------------
// Paytm: the shared known answers V1/V2 (tests/vectors/paytm_checksum.json)

const V1_KEY: &str = "A1b2C3d4E5f6G7h8";
const V1_BODY: &str = r#"{"mid":"YOUR_MID_HERE","orderId":"YOUR_ORDER_ID_HERE"}"#;
const V1_SIG: &str =
    "ZRLX7MQ4eFb3ITQi53/f4xfFt7HEiKd/HNPszY3UHLJHtBF00MWBI4VsZG6B9xOqET0/XKBvOKVEl01TK2SLbcSQOBqcCDHKtHBaacUhK3A=";
const V2_KEY: &str = "Test&Key#12345$@";
const V2_BODY: &str = r#"{"mid":"INTEGR7769XXXXXX9383","txnType":"REFUND","orderId":"OREDRID_98765","txnId":"202005081112128XXXXXX68470101509706","refId":"REFUNDID_98765","refundAmount":"1.00"}"#;
const V2_SIG: &str =
    "UdhLKPGGK21DhC6RrCWN7IwlJab2jHyjdSPnwsPBMod04Q+AUqadsT5XOQb5o6JO2DI66MTT4ZNr+ZX/Le3fhvzoN0xgCxW3nDbxRTdlxD4=";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn paytm_sign_prints_the_known_answers() {
    let o = refundkit(&["paytm", "sign", "--key", V1_KEY, "--salt", "abcd"], Some(V1_BODY));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{V1_SIG}\n"));
    // The key from the environment (not visible in ps).
    let o = refundkit_env(&["paytm", "sign", "--salt", "Xy9Z"], Some(V2_BODY), &[("REFUNDKIT_PAYTM_KEY", V2_KEY)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{V2_SIG}\n"));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    // --key wins over the environment.
    let o = refundkit_env(
        &["paytm", "sign", "--key", V1_KEY, "--salt", "abcd"],
        Some(V1_BODY),
        &[("REFUNDKIT_PAYTM_KEY", V2_KEY)],
    );
    assert_eq!(stdout(&o), format!("{V1_SIG}\n"));
}

#[test]
fn paytm_verify_exits_0_valid_and_1_invalid() {
    let o = refundkit(&["paytm", "verify", "--key", V1_KEY, "--signature", V1_SIG], Some(V1_BODY));
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(0), "valid\n"));
    let env = [("REFUNDKIT_PAYTM_KEY", V2_KEY)];
    let o = refundkit_env(&["paytm", "verify", "--signature", V2_SIG], Some(V2_BODY), &env);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(0), "valid\n"));
    // NV2: the amount changed after signing.
    let o = refundkit_env(&["paytm", "verify", "--signature", V2_SIG], Some(&V2_BODY.replace("1.00", "2.00")), &env);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(1), "invalid\n"));
    // NV3 (wrong key), NV4 (truncated signature), a trailing newline, garbage: invalid, never an error.
    for (key, sig, body) in [
        ("A1b2C3d4E5f6G7h9", V1_SIG, V1_BODY),
        (V1_KEY, "ZRLX7MQ4eFb3ITQi53/f4xfFt7HEiKd/HNPszY3UHLJH", V1_BODY),
        (V1_KEY, V1_SIG, &format!("{V1_BODY}\n")),
        (V1_KEY, "not base64!", V1_BODY),
    ] {
        let o = refundkit(&["paytm", "verify", "--key", key, "--signature", sig], Some(body));
        assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(1), "invalid\n"), "{sig} {body:?}");
    }
}

#[test]
fn paytm_sign_without_salt_is_random_and_verifies() {
    let env = [("REFUNDKIT_PAYTM_KEY", V2_KEY)];
    let a = stdout(&refundkit_env(&["paytm", "sign"], Some(V2_BODY), &env));
    let b = stdout(&refundkit_env(&["paytm", "sign"], Some(V2_BODY), &env));
    assert_eq!(a.trim_end().len(), 108, "{a}");
    assert_ne!(a, b);
    let o = refundkit_env(&["paytm", "verify", "--signature", a.trim_end()], Some(V2_BODY), &env);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn paytm_bad_keys_and_salts_exit_2_without_echoing_the_key() {
    for key in ["Test&Key#12345$@X", "Test&Key#12345$"] {
        for args in [vec!["paytm", "sign", "--key", key], vec!["paytm", "verify", "--key", key, "--signature", V2_SIG]]
        {
            let o = refundkit(&args, Some(V2_BODY));
            assert_eq!(o.status.code(), Some(2));
            let err = stderr(&o);
            assert!(err.contains("merchant_key"), "{err}");
            assert!(!err.contains(key) && !stdout(&o).contains(key), "{err}");
        }
    }
    let o = refundkit(&["paytm", "sign"], Some(V1_BODY));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("REFUNDKIT_PAYTM_KEY"), "{}", stderr(&o));
    let o = refundkit(&["paytm", "sign", "--key", V1_KEY, "--salt", "abc"], Some(V1_BODY));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("invalid salt"), "{}", stderr(&o));
    let o = refundkit(&["paytm", "verify", "--key", V1_KEY], Some(V1_BODY));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--signature"), "{}", stderr(&o));
    let o = refundkit(&["paytm", "nope", "--key", V1_KEY], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("usage:"));
}

#[test]
fn paytm_signs_the_exact_bytes_and_points_out_a_trailing_newline() {
    let o = refundkit(&["paytm", "sign", "--key", V1_KEY, "--salt", "abcd"], Some(&format!("{V1_BODY}\n")));
    assert!(o.status.success());
    assert_ne!(stdout(&o), format!("{V1_SIG}\n"));
    assert!(stderr(&o).contains("newline"), "{}", stderr(&o));
}

#[test]
fn usage_mentions_paytm() {
    let o = refundkit(&["--help"], None);
    let out = stdout(&o);
    assert!(out.contains("refundkit paytm sign") && out.contains("REFUNDKIT_PAYTM_KEY"), "{out}");
}

// ---------------------------------------------------------------------------------------------------------------
// `refundkit settle`

mod settle {
    use super::*;
    use refundkit::client::{AttemptStore, ClientOptions, DirAttemptStore, RetryPolicy};
    use refundkit::paytm::{PaytmConfig, PaytmRefunds, RefundApply};
    use refundkit::Money;
    use refundkit_sandbox::{
        FaultKind, FaultRule, Operation, RouteSelector, Sandbox, SandboxConfig, Trigger, DEFAULT_PAYTM_MERCHANT_KEY,
        DEFAULT_PAYTM_MID,
    };
    use std::sync::Arc;
    use std::time::Duration;

    fn every(op: Operation, kind: FaultKind) -> FaultRule {
        FaultRule::new(RouteSelector::Operation(op), kind, Trigger::EveryNth(1))
    }

    /// `n` Paytm refunds whose answers were lost after the provider committed them and whose status polls all failed:
    /// their records stay in `dir`, unresolved. Returns the sandbox (still running) and the refIds.
    fn backlog(rt: &tokio::runtime::Runtime, dir: &std::path::Path, n: usize) -> (Sandbox, Vec<String>) {
        rt.block_on(async {
            let config = SandboxConfig { polls_until_success: 1, ..SandboxConfig::default() };
            let sandbox = Sandbox::start(config).await.unwrap();
            sandbox.set_faults(vec![
                every(Operation::PaytmRefundApply, FaultKind::DropAfterCommit),
                every(Operation::PaytmRefundStatus, FaultKind::ServerError { status: 503 }),
            ]);
            let mut config = PaytmConfig::staging(DEFAULT_PAYTM_MID, DEFAULT_PAYTM_MERCHANT_KEY);
            config.base_url = sandbox.base_url();
            let policy = RetryPolicy {
                max_attempts: 1,
                max_polls: 1,
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(2),
                ..RetryPolicy::default()
            };
            let store = Arc::new(DirAttemptStore::new(dir).unwrap());
            let options = ClientOptions::builtin().unwrap().policy(policy).store(store.clone());
            let paytm = PaytmRefunds::new(config, options).unwrap();
            let mut refs = Vec::new();
            for i in 0..n {
                let order = sandbox.create_paytm_order(1_000 + i as i64).unwrap();
                let reference = format!("SETTLE-{i}");
                let apply =
                    RefundApply::new(order.order_id, &reference, order.txn_id, Money::from_paise(1_000 + i as i64));
                let report = paytm.refund(&apply).await.unwrap();
                assert!(!report.outcome.is_final(), "the answer was lost and every status failed: {report:?}");
                refs.push(reference);
            }
            assert_eq!(store.unresolved().await.unwrap().len(), n);
            sandbox.clear_faults();
            (sandbox, refs)
        })
    }

    fn paytm_env(sandbox: &Sandbox) -> Vec<(&'static str, String)> {
        vec![
            ("REFUNDKIT_PAYTM_KEY", DEFAULT_PAYTM_MERCHANT_KEY.to_string()),
            ("REFUNDKIT_PAYTM_MID", DEFAULT_PAYTM_MID.to_string()),
            ("REFUNDKIT_PAYTM_BASE_URL", sandbox.base_url()),
        ]
    }

    fn run(args: &[&str], env: &[(&'static str, String)]) -> Output {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        refundkit_env(args, None, &env)
    }

    #[test]
    fn settle_resolves_a_directory_backlog_by_status_without_refunding_again() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let dir = tempdir("settle-dir");
        let (sandbox, refs) = backlog(&rt, &dir, 12);
        let applies_before = sandbox.ledger().len();
        let o = run(&["settle", "--store", dir.to_str().unwrap(), "--concurrency", "4"], &paytm_env(&sandbox));
        let out = stdout(&o);
        assert!(o.status.success(), "{out}\n{}", String::from_utf8_lossy(&o.stderr));
        assert!(out.starts_with("12 unresolved record(s)"), "{out}");
        assert!(out.contains("settled: 12 final, 0 still open, 0 not settled; by status: succeeded 12"), "{out}");
        // Progress went to stderr (not a terminal here: a line per tenth), ending at the total.
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("paytm: 12/12 settled"), "{err}");
        // Each refund moved money once: settle only asked.
        let ledger = sandbox.ledger();
        assert_eq!(ledger.len(), applies_before);
        for r in &refs {
            assert_eq!(ledger.iter().filter(|e| &e.reference == r).count(), 1, "{r}: {ledger:?}");
        }
        // Nothing is left to settle: a second run finds no unresolved record.
        let again = run(&["settle", "--store", dir.to_str().unwrap()], &paytm_env(&sandbox));
        assert!(again.status.success());
        assert!(stdout(&again).starts_with("0 unresolved record(s)"), "{}", stdout(&again));
    }

    #[test]
    fn settle_keeps_records_it_cannot_prove_and_exits_3() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let dir = tempdir("settle-open");
        let (sandbox, _) = backlog(&rt, &dir, 3);
        // Status keeps failing: nothing is proven, every record stays.
        sandbox.set_faults(vec![every(Operation::PaytmRefundStatus, FaultKind::ServerError { status: 503 })]);
        let o = run(&["settle", "--store", dir.to_str().unwrap()], &paytm_env(&sandbox));
        assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
        assert!(stdout(&o).contains("settled: 0 final, 3 still open"), "{}", stdout(&o));
        let left = rt.block_on(DirAttemptStore::new(&dir).unwrap().unresolved()).unwrap();
        assert_eq!(left.len(), 3);
        // Without Paytm credentials the records are skipped, not touched.
        let o = run(&["settle", "--store", dir.to_str().unwrap()], &[]);
        assert_eq!(o.status.code(), Some(3));
        assert!(stdout(&o).contains("paytm: 3 record(s) skipped: no credentials"), "{}", stdout(&o));
    }

    #[test]
    fn settle_rejects_bad_options_naming_them() {
        for (args, needle) in [
            (vec!["settle"], "--store is required"),
            (vec!["settle", "--store", "/nonexistent/refundkit"], "not a directory"),
            (vec!["settle", "--store", "/tmp", "--concurrency", "0"], "--concurrency"),
            (vec!["settle", "--store", "/tmp", "--rate", "-1"], "--rate"),
            (vec!["settle", "--store", "/tmp", "--provider", "stripe"], "--provider stripe"),
        ] {
            let o = refundkit(&args, None);
            assert_eq!(o.status.code(), Some(2), "{args:?}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }

    fn tempdir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("refundkit-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
