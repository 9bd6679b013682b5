//! `refundkit`: sign, build and interpret provider refund requests from the command line.
//!
//! ```text
//! refundkit demo                                    refunds through Eko, Paytm and UPI against the embedded sandbox
//! refundkit demo offline                            an Eko refund signed and interpreted step by step, no network
//! refundkit sandbox [--port P] [--seed N] [--faults SPEC]   run the provider simulator in the foreground
//! refundkit eko sign --timestamp MS [--access-key K]
//! refundkit eko build otp --tid TID
//! refundkit eko build refund --tid TID --otp OTP [--otp-ref-id REF]
//! refundkit eko build inquiry (--tid TID | --client-ref-id REF)
//! refundkit eko build pending --customer-mobile MOBILE
//! refundkit eko interpret (otp|refund|inquiry|pending) [--http-status N]   (response body on stdin)
//! refundkit paytm sign [--key K] [--salt S]                     (body on stdin; prints the PaytmChecksum)
//! refundkit paytm verify [--key K] --signature SIG              (body on stdin; exit 0 valid, 1 invalid)
//! refundkit settle --store STORE [--provider P] [--concurrency N] [--rate R] [--owner ID]
//! ```
//!
//! Eko credentials default to Eko's published UAT values. Keys are best passed in the environment
//! (`REFUNDKIT_EKO_ACCESS_KEY`, `REFUNDKIT_EKO_DEVELOPER_KEY`, `REFUNDKIT_PAYTM_KEY`): command-line arguments are
//! visible to other users of the machine.

mod live;
mod settle;

use std::collections::HashMap;
use std::io::Read;
use std::process::ExitCode;

use refundkit::eko::{self, ApiFlavour, Eko, EkoConfig, Operation, RefundRequest, TransactionRef};
use refundkit::paytm::checksum;
use refundkit::{Clock, FixedClock, HttpRequest, HttpResponse, OsRandom, Outcome, Secret, SystemClock};

const USAGE: &str = "usage:
  refundkit demo                 three refunds through the built-in clients against the embedded sandbox
  refundkit demo offline         an Eko refund, signed and interpreted step by step (no network at all)
  refundkit sandbox [--port P (default 8480; 0 = any)] [--seed N] [--faults SPEC]
        SPEC: kind[:probability][@route],...  kinds latency, server_error, rate_limited, connection_reset,
        truncated_body, malformed_body, clock_skew, drop_after_commit, and late_commit:DELAY[:probability][@route]
        (hold a money-moving request DELAY ms, e.g. 2500 or a seeded range 500-5000, then commit and answer);
        routes *, eko, paytm, upi360 or an operation such as eko.initiate_refund; or a JSON array of admin-API
        fault rules
  refundkit eko sign --timestamp MS [--access-key K]
  refundkit eko build otp --tid TID
  refundkit eko build refund --tid TID --otp OTP [--otp-ref-id REF]
  refundkit eko build inquiry (--tid TID | --client-ref-id REF)
  refundkit eko build pending --customer-mobile MOBILE
  refundkit eko interpret (otp|refund|inquiry|pending) [--http-status N]    (response body on stdin)
  refundkit paytm sign [--key K] [--salt S]           (body on stdin, signed byte for byte; prints the signature)
  refundkit paytm verify [--key K] --signature SIG    (body on stdin; prints valid/invalid, exit 0/1)
  refundkit settle --store STORE [--provider eko|paytm|upi360] [--concurrency N (default 32)] [--rate PER_SECOND]
        [--owner ID]    resolve every unresolved attempt record of STORE by inquiry/status (never sends a refund),
        with a progress bar; STORE: a directory, sqlite:PATH or postgres://USER:PASSWORD@HOST/DB

options for eko build:
  --base-url URL  --developer-key K  --access-key K  --initiator-id ID  --user-code CODE
  --legacy (v1/v2 form API)  --timestamp MS (fixed clock)  --format (http|curl)
options for paytm sign:
  --salt S  fixed 4-character salt, for known-answer tests only (default: random from the OS CSPRNG)
