// The README's Paytm and UPI Refund 360 quick starts (`refundPaytm`, `refundUpi`, kept verbatim in step with
// README.md), compiled and run against canned answers.
import Foundation
import XCTest
import RefundKit

/// Refunds `refundAmountPaise` of a Paytm order. Persist `refId` BEFORE calling: it is the refund's identity.
func refundPaytm(
    paytm: PaytmClient, orderId: String, txnId: String, refId: String, refundAmountPaise: Int64,
    send: (HttpRequest) async throws -> HttpResponse
) async throws -> Outcome {
    // 1. Refund Apply. MOVES MONEY: never send it again under a new refId.
    let apply = try paytm.buildRefundApply(orderId: orderId, refId: refId, txnId: txnId, refundAmountPaise: refundAmountPaise)
    let outcome = paytm.interpretRefundApply(response: try await send(apply))
    guard outcome.status == .pending || outcome.status == .indeterminate else { return outcome }
    // 2. Not final: query the status with the SAME refId (read-only; repeat later while .pollLater).
    //    What is known about the apply decides what "631 record not found" means.
    let prior: PaytmPriorApply = outcome.status == .pending
        ? .acceptedAt(unixMs: Int64(Date().timeIntervalSince1970 * 1000)) : .unknown
    let status = try paytm.buildRefundStatus(orderId: orderId, refId: refId)
    return paytm.interpretRefundStatus(response: try await send(status), priorApply: prior)
}

/// Refunds a UPI payment through Juspay's UPI Refund 360. Persist `refund.refundRequestId` BEFORE calling.
func refundUpi(
    upi: Upi360Client, refund: Upi360RefundRequest, send: (HttpRequest) async throws -> HttpResponse
) async throws -> Outcome {
    // 1. MOVES MONEY: never send a new refundRequestId for the same refund.
    let outcome = upi.interpretRefund360(refund: refund, response: try await send(try upi.buildRefund360(refund: refund)))
    guard outcome.status == .pending || outcome.status == .indeterminate else { return outcome }
    // 2. DEEMED, unsigned/invalid signature, timeouts: re-query the SAME refundRequestId.
    let query = upi360StatusRequestFor(refund: refund)
    return upi.interpretRefundStatus(query: query, response: try await send(try upi.buildRefundStatus(query: query)))
}

/// Answers with canned responses in order and records what was sent.
private actor Canned {
    private var answers: [HttpResponse]
    private(set) var sent: [HttpRequest] = []
    init(_ answers: [HttpResponse]) { self.answers = answers }
    func send(_ request: HttpRequest) throws -> HttpResponse {
        sent.append(request)
        guard !answers.isEmpty else { throw URLError(.cannotConnectToHost) }
        return answers.removeFirst()
    }
}

final class ReadmeProviderExampleTests: XCTestCase {
    /// A Refund Apply answered 503 is not final: the status is queried with the same refId, never re-applied.
    func testPaytmUnclearApplyIsQueriedNotResent() async throws {
        let paytm = try PaytmClient.staging(mid: "INTEGR7769XXXXXX9383", merchantKey: "Test&Key#12345$@")
        let canned = Canned([HttpResponse(status: 503, body: Data("busy".utf8)), HttpResponse(status: 503, body: Data())])
        let outcome = try await refundPaytm(
            paytm: paytm, orderId: "OREDRID_98765", txnId: "202005081112128XXXXXX68470101509706",
            refId: "REFUNDID_98765", refundAmountPaise: 100, send: { try await canned.send($0) })
        XCTAssertNotEqual(outcome.status, .succeeded)
        XCTAssertNotEqual(outcome.status, .failed)
        let urls = await canned.sent.map(\.url)
        XCTAssertEqual(urls, ["https://securestage.paytmpayments.com/refund/apply",
                              "https://securestage.paytmpayments.com/v2/refund/status"])
        let statusBody = String(decoding: await canned.sent[1].body, as: UTF8.self)
        XCTAssertTrue(statusBody.contains(#""refId":"REFUNDID_98765""#), statusBody)
    }

    /// An unsigned success answer is untrusted: the same refundRequestId is queried, and nothing is re-sent.
    func testUpiUntrustedAnswerIsQueriedNotResent() async throws {
        let upi = try Upi360Client(
            options: Upi360Options(host: "https://api.beta.yesbank.upi.juspay.in", uri: "n2", merchantId: "MERCHANT1",
                                   merchantChannelId: "CHANNEL1", signing: .pss),
            signingKey: try Upi360Vectors.key("test_only_merchant_private_pkcs8.pem"),
            pspPublicKeyPem: try Upi360Vectors.key("test_only_psp_public_spki.pem"))
        let refund = Upi360RefundRequest(
            refundRequestId: "RF20250101ABC", amountPaise: 10_000, refundType: .online, remarks: "Customer refund",
            originalUpiRequestId: "YJP1234567890ABCDEFGHIJKLMNOPQRSTUV", merchantRefundVpa: "refunds@parentbank")
        let unsigned = HttpResponse(status: 200, body: Data(#"{"status":"SUCCESS","responseCode":"SUCCESS","payload":{"refundRequestId":"RF20250101ABC","refundAmount":"100.00","refundType":"ONLINE","gatewayResponseStatus":"SUCCESS","gatewayResponseCode":"00"}}"#.utf8))
        let canned = Canned([unsigned, unsigned])
        let outcome = try await refundUpi(upi: upi, refund: refund, send: { try await canned.send($0) })
        XCTAssertEqual(outcome.status, .indeterminate)
        XCTAssertEqual(outcome.reason, .untrustedResponse)
        let sent = await canned.sent
        XCTAssertEqual(sent.count, 2)
        XCTAssertTrue(sent[0].url.hasSuffix("/refund360"), sent[0].url)
        XCTAssertTrue(sent[1].url.hasSuffix("/refund/status"), sent[1].url)
        XCTAssertTrue(String(decoding: sent[1].body, as: UTF8.self).contains("RF20250101ABC"))
    }
}
