// eko_secret_key.json and money.json.
import Foundation
import XCTest
import RefundKit

final class SecretKeyVectorTests: XCTestCase {
    func testEkoSecretKeyVectors() async throws {
        guard case .array(let cases) = try Vectors.load("eko_secret_key.json") else {
            return XCTFail("eko_secret_key.json: expected a top-level array")
        }
        runVectorCases(file: "eko_secret_key.json", cases: cases, name: caseName) { c, checks in
            let accessKey = try c.string("access_key")
            let timestampText = try c.string("timestamp")
            guard let timestamp = Int64(timestampText) else { throw VectorError("timestamp is not an i64") }

            let secretKey = try ekoSecretKey(accessKey: accessKey, timestampMs: timestamp)
            checks.equal("secret-key", secretKey, try c.string("expected_secret_key"))
            if c["negative"]?.boolValue == true {
                let mistaken = try c.string("mistaken_secret_key")
                if secretKey == mistaken { checks.fail("secret-key equals the mistaken value \(mistaken)") }
            }

            switch try c.string("algorithm") {
            case "secret_key":
                break
            case "request_hash":
                let message = try c.array("request_hash_fields").map { field -> String in
                    guard let s = field.stringValue else { throw VectorError("request_hash_fields holds a non-string") }
                    return s
                }
                // Element 0 is the timestamp itself; the API takes the fields after it.
                checks.equal("request_hash_fields[0]", message.first, timestampText)
                checks.equal("request_hash_message", message.joined(), try c.string("request_hash_message"))
                let hash = try ekoRequestHash(accessKey: accessKey, timestampMs: timestamp, fields: Array(message.dropFirst()))
                checks.equal("request_hash", hash, try c.string("expected_request_hash"))
            case let other:
                checks.fail("unknown algorithm \(other)")
            }
        }
    }
}

final class MoneyVectorTests: XCTestCase {
    func testParseRupeesVectors() async throws {
        let cases = try Vectors.load("money.json").array("parse")
        runVectorCases(file: "money.json parse", cases: cases, name: { c, i in "parse \(c["text"]?.description ?? "#\(i)")" }) { c, checks in
            let text = try c.string("text")
            if let paise = c["paise"] {
                guard let expected = paise.intValue else { throw VectorError("paise is not an integer") }
                checks.equal("paise", try parseRupees(text: text), expected)
            } else {
                _ = try c.string("error") // the kind is checked by the Rust suite only
                do {
                    let paise = try parseRupees(text: text)
                    checks.fail("parsed as \(paise) paise, expected an error")
                } catch RefundkitError.InvalidInput(let field, _) {
                    checks.equal("error field", field, "amount")
                } catch {
                    checks.fail("expected InvalidInput(field: amount), got \(String(reflecting: error))")
                }
            }
        }
    }

    func testFormatRupeesVectors() async throws {
        let cases = try Vectors.load("money.json").array("format")
        runVectorCases(file: "money.json format", cases: cases, name: { c, i in "format \(c["paise"]?.description ?? "#\(i)")" }) { c, checks in
            checks.equal("text", formatRupees(paise: try c.int("paise")), try c.string("text"))
        }
    }
}