environment: REFUNDKIT_EKO_ACCESS_KEY, REFUNDKIT_EKO_DEVELOPER_KEY (default: Eko's public UAT values),
  REFUNDKIT_PAYTM_KEY (the Paytm merchant key; prefer it to --key, which other users can see in ps)
options for settle (each also from the environment variable in brackets; keys only from the environment):
  eko: [REFUNDKIT_EKO_ACCESS_KEY] --eko-developer-key [REFUNDKIT_EKO_DEVELOPER_KEY] --eko-initiator-id
       [REFUNDKIT_EKO_INITIATOR_ID] --eko-user-code [REFUNDKIT_EKO_USER_CODE] --eko-base-url [REFUNDKIT_EKO_BASE_URL]
  paytm: [REFUNDKIT_PAYTM_KEY] --paytm-mid [REFUNDKIT_PAYTM_MID] --paytm-env staging|production [REFUNDKIT_PAYTM_ENV]
       --paytm-base-url [REFUNDKIT_PAYTM_BASE_URL] --paytm-ai-router
  upi360: --upi-host --upi-uri (default n2) --upi-merchant-id --upi-channel-id --upi-private-key-file
       --upi-psp-public-key-file [REFUNDKIT_UPI_HOST, _URI, _MERCHANT_ID, _CHANNEL_ID, _PRIVATE_KEY_FILE,
       _PSP_PUBLIC_KEY_FILE]
  A provider without credentials is skipped (its records stay, counted as not settled).
exit status: 0 success (paytm verify: valid; settle: every record final), 1 paytm verify: invalid, 2 usage or input
  error, 3 settle: some records still open or not settled (they stay in the store: settle again later)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("refundkit: {message}");
            ExitCode::from(2)
        }
    }
}

/// Splits `--name value` options (and bare `--flag`s) from positional words.
fn parse_options(args: &[String]) -> Result<(Vec<&str>, HashMap<&str, &str>), String> {
    const FLAGS: &[&str] = &["legacy", "help", "paytm-ai-router"];
    let (mut words, mut options) = (Vec::new(), HashMap::new());
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if let Some(name) = arg.strip_prefix("--") {
            if FLAGS.contains(&name) {
                options.insert(name, "");
            } else {
                let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
                options.insert(name, value.as_str());
            }
        } else {
            words.push(arg.as_str());
        }
    }
    Ok((words, options))
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let (words, opts) = parse_options(args)?;
    if opts.contains_key("help") {
        println!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    }
    if let ["paytm", command] = words.as_slice() {
        return paytm(command, &opts);
    }
    if let ["settle"] = words.as_slice() {
        let summary = settle::settle(&opts)?;
        let open = summary.open_count + summary.error_count;
        return Ok(if open == 0 { ExitCode::SUCCESS } else { ExitCode::from(3) });
    }
    run_eko(&words, opts).map(|()| ExitCode::SUCCESS)
}

fn run_eko(words: &[&str], opts: HashMap<&str, &str>) -> Result<(), String> {
    match words {
        ["demo"] => live::demo(),
        ["demo", "offline"] => demo(),
        ["sandbox"] => live::sandbox(&opts),
        ["eko", "sign"] => {
            let ts = number(&opts, "timestamp")?.ok_or("--timestamp MS is required")?;
            println!("{}", eko::secret_key(&access_key(&opts), ts));
            Ok(())
        }
        ["eko", "build", what] => {
            let client = client(&opts)?;
            let request = match *what {
                "otp" => client.build_refund_otp(required(&opts, "tid")?),
                "refund" => {
                    let mut r = RefundRequest::new(required(&opts, "tid")?, required(&opts, "otp")?);
                    r.otp_ref_id = opts.get("otp-ref-id").map(|s| s.to_string());
                    client.build_initiate_refund(&r)
                }
                "inquiry" => match (opts.get("tid"), opts.get("client-ref-id")) {
                    (Some(tid), None) => client.build_inquiry(&TransactionRef::Tid(tid.to_string())),
                    (None, Some(r)) => client.build_inquiry(&TransactionRef::ClientRefId(r.to_string())),
                    _ => return Err("inquiry needs exactly one of --tid and --client-ref-id".into()),
                },
                "pending" => client.build_pending_refunds(required(&opts, "customer-mobile")?),
                other => return Err(format!("unknown request `{other}`\n{USAGE}")),
            }
            .map_err(|e| e.to_string())?;
            print!("{}", render(&request, opts.get("format").copied().unwrap_or("http"))?);
            Ok(())
        }
        ["eko", "interpret", what] => {
            let operation = match *what {
                "otp" => Operation::RefundOtp,
                "refund" => Operation::InitiateRefund,
                "inquiry" => Operation::Inquiry,
                "pending" => Operation::PendingRefunds,
                other => return Err(format!("unknown operation `{other}`")),
            };
            let status = number(&opts, "http-status")?.unwrap_or(200);
            let status = u16::try_from(status).map_err(|_| "--http-status must be a status code")?;
            let mut body = Vec::new();
            std::io::stdin().read_to_end(&mut body).map_err(|e| format!("reading stdin: {e}"))?;
            print!("{}", describe(&eko::interpret(operation, &HttpResponse::new(status, body))));
            Ok(())
        }
        _ => Err(USAGE.into()),
    }
}

