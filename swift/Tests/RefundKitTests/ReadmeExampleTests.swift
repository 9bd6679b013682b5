// The README's quick start, compiled and run against canned Eko answers (keep the two in step).
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking   // URLSession on Linux
#endif
import XCTest
import RefundKit

/// Refunds Eko transaction `tid`. `send` is your HTTP client; `askForOtp` asks the customer for the OTP.
func refund(
    tid: String, eko: EkoClient,
    send: (HttpRequest) async throws -> HttpResponse,
    askForOtp: () async throws -> String
) async throws -> Outcome {
    // 1. Ask Eko to send the customer a refund OTP. Moves no money.
    let otpOutcome = ekoInterpretRefundOtp(response: try await send(try eko.buildRefundOtp(tid: tid)))
    guard otpOutcome.nextStep == .collectOtp || otpOutcome.nextStep == .collectOtpOrResendLater else {
        return otpOutcome  // e.g. .failed because .alreadyRefunded, or .indeterminate with .retryLater
    }
    // 2. Initiate the refund. MOVES MONEY: never send it twice.
    let request = try eko.buildInitiateRefund(tid: tid, otp: try await askForOtp(), otpRefId: otpOutcome.otp?.otpRefId)
    let outcome = ekoInterpretInitiateRefund(response: try await send(request))
    if outcome.status == .pending || outcome.status == .indeterminate {
        // 3. Not final: inquire the ORIGINAL tid (again later while nextStep == .pollLater).
        return ekoInterpretInquiry(response: try await send(try eko.buildInquiryByTid(tid: tid)))
    }
    return outcome
}

/// A transport: sends exactly what was built (the body bytes are the signed bytes). Compiled, not called.
func send(_ request: HttpRequest) async throws -> HttpResponse {
    var r = URLRequest(url: URL(string: request.url)!)
    r.httpMethod = request.method == .post ? "POST" : "GET"
    for h in request.headers { r.addValue(h.value, forHTTPHeaderField: h.name) }
    if !request.body.isEmpty { r.httpBody = request.body }
    let (data, response) = try await URLSession.shared.data(for: r)
    return HttpResponse(status: Int32((response as! HTTPURLResponse).statusCode), body: data)
}

/// Answers with canned responses in order and records what was sent.
private actor CannedEko {
    private var answers: [(Int32, String)]
    private(set) var sent: [HttpRequest] = []
    init(_ answers: [(Int32, String)]) { self.answers = answers }
    func send(_ request: HttpRequest) throws -> HttpResponse {
        sent.append(request)
        guard !answers.isEmpty else { throw URLError(.cannotConnectToHost) }
        let (status, body) = answers.removeFirst()
        return HttpResponse(status: status, body: Data(body.utf8))
    }
}

final class ReadmeExampleTests: XCTestCase {
    func testRefundFlowSucceeds() async throws {
        let eko = try EkoClient.uat(clock: fixedClock(unixMs: 1_700_000_000_000))
        let canned = CannedEko([
            (200, #"{"response_status_id":1,"data":{"otp_ref_id":"ref-1"},"response_type_id":2133,"message":"Send OTP","status":2133}"#),
            (200, #"{"response_status_id":0,"response_type_id":74,"message":"Refund done","status":0,"data":{"refund_tid":"2147591637","amount":"5000.00","tid":"13192443","refunded_amount":"5050.00"}}"#),
        ])
        let outcome = try await refund(tid: "13192443", eko: eko, send: { try await canned.send($0) }, askForOtp: { "123456" })
        XCTAssertEqual(outcome.status, .succeeded)
        XCTAssertEqual(outcome.reason, .refunded)
        XCTAssertEqual(outcome.refund?.refundedAmountPaise.map { formatRupees(paise: $0) }, "5050.00")
        let sent = await canned.sent
        XCTAssertEqual(sent.map(\.url), [
            "https://staging.eko.in/ekoapi/v3/customer/payment/refund/13192443/otp",
            "https://staging.eko.in/ekoapi/v3/customer/payment/refund/13192443",
        ])
        XCTAssertTrue(String(decoding: sent[1].body, as: UTF8.self).contains(#""otp_ref_id":"ref-1""#))
    }

    func testUnclearRefundIsInquiredNotResent() async throws {
        let eko = try EkoClient.uat(clock: fixedClock(unixMs: 1_700_000_000_000))
        let canned = CannedEko([
            (200, #"{"response_status_id":1,"data":{"otp_ref_id":"ref-1"},"response_type_id":2133,"message":"Send OTP","status":2133}"#),
            (504, "gateway timeout"),
            (200, #"{"status":0,"response_status_id":-1,"response_type_id":1472,"message":"Sucess! Enquiry success.","tx_status":"4","txstatus_desc":"Refunded","data":{"tid":"13192443","amount":"5000.0","tx_status":"4"}}"#),
        ])
        let outcome = try await refund(tid: "13192443", eko: eko, send: { try await canned.send($0) }, askForOtp: { "123456" })
        let sent = await canned.sent
        XCTAssertEqual(sent.count, 3)
        XCTAssertEqual(sent.last?.method, .get)
        XCTAssertEqual(sent.last?.url, "https://staging.eko.in/ekoapi/v3/tools/reference/transaction/13192443?initiator_id=9962981729&user_code=20810200")
        XCTAssertEqual(outcome.status, .succeeded)
    }

    func testInputErrorIsCaughtByField() async throws {
        let eko = try EkoClient.uat()
        do {
            _ = try await refund(tid: "13192443", eko: eko, send: { _ in
                HttpResponse(status: 200, body: Data(#"{"response_status_id":1,"data":{"otp_ref_id":"r"},"status":2133}"#.utf8))
            }, askForOtp: { "12a" })
            XCTFail("an invalid OTP was accepted")
        } catch RefundkitError.InvalidInput(let field, _) {
            XCTAssertEqual(field, "otp")
        }
    }
}
