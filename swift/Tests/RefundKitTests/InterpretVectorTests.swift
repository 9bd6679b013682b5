// eko_interpret.json: operation + HTTP response -> the expected outcome (each key checked only when present;
// `null` means absent).
import Foundation
import XCTest
import RefundKit

final class InterpretVectorTests: XCTestCase {
    func testEkoInterpretVectors() async throws {
        let cases = try Vectors.load("eko_interpret.json").array("cases")
        runVectorCases(file: "eko_interpret.json", cases: cases, name: caseName) { c, checks in
            let response = try Self.response(try c.required("response"))
            let expected = try c.object("expect")
            switch try c.string("operation") {
            case "refund_otp":
                Self.check(ekoInterpretRefundOtp(response: response), expected, checks)
            case "initiate_refund":
                Self.check(ekoInterpretInitiateRefund(response: response), expected, checks)
            case "inquiry":
                Self.check(ekoInterpretInquiry(response: response), expected, checks)
            case "pending_refunds":
                try Self.check(ekoInterpretPendingRefunds(response: response), expected, checks)
            case let other:
                throw VectorError("unknown operation \(other)")
            }
        }
    }

    static func response(_ r: JSON) throws -> HttpResponse {
        guard let status = Int32(exactly: try r.int("status")) else { throw VectorError("status is not an i32") }
        let headers = try (r["headers"]?.arrayValue ?? []).map { pair -> Header in
            guard let p = pair.arrayValue?.compactMap(\.stringValue), p.count == 2 else {
                throw VectorError("a header is not a [name, value] pair")
            }
            return Header(name: p[0], value: p[1])
        }
        return HttpResponse(status: status, headers: headers, body: Data(try r.string("body").utf8))
    }

    static func check(_ list: EkoPendingRefunds, _ expected: [String: JSON], _ checks: Checks) throws {
        for (key, value) in expected {
            switch key {
            case "listed":
                checks.optionalBool("listed", list.listed, value)
            case "outcome":
                guard let nested = value.objectValue else { throw VectorError("outcome is not an object") }
                check(list.outcome, nested, checks, prefix: "outcome.")
            case "transactions":
                guard let transactions = value.arrayValue else { throw VectorError("transactions is not an array") }
                checks.equal("transactions.count", list.transactions.count, transactions.count)
                for (i, (actual, want)) in zip(list.transactions, transactions).enumerated() {
                    for (k, v) in want.objectValue ?? [:] {
                        let what = "transactions[\(i)].\(k)"
                        switch k {
                        case "tid": checks.optionalString(what, actual.tid, v)
                        case "amount_paise": checks.optionalInt(what, actual.amountPaise, v)
                        case "timestamp": checks.optionalString(what, actual.timestamp, v)
                        case "tx_status": checks.optionalString(what, actual.txStatus, v)
                        default: checks.fail("unknown expect key \(what)")
                        }
                    }
                }
            default:
                checks.fail("unknown expect key \(key) for pending_refunds")
            }
        }
    }

    static func check(_ o: Outcome, _ expected: [String: JSON], _ checks: Checks, prefix: String = "") {
        for (key, value) in expected.sorted(by: { $0.key < $1.key }) {
            let what = prefix + key
            switch key {
            case "status": checks.optionalString(what, snakeCase(o.status), value)
            case "reason": checks.optionalString(what, snakeCase(o.reason), value)
            case "next_step": checks.optionalString(what, snakeCase(o.nextStep), value)

            case "otp_ref_id": checks.optionalString(what, o.otp?.otpRefId, value)
            case "dispatch_unconfirmed": checks.optionalBool(what, o.otp?.dispatchUnconfirmed, value)
            case "test_otp": checks.optionalString(what, o.otp?.testOtp, value)

            case "refund_id": checks.optionalString(what, o.refund?.refundId, value)
            case "original_id": checks.optionalString(what, o.refund?.originalId, value)
            case "original_amount_paise": checks.optionalInt(what, o.refund?.originalAmountPaise, value)
            case "refunded_amount_paise": checks.optionalInt(what, o.refund?.refundedAmountPaise, value)
            case "fee_paise": checks.optionalInt(what, o.refund?.feePaise, value)
            case "tds_paise": checks.optionalInt(what, o.refund?.tdsPaise, value)
            case "commission_reverse_paise": checks.optionalInt(what, o.refund?.commissionReversePaise, value)
            case "balance_paise": checks.optionalInt(what, o.refund?.balancePaise, value)
            case "currency": checks.optionalString(what, o.refund?.currency, value)
            case "completed_at": checks.optionalString(what, o.refund?.completedAt, value)
            case "provider_status": checks.optionalString(what, o.refund?.providerStatus, value)
            case "provider_status_text": checks.optionalString(what, o.refund?.providerStatusText, value)

            case "message": checks.optionalString(what, o.raw.message, value)
            case "raw_message": checks.optionalString(what, o.raw.rawMessage, value)

            case "field_errors":
                // The complete set of {field: problem}.
                guard let want = value.objectValue else { checks.fail("\(what): vector value is not an object"); continue }
                let actual = o.fieldErrors.map { "\($0.field)=\($0.problem)" }.sorted()
                let expectedPairs = want.map { "\($0.key)=\($0.value.stringValue ?? $0.value.description)" }.sorted()
                checks.equal(what, actual, expectedPairs)
            case "codes":
                // Each must be among the raw codes.
                guard let want = value.objectValue else { checks.fail("\(what): vector value is not an object"); continue }
                for (name, v) in want.sorted(by: { $0.key < $1.key }) {
                    let expectedValue = v.stringValue ?? v.description
                    if !o.raw.codes.contains(where: { $0.name == name && $0.value == expectedValue }) {
                        checks.fail("\(what): \(name)=\(expectedValue) not among \(o.raw.codes.map { "\($0.name)=\($0.value)" })")
                    }
                }
            case "warnings_contain":
                guard let needle = value.stringValue else { checks.fail("\(what): vector value is not a string"); continue }
                if !o.warnings.contains(where: { $0.contains(needle) }) {
                    checks.fail("\(what): no warning contains \(String(reflecting: needle)); warnings: \(o.warnings)")
                }
            default:
                checks.fail("unknown expect key \(what)")
            }
        }
    }
}