/// `paytm sign` / `paytm verify`: the PaytmChecksum of the exact bytes on stdin.
fn paytm(command: &str, opts: &HashMap<&str, &str>) -> Result<ExitCode, String> {
    if !matches!(command, "sign" | "verify") {
        return Err(format!("unknown paytm command `{command}`\n{USAGE}"));
    }
    let key = opts
        .get("key")
        .map(|k| Secret::new(*k))
        .or_else(|| std::env::var("REFUNDKIT_PAYTM_KEY").ok().map(Secret::new))
        .ok_or("the merchant key is required: set REFUNDKIT_PAYTM_KEY (or pass --key K)")?;
    // A key of the wrong length is a usage error (exit 2), not an invalid signature.
    checksum::validate_merchant_key(&key).map_err(|e| e.to_string())?;
    let signature = if command == "verify" { Some(required(opts, "signature")?) } else { None };
    let body = body_from_stdin()?;
    match signature {
        None => {
            let signature = match opts.get("salt") {
                Some(salt) => checksum::checksum(&body, &key, salt),
                None => checksum::generate(&body, &key, &OsRandom),
            }
            .map_err(|e| e.to_string())?;
            println!("{signature}");
            Ok(ExitCode::SUCCESS)
        }
        Some(signature) => {
            if checksum::verify(&body, &key, signature) {
                println!("valid");
                Ok(ExitCode::SUCCESS)
            } else {
                println!("invalid");
                Ok(ExitCode::from(1))
            }
        }
    }
}

/// The body on stdin, byte for byte (a trailing newline is part of what is signed, and is pointed out).
fn body_from_stdin() -> Result<String, String> {
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body).map_err(|e| format!("reading stdin: {e}"))?;
    let body = String::from_utf8(body).map_err(|_| "the body on stdin is not UTF-8".to_string())?;
    if body.ends_with('\n') {
        eprintln!(
            "refundkit: note: the body ends with a newline, which is signed too (use printf '%s' or echo -n to omit it)"
        );
    }
    Ok(body)
}

fn required<'a>(opts: &HashMap<&str, &'a str>, name: &str) -> Result<&'a str, String> {
    opts.get(name).copied().ok_or_else(|| format!("--{name} is required"))
}

fn number(opts: &HashMap<&str, &str>, name: &str) -> Result<Option<u64>, String> {
    opts.get(name).map(|v| v.parse().map_err(|_| format!("--{name} must be a whole number"))).transpose()
}

fn access_key(opts: &HashMap<&str, &str>) -> String {
    opts.get("access-key")
        .map(|s| s.to_string())
        .or_else(|| std::env::var("REFUNDKIT_EKO_ACCESS_KEY").ok())
        .unwrap_or_else(|| eko::UAT_ACCESS_KEY.to_string())
}

fn client(opts: &HashMap<&str, &str>) -> Result<Eko<Box<dyn Clock>>, String> {
    let mut config = EkoConfig::uat();
    if opts.contains_key("legacy") {
        config.flavour = ApiFlavour::LegacyForm;
        config.base_url = eko::UAT_LEGACY_BASE_URL.into();
    }
    if let Some(url) = opts.get("base-url") {
        config.base_url = url.to_string();
    }
    if let Some(k) =
        opts.get("developer-key").map(|s| s.to_string()).or_else(|| std::env::var("REFUNDKIT_EKO_DEVELOPER_KEY").ok())
    {
        config.developer_key = k;
    }
    config.access_key = access_key(opts).into();
    if let Some(id) = opts.get("initiator-id") {
        config.initiator_id = id.to_string();
    }
    if let Some(code) = opts.get("user-code") {
        config.user_code = code.to_string();
    }
    let clock: Box<dyn Clock> = match number(opts, "timestamp")? {
        Some(ts) => Box::new(FixedClock(ts)),
        None => Box::new(SystemClock),
    };
    Eko::with_clock(config, clock).map_err(|e| e.to_string())
}

fn render(request: &HttpRequest, format: &str) -> Result<String, String> {
    let mut out = String::new();
    match format {
        "http" => {
            out.push_str(&format!("{} {}\n", request.method, request.url));
            for h in &request.headers {
                out.push_str(&format!("{}: {}\n", h.name, h.value));
            }
            out.push('\n');
            if !request.body.is_empty() {
                out.push_str(request.body_text());
                out.push('\n');
            }
        }
        "curl" => {
            let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
            out.push_str(&format!("curl -X {} {}", request.method, quote(&request.url)));
            for h in &request.headers {
                out.push_str(&format!(" \\\n  -H {}", quote(&format!("{}: {}", h.name, h.value))));
            }
            if !request.body.is_empty() {
                out.push_str(&format!(" \\\n  --data-raw {}", quote(request.body_text())));
            }
            out.push('\n');
        }
        other => return Err(format!("unknown --format `{other}` (http or curl)")),
    }
    Ok(out)
}

