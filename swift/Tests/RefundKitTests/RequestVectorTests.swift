// eko_requests.json: JSON config -> EkoOptions + EkoClient with a fixed clock -> the exact request, or the error.
import Foundation
import XCTest
import RefundKit

final class RequestVectorTests: XCTestCase {
    func testEkoRequestVectors() async throws {
        let file = try Vectors.load("eko_requests.json")
        let defaults = try file.object("default_config")
        let cases = try file.array("cases")
        runVectorCases(file: "eko_requests.json", cases: cases, name: caseName) { c, checks in
            var config = defaults
            for (key, value) in c["config"]?.objectValue ?? [:] { config[key] = value }
            let expected = c["expect"]
            let expectedError = c["expect_error"]
            guard (expected == nil) != (expectedError == nil) else {
                throw VectorError("a case needs exactly one of `expect` and `expect_error`")
            }

            let request: HttpRequest
            do {
                // Configuration errors may be raised here or when building.
                let client = try Self.client(config: .object(config), nowMs: Int64(try c.int("now_ms")))
                request = try Self.build(client, operation: try c.string("operation"), input: try c.required("input"))
            } catch let error as VectorError {
                throw error
            } catch {
                guard let expectedError else { return checks.fail("unexpected error \(String(reflecting: error))") }
                let (kind, field) = errorKindAndField(error)
                checks.equal("error kind", kind, try expectedError.string("kind"))
                if let expectedField = expectedError["field"] {
                    checks.optionalString("error field", field, expectedField)
                }
                return
            }
            guard let expected else {
                return checks.fail("built \(request.method) \(request.url), expected error \(expectedError!)")
            }

            let method: String
            switch request.method {
            case .get: method = "GET"
            case .post: method = "POST"
            }
            checks.equal("method", method, try expected.string("method"))
            checks.equal("url", request.url, try expected.string("url"))
            let expectedHeaders = try expected.array("headers").map { pair -> [String] in
                guard let p = pair.arrayValue?.compactMap(\.stringValue), p.count == 2 else {
                    throw VectorError("a header is not a [name, value] pair")
                }
                return p
            }
            let actualHeaders = request.headers.map { [$0.name, $0.value] }
            checks.equal("header count", actualHeaders.count, expectedHeaders.count)
            for (i, (actual, want)) in zip(actualHeaders, expectedHeaders).enumerated() where actual != want {
                checks.fail("header \(i): got \(actual), expected \(want)")
            }
            let expectedBody = try expected.string("body")
            if request.body != Data(expectedBody.utf8) {
                checks.fail("body: got \(utf8Text(request.body)), expected \(String(reflecting: expectedBody))")
            }
        }
    }

    /// The vectors' config keys, with absent keys at the API's defaults.
    static func client(config: JSON, nowMs: Int64) throws -> EkoClient {
        var options = EkoOptions(
            baseUrl: try config.string("base_url"),
            initiatorId: try config.string("initiator_id"),
            userCode: try config.string("user_code")
        )
        if let flavour = config["flavour"] {
            switch flavour.stringValue {
            case "v3_json": options.flavour = .v3Json
            case "legacy_form": options.flavour = .legacyForm
            default: throw VectorError("unknown flavour \(flavour)")
            }
        }
        if let send = config["send_user_code_with_otp_request"] {
            guard let b = send.boolValue else { throw VectorError("send_user_code_with_otp_request is not a bool") }
            options.sendUserCodeWithOtpRequest = b
        }
        if let code = config["service_code"] {
            guard let i = code.intValue, let u = Int32(exactly: i) else { throw VectorError("service_code is not an i32") }
            options.serviceCode = u
        }
        if let encoding = config["otp_encoding"] {
            switch encoding.stringValue {
            case "number": options.otpEncoding = .number
            case "string": options.otpEncoding = .string
            default: throw VectorError("unknown otp_encoding \(encoding)")
            }
        }
        if let style = config["client_ref_style"] {
            switch style.stringValue {
            case "prefixed": options.clientRefStyle = .prefixed
            case "bare": options.clientRefStyle = .bare
            default: throw VectorError("unknown client_ref_style \(style)")
            }
        }
        let known: Set<String> = [
            "base_url", "developer_key", "access_key", "initiator_id", "user_code", "flavour",
            "send_user_code_with_otp_request", "service_code", "otp_encoding", "client_ref_style",
        ]
        if let unknown = config.objectValue?.keys.filter({ !known.contains($0) }), !unknown.isEmpty {
            throw VectorError("unknown config keys \(unknown.sorted())")
        }
        return try EkoClient(
            options: options,
            developerKey: try config.string("developer_key"),
            accessKey: try config.string("access_key"),
            clock: fixedClock(unixMs: nowMs)
        )
    }

    static func build(_ client: EkoClient, operation: String, input: JSON) throws -> HttpRequest {
        switch operation {
        case "refund_otp":
            return try client.buildRefundOtp(tid: try input.string("tid"))
        case "initiate_refund":
            let otpRefId = try input["otp_ref_id"].map { v -> String in
                guard let s = v.stringValue else { throw VectorError("otp_ref_id is not a string") }
                return s
            }
            return try client.buildInitiateRefund(tid: try input.string("tid"), otp: try input.string("otp"), otpRefId: otpRefId)
        case "inquiry":
            if input["tid"] != nil {
                return try client.buildInquiryByTid(tid: try input.string("tid"))
            }
            return try client.buildInquiryByClientRefId(clientRefId: try input.string("client_ref_id"))
        case "pending_refunds":
            return try client.buildPendingRefunds(customerMobile: try input.string("customer_mobile"))
        default:
            throw VectorError("unknown operation \(operation)")
        }
    }
}
