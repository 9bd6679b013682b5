// paytm_checksum.json, paytm_requests.json, paytm_interpret.json, paytm_webhooks.json through the Swift API (the
// mapping of each case onto the exports follows bindings/src/paytm/tests.rs).
import Foundation
import XCTest
import RefundKit

/// A Swift `RandomSource`: repeats `bytes` cyclically on every call, exactly like `fixedRandom(bytes:)`. Immutable,
/// so `Sendable` without locks (uniffi requires `Sendable` of every foreign callback implementation).
final class RepeatingBytes: RandomSource {
    let bytes: Data
    init(_ bytes: Data) { self.bytes = bytes }

    func fill(len: Int32) throws -> Data {
        guard !bytes.isEmpty, len > 0 else { return Data() }
        return Data((0..<Int(len)).map { bytes[bytes.startIndex + $0 % bytes.count] })
    }
}

final class PaytmVectorTests: XCTestCase {
    // MARK: paytm_checksum.json

    func testPaytmChecksumVectors() throws {
        guard let cases = try Vectors.load("paytm_checksum.json").arrayValue else {
            throw VectorError("paytm_checksum.json is not a list")
        }
        runVectorCases(file: "paytm_checksum.json", cases: cases, name: caseName) { c, checks in
            // expected_sha256_hex / expected_plaintext are intermediate values of the algorithm, which the API does
            // not expose (the Rust suite does not check them either); notes/source are documentation.
            try c.requireOnlyKeys([
                "name", "kind", "key", "salt", "string_to_sign", "params", "expected_signature", "expected_valid",
                "expected_sha256_hex", "expected_plaintext", "correct_signature_for_params", "signature", "notes",
                "source",
            ], "case")
            let key = try c.string("key")
            let string = try c.string("string_to_sign")
            let params = try c["params"].map { p -> [String: String?] in
                guard let o = p.objectValue else { throw VectorError("params is not an object") }
                return try o.mapValues { v -> String? in
                    if v.isNull { return nil }
                    guard let s = v.stringValue else { throw VectorError("a params value is not a string or null") }
                    return s
                }
            }
            switch try c.string("kind") {
            case "sign":
                let expected = try c.string("expected_signature")
                let salt = try c.string("salt")
                checks.equal("checksum", try paytmChecksum(body: string, merchantKey: key, salt: salt), expected)
                checks.equal("verify", paytmVerify(body: string, merchantKey: key, signature: expected),
                             try c.optionalBool("expected_valid") ?? true)
                // The salt also comes out of the random source fed the bytes that map to it.
                checks.equal("salt from its bytes",
                             try paytmRandomSalt(random: RepeatingBytes(try Self.bytes(ofSalt: salt))), salt)
                if let params {
                    checks.equal("params string", paytmParamsString(params: params), string)
                    checks.equal("params checksum",
                                 try paytmChecksumParams(params: params, merchantKey: key, salt: salt), expected)
                    checks.equal("params verify", paytmVerifyParams(params: params, merchantKey: key, signature: expected), true)
                }
            case "variant":
                guard let params else { throw VectorError("a variant needs params") }
                let salt = try c.string("salt")
                let correct = try c.string("correct_signature_for_params")
                let node = try c.string("expected_signature")
                let signed = try paytmChecksumParams(params: params, merchantKey: key, salt: salt)
                checks.equal("params checksum", signed, correct)
                if signed == node { checks.fail("params checksum equals the Node variant's signature") }
                checks.equal("params verify of the Node signature",
                             paytmVerifyParams(params: params, merchantKey: key, signature: node), false)
                checks.equal("checksum of the literal string", try paytmChecksum(body: string, merchantKey: key, salt: salt), node)
            case "verify_negative":
                checks.equal("verify", paytmVerify(body: string, merchantKey: key, signature: try c.string("signature")), false)
                if try c.optionalBool("expected_valid") == true { throw VectorError("verify_negative with expected_valid true") }
            case let other:
                throw VectorError("unknown kind \(other)")
            }
        }
    }

    /// The random bytes that draw `salt` (index into [A-Za-z0-9]).
    static func bytes(ofSalt salt: String) throws -> Data {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return Data(try salt.map { ch -> UInt8 in
            guard let i = alphabet.firstIndex(of: ch) else { throw VectorError("salt character \(ch) not in [A-Za-z0-9]") }
            return UInt8(i)
        })
    }

    // MARK: paytm_requests.json