fn describe(o: &Outcome) -> String {
    let mut out =
        format!("status: {}\nreason: {}\nnext step: {}\n", o.status.as_str(), o.reason.as_str(), o.next_step.as_str());
    if let Some(otp) = &o.otp {
        out.push_str(&format!(
            "otp_ref_id: {}\n",
            otp.otp_ref_id.as_deref().unwrap_or("(none: the SMS may not have been sent)")
        ));
    }
    if let Some(r) = &o.refund {
        if let Some(id) = &r.refund_id {
            out.push_str(&format!("refund id: {id}\n"));
        }
        if let Some(amount) = r.refunded_amount {
            out.push_str(&format!("refunded: {amount}\n"));
        }
    }
    for e in &o.field_errors {
        out.push_str(&format!("field {}: {}\n", e.field, e.problem));
    }
    let codes: Vec<String> = o.raw.codes.iter().map(|c| format!("{}={}", c.name, c.value)).collect();
    out.push_str(&format!("provider: {} HTTP {} [{}]", o.raw.provider.as_str(), o.raw.http_status, codes.join(" ")));
    if let Some(m) = &o.raw.message {
        out.push_str(&format!(" \"{m}\""));
    }
    out.push('\n');
    for w in &o.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

/// A complete Eko refund, step by step, with Eko's UAT credentials and a fixed clock. Responses are the samples from
/// Eko's documentation; nothing is sent over the network.
fn demo() -> Result<(), String> {
    let eko = Eko::with_clock(EkoConfig::uat(), FixedClock(1_700_000_000_000)).map_err(|e| e.to_string())?;
    let tid = "13192443";
    let step = |title: &str| println!("\n== {title}");

    println!("refundkit demo: an Eko cash refund with Eko's public UAT credentials (nothing is sent; the answers are");
    println!("the samples from Eko's documentation). refundkit builds and signs each request, and says what each answer means.");

    step("1. The customer's cash transaction failed; ask Eko to (re)send the refund OTP");
    let request = eko.build_refund_otp(tid).map_err(|e| e.to_string())?;
    print!("{}", render(&request, "http")?);
    let answer = r#"{"response_status_id":1,"data":{"otp_ref_id":"zCISyglexo0Pjqp4YrS2ssweuD9v1c3aLKGxjTW8wU7An8Wem1UyNws5830yh7q/sf5J4R3BY="},"response_type_id":2133,"message":"Send OTP","status":2133}"#;
    println!("-- Eko answers: {answer}");
    let otp = eko::interpret_refund_otp(&HttpResponse::new(200, answer));
    print!("{}", describe(&otp));
    let otp_ref_id = otp.otp.and_then(|o| o.otp_ref_id).ok_or("demo: no otp_ref_id")?;

    step("2. The agent hands back the cash; the customer reads out the OTP; initiate the refund");
    let request = eko
        .build_initiate_refund(&RefundRequest::new(tid, "123456").otp_ref_id(otp_ref_id))
        .map_err(|e| e.to_string())?;
    print!("{}", render(&request, "http")?);

    step("3a. Suppose the connection drops before Eko answers");
    let lost = eko::interpret_initiate_refund(&HttpResponse::new(504, "Gateway Timeout"));
    print!("{}", describe(&lost));
    println!("-- refundkit will not send the refund again: it inquires about the original transaction instead.");
    let request = eko.build_inquiry(&TransactionRef::Tid(tid.into())).map_err(|e| e.to_string())?;
    print!("{}", render(&request, "http")?);
    let answer = r#"{"status":0,"response_status_id":-1,"response_type_id":1472,"message":"Sucess! Enquiry success.","tx_status":"4","txstatus_desc":"Refunded","data":{"tid":"13192443","amount":"5000.0"}}"#;
    println!("-- Eko answers: {answer}");
    print!("{}", describe(&eko::interpret_inquiry(&HttpResponse::new(200, answer))));

    step("3b. Or Eko answers the refund directly (Eko's documented sample)");
    let answer = r#"{"response_status_id":0,"response_type_id":74,"message":"Refund done","status":0,"data":{"refund_tid":"2147591637","amount":"5000.00","tds":"7.1","balance":"2.22263731286E9","fee":"50.0","currency":"INR","commission_reverse":"28.38","tid":"13192443","timestamp":"2018-10-30T12:00:14.058Z","refunded_amount":"5050.00"}}"#;
    println!("-- Eko answers: {answer}");
    let done = eko::interpret_initiate_refund(&HttpResponse::new(200, answer));
    print!("{}", describe(&done));
    if let Some(balance) = done.refund.as_ref().and_then(|r| r.balance) {
        println!("-- the balance \"2.22263731286E9\" was parsed exactly: {balance}");
    }
    Ok(())
}
