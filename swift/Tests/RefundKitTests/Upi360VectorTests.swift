// upi360_signing.json, upi360_requests.json, upi360_interpret.json through the Swift API (the mapping of each case
// onto the exports follows bindings/src/upi360/tests.rs). Keys are the TEST-ONLY PEM files in core/tests/data/upi360_keys/.
import Foundation
import XCTest
import RefundKit

enum Upi360Vectors {
    /// The contents of `core/tests/data/upi360_keys/<name>`.
    static func key(_ name: String) throws -> String {
        guard !name.contains("/") else { throw VectorError("key file \(name) is not a plain file name") }
        let url = Vectors.keysDirectory.appendingPathComponent(name)
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw VectorError("cannot read \(url.path): \(error)")
        }
    }

    /// Unix ms of the vectors when a case gives no `now_ms` (as in the Rust suite).
    static let defaultNowMs: Int64 = 1_735_689_600_000

    /// `default_config` + `config` as a client, with a fixed clock at the case's `now_ms`.
    static func client(file: JSON, testCase: JSON) throws -> Upi360Client {
        let config = try mergedConfig(file, testCase)
        try config.requireOnlyKeys([
            "host", "uri", "merchant_id", "merchant_channel_id", "sub_merchant_id", "sub_merchant_channel_id",
            "api_version", "status_api_version", "routing_id", "signing", "psp_public_key", "canonical_form",
            "refund_id_charset", "remarks_rule",
        ], "config")
        let signingConfig = try config.required("signing")
        try signingConfig.requireOnlyKeys(["mode", "private_key", "kid", "api_key", "encoding"], "signing")
        let signing: Upi360Signing
        let signingKey: String
        switch try signingConfig.string("mode") {
        case "pss":
            signing = .pss
            signingKey = try key(try signingConfig.string("private_key"))
        case "jws":
            signing = .jws(kid: try signingConfig.string("kid"))
            signingKey = try key(try signingConfig.string("private_key"))
        case "hmac":
            signing = .hmac(encoding: try encoding(try signingConfig.string("encoding")))
            signingKey = try signingConfig.string("api_key")
        case let other:
            throw VectorError("unknown signing mode \(other)")
        }
        var options = Upi360Options(
            host: try config.string("host"), uri: try config.string("uri"),
            merchantId: try config.string("merchant_id"), merchantChannelId: try config.string("merchant_channel_id"),
            signing: signing,
            subMerchantId: try config.optionalString("sub_merchant_id"),
            subMerchantChannelId: try config.optionalString("sub_merchant_channel_id"))
        // Absent: the API's default; null: omit the header.
        if config["api_version"] != nil { options.apiVersion = try config.optionalString("api_version") }
        if config["status_api_version"] != nil { options.statusApiVersion = try config.optionalString("status_api_version") }
        switch try config.optionalString("routing_id") {
        case nil: break
        case "original_request_id": options.routingId = .originalRequestId
        case "refund_request_id": options.routingId = .refundRequestId
        case "omit": options.routingId = .omit
        case let other?: throw VectorError("unknown routing_id \(other)")
        }
        if let form = try config.optionalString("canonical_form") { options.canonicalForm = try canonicalForm(form) }
        switch try config.optionalString("refund_id_charset") {
        case nil: break
        case "alphanumeric": options.refundIdCharset = .alphanumeric
        case "alphanumeric_dot_underscore_hyphen": options.refundIdCharset = .alphanumericDotUnderscoreHyphen
        case let other?: throw VectorError("unknown refund_id_charset \(other)")
        }
        switch try config.optionalString("remarks_rule") {
        case nil: break
        case "strict": options.remarksRule = .strict
        case "extended": options.remarksRule = .extended
        case let other?: throw VectorError("unknown remarks_rule \(other)")
        }
        let now = try testCase.optionalInt("now_ms") ?? defaultNowMs
        return try Upi360Client(
            options: options, signingKey: signingKey, pspPublicKeyPem: try key(try config.string("psp_public_key")),
            clock: fixedClock(unixMs: now))
    }

    static func encoding(_ text: String) throws -> Upi360SignatureEncoding {
        switch text {
        case "hex": return .hex
        case "base64": return .base64
        default: throw VectorError("unknown encoding \(text)")
        }
    }

    static func canonicalForm(_ text: String) throws -> Upi360CanonicalForm {
        switch text {
        case "sorted_keys_or_raw": return .sortedKeysOrRaw
        case "sorted_keys": return .sortedKeys
        case "raw_body": return .rawBody
        default: throw VectorError("unknown canonical_form \(text)")
        }
    }

    /// A `refund` input; an unknown `refund_type` wire text throws InvalidInput(`refundType`) like the API does.
    static func refund(_ input: JSON) throws -> Upi360RefundRequest {
        try input.requireOnlyKeys([
            "original_upi_request_id", "original_merchant_request_id", "original_transaction_timestamp",
            "refund_request_id", "amount_paise", "refund_type", "merchant_refund_vpa", "remarks", "udf_parameters",
        ], "input")
        return Upi360RefundRequest(
            refundRequestId: try input.string("refund_request_id"),
            amountPaise: try input.int("amount_paise"),
            refundType: try upiRefundTypeFromWire(value: try input.string("refund_type")),
            remarks: try input.string("remarks"),
            originalUpiRequestId: try input.optionalString("original_upi_request_id"),
            originalMerchantRequestId: try input.optionalString("original_merchant_request_id"),
            originalTransactionTimestamp: try input.optionalString("original_transaction_timestamp"),
            merchantRefundVpa: try input.optionalString("merchant_refund_vpa"),
            udfParameters: try input.optionalString("udf_parameters"))
    }

    static func status(_ input: JSON) throws -> Upi360StatusRequest {
        try input.requireOnlyKeys(["refund_request_id", "original_merchant_request_id", "original_upi_request_id"], "input")
        return Upi360StatusRequest(
            refundRequestId: try input.string("refund_request_id"),
            originalMerchantRequestId: try input.optionalString("original_merchant_request_id"),
            originalUpiRequestId: try input.optionalString("original_upi_request_id"))
    }
}