    /// Every case twice: with `fixedRandom(bytes:)` and with the Swift `RepeatingBytes` source.
    func testPaytmRequestVectors() throws {
        let file = try Vectors.load("paytm_requests.json")
        let cases = try file.array("cases")
        for swiftRandom in [false, true] {
            let label = swiftRandom ? "paytm_requests.json (Swift RandomSource)" : "paytm_requests.json"
            runVectorCases(file: label, cases: cases, name: caseName) { c, checks in
                try c.requireOnlyKeys([
                    "name", "operation", "input", "now_ms", "random_bytes", "config", "expect", "expect_error", "source",
                    "notes",
                ], "case")
                let expected = c["expect"]
                let expectedError = c["expect_error"]
                guard (expected == nil) != (expectedError == nil) else {
                    throw VectorError("a case needs exactly one of `expect` and `expect_error`")
                }
                let request: HttpRequest
                do {
                    let client = try Self.client(file: file, testCase: c, swiftRandom: swiftRandom)
                    request = try Self.build(client, operation: try c.string("operation"), input: try c.required("input"))
                } catch let error as VectorError {
                    throw error
                } catch {
                    guard let expectedError else { return checks.fail("unexpected error \(String(reflecting: error))") }
                    return try checkExpectedError(error, expectedError, checks)
                }
                guard let expected else {
                    return checks.fail("built \(request.method) \(request.url), expected error \(expectedError!)")
                }
                try checkRequest(request, expected, checks)
            }
        }
    }

    /// `default_config` + the case's `config` as a client; `now_ms` and `random_bytes` of the case when present.
    static func client(file: JSON, testCase: JSON, swiftRandom: Bool = false) throws -> PaytmClient {
        let config = try mergedConfig(file, testCase)
        try config.requireOnlyKeys([
            "environment", "flavour", "mid", "merchant_key", "base_url", "client_id", "version", "channel_id",
            "request_timestamp", "token_type_checksum", "comments_max_len",
        ], "config")
        let environment: PaytmEnvironment
        switch try config.string("environment") {
        case "staging": environment = .staging
        case "production": environment = .production
        case let other: throw VectorError("unknown environment \(other)")
        }
        var options = PaytmOptions(mid: try config.string("mid"), environment: environment)
        switch try config.optionalString("flavour") {
        case nil: break
        case "pg": options.flavour = .pg
        case "ai_router": options.flavour = .aiRouter
        case let other?: throw VectorError("unknown flavour \(other)")
        }
        options.baseUrl = try config.optionalString("base_url")
        options.clientId = try config.optionalString("client_id")
        options.version = try config.optionalString("version")
        options.channelId = try config.optionalString("channel_id")
        if let b = try config.optionalBool("request_timestamp") { options.requestTimestamp = b }
        if let b = try config.optionalBool("token_type_checksum") { options.tokenTypeChecksum = b }
        if let n = try config.optionalInt("comments_max_len") {
            guard let i = Int32(exactly: n) else { throw VectorError("comments_max_len is not an i32") }
            options.commentsMaxLen = i
        }
        let clock = try testCase.optionalInt("now_ms").map { fixedClock(unixMs: $0) }
        let random = try testCase["random_bytes"].map { bytes -> RandomSource in
            let data = try byteArray(bytes)
            return swiftRandom ? RepeatingBytes(data) : fixedRandom(bytes: data)
        }
        return try PaytmClient(options: options, merchantKey: try config.string("merchant_key"), clock: clock, random: random)
    }

    static func build(_ client: PaytmClient, operation: String, input: JSON) throws -> HttpRequest {
        switch operation {
        case "refund_apply":
            try input.requireOnlyKeys(
                ["order_id", "ref_id", "txn_id", "refund_amount_paise", "original_amount_paise", "comments"], "input")
            return try client.buildRefundApply(
                orderId: try input.string("order_id"), refId: try input.string("ref_id"),
                txnId: try input.string("txn_id"), refundAmountPaise: try input.int("refund_amount_paise"),
                originalAmountPaise: try input.optionalInt("original_amount_paise"),
                comments: try input.optionalString("comments"))
        case "refund_status":
            try input.requireOnlyKeys(["order_id", "ref_id", "refund_id"], "input")
            return try client.buildRefundStatus(
                orderId: try input.string("order_id"), refId: try input.optionalString("ref_id"),
                refundId: try input.optionalString("refund_id"))
        default:
            throw VectorError("unknown operation \(operation)")
        }
    }

    // MARK: paytm_interpret.json

    func testPaytmInterpretVectors() throws {
        let file = try Vectors.load("paytm_interpret.json")
        let cases = try file.array("cases")
        runVectorCases(file: "paytm_interpret.json", cases: cases, name: caseName) { c, checks in
            try c.requireOnlyKeys(
                ["name", "operation", "now_ms", "prior_apply", "config", "response", "expect", "source", "notes"], "case")
            let client = try Self.client(file: file, testCase: c)
            let response = try InterpretVectorTests.response(try c.required("response"))
            let outcome: Outcome
            switch try c.string("operation") {
            case "refund_apply":
                if let prior = c["prior_apply"], !prior.isNull { throw VectorError("prior_apply on a refund_apply") }
                outcome = client.interpretRefundApply(response: response)
            case "refund_status":
                let prior: PaytmPriorApply
                switch c["prior_apply"] {
                case .string("unknown")?: prior = .unknown
                case .object(let o)?:
                    try JSON.object(o).requireOnlyKeys(["accepted_at_ms"], "prior_apply")
                    prior = .acceptedAt(unixMs: try JSON.object(o).int("accepted_at_ms"))
                case let other: throw VectorError("prior_apply \(other.map(\.description) ?? "absent") is neither \"unknown\" nor {accepted_at_ms}")
                }
                outcome = client.interpretRefundStatus(response: response, priorApply: prior)
            case let other:
                throw VectorError("unknown operation \(other)")
            }
            InterpretVectorTests.check(outcome, try c.object("expect"), checks)
        }
    }

