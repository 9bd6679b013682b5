// Bulk calls from Swift (`inquireMany`, `statusMany`) against the embedded sandbox: one result per input in input
// order, per-item errors in place, progress ending at the total. With `builtinTransport()` the whole batch runs
// inside Rust and the task awaits it once.
import Foundation
import XCTest
import RefundKit

private final class ProgressRecorder: BulkProgress, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [(Int64, Int64)] = []

    func onProgress(done: Int64, total: Int64) {
        lock.lock()
        recorded.append((done, total))
        lock.unlock()
    }

    var calls: [(Int64, Int64)] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
}

final class BulkTests: XCTestCase {
    private let policy = RetryPolicy(maxAttempts: 4, maxPolls: 6, baseDelayMs: 1, maxDelayMs: 5)

    func testInquireManyKeepsInputOrderAndErrorsInPlace() async throws {
        let sandbox = try Sandbox.start(port: 0, seed: 31, pollsUntilSuccess: 1, faults: "")
        defer { sandbox.stop() }
        let c = sandbox.credentials()
        let eko = try EkoRefunds(
            options: EkoOptions(baseUrl: sandbox.ekoBaseUrl(), initiatorId: c.ekoInitiatorId, userCode: c.ekoUserCode),
            developerKey: c.ekoDeveloperKey, accessKey: c.ekoAccessKey,
            transport: try builtinTransport(), policy: policy)
        var tids = try (0..<25).map { try sandbox.createEkoTransaction(amountPaise: 1_000 + Int64($0)).tid }
        tids.insert("not-a-tid", at: 4)
        let progress = ProgressRecorder()
        let results = await eko.inquireMany(tids: tids, concurrency: 8, ratePerSecond: nil, progress: progress)
        XCTAssertEqual(results.count, tids.count)
        for (i, result) in results.enumerated() {
            switch result {
            case .report(let report):
                XCTAssertNotEqual(i, 4, "the bad tid has no report")
                XCTAssertEqual(report.reference, tids[i])
                XCTAssertEqual(report.moneyMovingSends, 0)
            case .error(let error):
                XCTAssertEqual(i, 4)
                guard case .InvalidInput(let field, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(field, "tid")
            }
        }
        let last = try XCTUnwrap(progress.calls.last)
        XCTAssertEqual(last.0, Int64(tids.count))
        XCTAssertEqual(last.1, Int64(tids.count))
    }

    func testPaytmStatusManyReadsEachRefundOnce() async throws {
        let sandbox = try Sandbox.start(port: 0, seed: 32, pollsUntilSuccess: 1, faults: "")
        defer { sandbox.stop() }
        let c = sandbox.credentials()
        let paytm = try PaytmRefunds(
            options: PaytmOptions(mid: c.paytmMid, environment: .staging, baseUrl: sandbox.baseUrl()),
            merchantKey: c.paytmMerchantKey, transport: try builtinTransport(), policy: policy)
        var queries: [PaytmStatusQuery] = []
        for i in 0..<5 {
            let order = try sandbox.createPaytmOrder(amountPaise: 2_000 + Int64(i))
            let ref = "S-BULK-\(i)"
            let report = try await paytm.refund(apply: PaytmRefundApply(
                orderId: order.orderId, refId: ref, txnId: order.txnId, refundAmountPaise: 2_000 + Int64(i)))
            XCTAssertEqual(report.outcome.status, .succeeded)
            queries.append(PaytmStatusQuery(orderId: order.orderId, refId: ref))
        }
        let results = await paytm.statusMany(queries: queries, concurrency: 4, ratePerSecond: nil, progress: nil)
        XCTAssertEqual(results.count, queries.count)
        for (i, result) in results.enumerated() {
            guard case .report(let report) = result else { return XCTFail("\(result)") }
            XCTAssertEqual(report.reference, queries[i].refId)
            XCTAssertEqual(report.outcome.status, .succeeded)
            XCTAssertEqual(report.moneyMovingSends, 0)
        }
        XCTAssertEqual(try sandbox.ledger().count, queries.count, "each refund moved money once")
    }
}