final class Upi360VectorTests: XCTestCase {
    // MARK: upi360_signing.json

    func testUpi360SigningVectors() throws {
        let file = try Vectors.load("upi360_signing.json")
        try file.requireOnlyKeys(["description", "source", "jws", "signature_input", "hmac", "pss_verify"], "file")
        // The four sections as one list of {section, case}, so the file gets one count.
        var cases: [JSON] = []
        for section in ["jws", "signature_input", "hmac", "pss_verify"] {
            cases += try file.array(section).map { .object(["section": .string(section), "case": $0]) }
        }
        runVectorCases(
            file: "upi360_signing.json", cases: cases,
            name: { c, i in "\(c["section"]?.stringValue ?? "?")/\(c["case"].map { caseName($0, i) } ?? "#\(i)")" }
        ) { wrapped, checks in
            let c = try wrapped.required("case")
            switch try wrapped.string("section") {
            case "jws":
                try c.requireOnlyKeys(["name", "private_key", "kid", "payload", "expected", "source"], "case")
                let got = try upiJws(
                    payload: try c.string("payload"), privateKeyPem: try Upi360Vectors.key(try c.string("private_key")),
                    kid: try c.string("kid"))
                checks.equal("jws", got, try c.string("expected"))
            case "signature_input":
                try c.requireOnlyKeys([
                    "name", "merchant_id", "merchant_channel_id", "sub_merchant_id", "sub_merchant_channel_id",
                    "timestamp", "body", "expected", "source",
                ], "case")
                guard let timestamp = Int64(try c.string("timestamp")) else { throw VectorError("timestamp is not an integer") }
                let got = try upiSignatureInput(
                    merchantId: try c.string("merchant_id"), merchantChannelId: try c.string("merchant_channel_id"),
                    subMerchantId: try c.optionalString("sub_merchant_id"),
                    subMerchantChannelId: try c.optionalString("sub_merchant_channel_id"),
                    timestampMs: timestamp, body: Data(try c.string("body").utf8))
                let expected = try c.string("expected")
                if got != Data(expected.utf8) {
                    checks.fail("signature input: got \(utf8Text(got)), expected \(String(reflecting: expected))")
                }
            case "hmac":
                try c.requireOnlyKeys(["name", "api_key", "message", "encoding", "expected", "source"], "case")
                let got = try upiHmacSha256(
                    message: Data(try c.string("message").utf8), apiKey: try c.string("api_key"),
                    encoding: try Upi360Vectors.encoding(try c.string("encoding")))
                checks.equal("hmac", got, try c.string("expected"))
            case "pss_verify":
                try c.requireOnlyKeys(["name", "public_key", "message", "signature_hex", "valid", "source", "notes"], "case")
                let message = Data(try c.string("message").utf8)
                let signature = try c.string("signature_hex")
                let key = try Upi360Vectors.key(try c.string("public_key"))
                guard let valid = try c.optionalBool("valid") else { throw VectorError("vector lacks `valid`") }
                checks.equal("pss verify", try upiVerifyPssSignature(message: message, signatureHex: signature, publicKeyPem: key), valid)
                // The same answer through the response verifier over the raw body.
                checks.equal("response verify (raw body)",
                             try upiVerifyResponseSignature(body: message, signature: signature, pspPublicKeyPem: key,
                                                            canonicalForm: .rawBody), valid)
            case let other:
                throw VectorError("unknown section \(other)")
            }
        }
    }

    // MARK: upi360_requests.json

    func testUpi360RequestVectors() throws {
        let file = try Vectors.load("upi360_requests.json")
        let cases = try file.array("cases")
        runVectorCases(file: "upi360_requests.json", cases: cases, name: caseName) { c, checks in
            try c.requireOnlyKeys(
                ["name", "operation", "now_ms", "input", "config", "expect", "expect_error", "source", "notes"], "case")
            let expected = c["expect"]
            let expectedError = c["expect_error"]
            guard (expected == nil) != (expectedError == nil) else {
                throw VectorError("a case needs exactly one of `expect` and `expect_error`")
            }
            let request: HttpRequest
            do {
                let client = try Upi360Vectors.client(file: file, testCase: c)
                let input = try c.required("input")
                switch try c.string("operation") {
                case "refund": request = try client.buildRefund360(refund: try Upi360Vectors.refund(input))
                case "status": request = try client.buildRefundStatus(query: try Upi360Vectors.status(input))
                case let other: throw VectorError("unknown operation \(other)")
                }
            } catch let error as VectorError {
                throw error
            } catch {
                guard let expectedError else { return checks.fail("unexpected error \(String(reflecting: error))") }
                return try checkExpectedError(error, expectedError, checks)
            }
            guard let expected else {
                return checks.fail("built \(request.method) \(request.url), expected error \(expectedError!)")
            }
            // PSS signatures are randomized: `<PSS>` stands for a lowercase-hex signature that verifies over
            // `signature_input` with `signature_public_key`.
            var placeholders: [String: (String) -> String?] = [:]
            if let input = try expected.optionalString("signature_input") {
                let publicKey = try Upi360Vectors.key(try expected.string("signature_public_key"))
                placeholders["x-merchant-signature"] = { signature in
                    if signature != signature.lowercased() { return "\(signature) is not lowercase hex" }
                    do {
                        let ok = try upiVerifyPssSignature(
                            message: Data(input.utf8), signatureHex: signature, publicKeyPem: publicKey)
                        return ok ? nil : "\(signature) does not verify over signature_input"
                    } catch {
                        return "verifying raised \(String(reflecting: error))"
                    }
                }
            }
            try checkRequest(request, expected, checks, extraKeys: ["signature_input", "signature_public_key"],
                             placeholders: placeholders)
        }
    }

    // MARK: upi360_interpret.json

    func testUpi360InterpretVectors() throws {
        let file = try Vectors.load("upi360_interpret.json")
        let cases = try file.array("cases")
        runVectorCases(file: "upi360_interpret.json", cases: cases, name: caseName) { c, checks in
            try c.requireOnlyKeys(
                ["name", "operation", "now_ms", "config", "request", "response", "expect", "source", "notes"], "case")
            let client = try Upi360Vectors.client(file: file, testCase: c)
            let response = try InterpretVectorTests.response(try c.required("response"))
            let outcome: Outcome
            switch try c.string("operation") {
            case "refund":
                outcome = client.interpretRefund360(refund: try Upi360Vectors.refund(try c.required("request")), response: response)
            case "status":
                outcome = client.interpretRefundStatus(query: try Upi360Vectors.status(try c.required("request")), response: response)
            case "callback":
                if c["request"] != nil { throw VectorError("a callback case has no request") }
                outcome = client.interpretCallback(headers: response.headers, body: response.body)
            case let other:
                throw VectorError("unknown operation \(other)")
            }
            InterpretVectorTests.check(outcome, try c.object("expect"), checks)
        }
    }
}