    // MARK: paytm_webhooks.json

    func testPaytmWebhookVectors() throws {
        let file = try Vectors.load("paytm_webhooks.json")
        let cases = try file.array("cases")
        runVectorCases(file: "paytm_webhooks.json", cases: cases, name: caseName) { c, checks in
            try c.requireOnlyKeys(["name", "kind", "body", "config", "expect", "expect_error", "source", "notes"], "case")
            let client = try Self.client(file: file, testCase: c)
            let body = Data(try c.string("body").utf8)
            let fields: [String: JSON]
            do {
                switch try c.string("kind") {
                case "accept_refund": fields = Self.fields(try client.parseAcceptRefundWebhook(body: body))
                case "success_refund": fields = Self.fields(try client.parseSuccessRefundWebhook(body: body))
                case "refund_arn": fields = Self.fields(try client.parseRefundArnWebhook(body: body))
                case let other: throw VectorError("unknown kind \(other)")
                }
            } catch let error as PaytmWebhookError {
                guard let expectedError = c["expect_error"] else {
                    return checks.fail("rejected with \(String(reflecting: error)), expected it to parse")
                }
                checks.equal("error", Self.kind(error), expectedError.stringValue ?? expectedError.description)
                return
            }
            guard let expected = c["expect"]?.objectValue else {
                return checks.fail("parsed, expected the error \(c["expect_error"]?.description ?? "?")")
            }
            for (key, want) in expected.sorted(by: { $0.key < $1.key }) {
                guard let got = fields[key] else { checks.fail("unknown expect key \(key)"); continue }
                if key == "destinations" {
                    // A list of partial objects: each listed key compared.
                    guard let gotList = got.arrayValue, let wantList = want.arrayValue else {
                        throw VectorError("destinations is not a list")
                    }
                    checks.equal("destinations.count", gotList.count, wantList.count)
                    for (i, (g, w)) in zip(gotList, wantList).enumerated() {
                        for (k, v) in (w.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                            guard let gv = g[k] else { checks.fail("unknown expect key destinations[\(i)].\(k)"); continue }
                            checks.equal("destinations[\(i)].\(k)", gv, v)
                        }
                    }
                } else {
                    checks.equal(key, got, want)
                }
            }
        }
    }

    static func kind(_ error: PaytmWebhookError) -> String {
        switch error {
        case .Unreadable: return "unreadable"
        case .SignatureMissing: return "signature_missing"
        case .SignatureInvalid: return "signature_invalid"
        case .MidMismatch: return "mid_mismatch"
        case .MissingField: return "missing_field"
        case .InvalidField: return "invalid_field"
        }
    }

    static func fields(_ e: PaytmAcceptRefundEvent) -> [String: JSON] {
        [
            "mid": .string(e.mid), "order_id": .string(e.orderId), "ref_id": opt(e.refId),
            "refund_id": opt(e.refundId), "txn_id": opt(e.txnId), "refund_amount_paise": opt(e.refundAmountPaise),
            "status": .string(e.status), "accepted": .bool(e.accepted), "reject_reason_code": opt(e.rejectReasonCode),
            "reject_reason_text": opt(e.rejectReasonText), "accept_refund_timestamp": opt(e.acceptRefundTimestamp),
        ]
    }

    static func fields(_ e: PaytmSuccessRefundEvent) -> [String: JSON] {
        [
            "mid": .string(e.mid), "order_id": .string(e.orderId), "ref_id": .string(e.refId),
            "refund_id": opt(e.refundId), "txn_id": opt(e.txnId), "txn_amount_paise": opt(e.txnAmountPaise),
            "refund_amount_paise": opt(e.refundAmountPaise), "total_refund_amount_paise": opt(e.totalRefundAmountPaise),
            "status": opt(e.status), "source": opt(e.source), "txn_timestamp": opt(e.txnTimestamp),
            "accept_refund_timestamp": opt(e.acceptRefundTimestamp),
            "merchant_refund_request_timestamp": opt(e.merchantRefundRequestTimestamp),
            "user_credit_initiate_timestamp": opt(e.userCreditInitiateTimestamp),
            "destinations": .array(e.destinations.map { d in
                .object([
                    "refund_type": opt(d.refundType), "pay_method": opt(d.payMethod),
                    "refund_amount_paise": opt(d.refundAmountPaise), "rrn": opt(d.rrn),
                    "user_credit_expected_date": opt(d.userCreditExpectedDate),
                    "issuing_bank_name": opt(d.issuingBankName),
                ])
            }),
        ]
    }

    static func fields(_ e: PaytmRefundArnEvent) -> [String: JSON] {
        [
            "mid": .string(e.mid), "order_id": .string(e.orderId), "ref_id": opt(e.refId),
            "refund_id": opt(e.refundId), "arn": opt(e.arn),
        ]
    }

    static func opt(_ s: String?) -> JSON { s.map(JSON.string) ?? .null }
    static func opt(_ i: Int64?) -> JSON { i.map(JSON.int) ?? .null }
}
