// The async refund clients (`EkoRefunds`, `PaytmRefunds`, `Upi360Refunds`) driven by Swift implementations of the
// foreign protocols: an in-process fake provider (`HttpTransport`) answering from the vector bodies, a back-office
// signer (`RequestSigner`), a dictionary attempt store (`AttemptStore`) and an os_log-style sink (`LogSink`).
// Every money-moving test counts the money-moving requests the fake received: a re-send fails the test.
import Foundation
import XCTest
import RefundKit
#if canImport(os)
import os
#endif

// MARK: - Test data

private let ekoDeveloperKey = "becbbce45f79c6f5109f848acd540567"
private let ekoAccessKey = "TEST_ACCESS_KEY_DO_NOT_USE"
private let ekoTid = "13192443"
private let otp = "918273"
private let ekoRefundOk = #"{"status":0,"response_status_id":0,"message":"Success","data":{"tx_status":4}}"#

private let paytmMid = "INTEGR7769XXXXXX9383"
private let paytmKey = "Test&Key#12345$@"
private let paytmApply = PaytmRefundApply(
    orderId: "OREDRID_98765", refId: "REFUNDID_98765", txnId: "202005081112128XXXXXX68470101509706",
    refundAmountPaise: 100)

private let upiRefund = Upi360RefundRequest(
    refundRequestId: "RF20250101ABC", amountPaise: 10_000, refundType: .online, remarks: "Customer refund",
    originalUpiRequestId: "YJP1234567890ABCDEFGHIJKLMNOPQRSTUV", merchantRefundVpa: "refunds@parentbank")

/// Millisecond delays so retries and polls are fast.
private let fastPolicy = RetryPolicy(maxAttempts: 4, maxPolls: 5, baseDelayMs: 1, maxDelayMs: 2)

/// The answer of a case of `tests/vectors/<file>` (status, headers, body).
private func vectorResponse(_ file: String, _ name: String) throws -> HttpResponse {
    let cases = try Vectors.load(file).array("cases")
    guard let testCase = cases.first(where: { $0["name"]?.stringValue == name }) else {
        throw VectorError("\(file) has no case \(name)")
    }
    let response = try testCase.required("response")
    return HttpResponse(
        status: Int32(try response.int("status")), headers: try vectorHeaders(response["headers"]),
        body: Data(try response.string("body").utf8))
}

private func json(_ body: String, status: Int32 = 200) -> HttpResponse {
    HttpResponse(status: status, headers: [Header(name: "content-type", value: "application/json")], body: Data(body.utf8))
}

private func headerValue(_ request: HttpRequest, _ name: String) -> String? {
    request.headers.first { $0.name.lowercased() == name }?.value
}

private func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

private let isEkoRefund: @Sendable (HttpRequest) -> Bool = { $0.method == .post && !$0.url.hasSuffix("/otp") }
private let isPaytmApply: @Sendable (HttpRequest) -> Bool = { $0.url.hasSuffix("/refund/apply") }
private let isUpiRefund360: @Sendable (HttpRequest) -> Bool = { $0.url.hasSuffix("/refund360") }

// MARK: - Swift implementations of the foreign protocols

/// A value behind a lock. `withValue` is synchronous, so it may be called from async code (the lock is never held
/// across a suspension point).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withValue<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// A one-shot signal: `wait()` returns once `fire()` was called (before or after).
final class Signal: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func fire() {
        lock.lock()
        fired = true
        let waiting = waiters
        waiters = []
        lock.unlock()
        waiting.forEach { $0.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if fired {
                lock.unlock()
                continuation.resume()
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }
}

/// What the fake provider does with one request.
enum FakeReply: Sendable {
    /// Answers.
    case answer(HttpResponse)
    /// Processes the request, then the answer is lost: the transport raises `MaybeProcessed`.
    case lost
    /// The request never left (connection refused): `NotSent`.
    case notSent
    /// Processes the request, then the transport fails with a Swift error that is not a `TransportFailure`.
    case swiftError
}

/// An in-process fake provider behind the `HttpTransport` protocol. Records every request; `reply` decides per
/// request, given whether it moves money and how many requests of its kind came before. Mutable state is behind a
/// lock.
final class FakeProvider: HttpTransport {
    struct SomethingBroke: Error, CustomStringConvertible { var description: String { "socket closed mid-answer" } }

    private let seen = Locked<[HttpRequest]>([])
    private let isMoneyMoving: @Sendable (HttpRequest) -> Bool
    private let reply: @Sendable (_ request: HttpRequest, _ moneyMoving: Bool, _ nth: Int) throws -> FakeReply
    /// Called with each money-moving request before replying (e.g. to look at the attempt store at that moment).
    private let onMoneyMoving: (@Sendable (HttpRequest) async -> Void)?

    init(
        isMoneyMoving: @escaping @Sendable (HttpRequest) -> Bool,
        onMoneyMoving: (@Sendable (HttpRequest) async -> Void)? = nil,
        reply: @escaping @Sendable (_ request: HttpRequest, _ moneyMoving: Bool, _ nth: Int) throws -> FakeReply
    ) {
        self.isMoneyMoving = isMoneyMoving
        self.onMoneyMoving = onMoneyMoving
        self.reply = reply
    }

    var requests: [HttpRequest] { seen.withValue { $0 } }
    var moneyMovingRequests: [HttpRequest] { requests.filter(isMoneyMoving) }
    var otherRequests: [HttpRequest] { requests.filter { !isMoneyMoving($0) } }

    func send(request: HttpRequest) async throws -> HttpResponse {
        let moneyMoving = isMoneyMoving(request)
        let nth = seen.withValue { seen -> Int in
            defer { seen.append(request) }
            return seen.filter { isMoneyMoving($0) == moneyMoving }.count
        }
        if moneyMoving, let hook = onMoneyMoving { await hook(request) }
        switch try reply(request, moneyMoving, nth) {
        case .answer(let response): return response
        case .lost: throw TransportFailure.MaybeProcessed(reason: "read timed out after the request was written")
        case .notSent: throw TransportFailure.NotSent(reason: "connection refused")
        case .swiftError: throw SomethingBroke()
        }
    }
}

/// A back office standing in for the keys the app does not hold: signs with `signWithKey(input:key:)` (refundkit's
/// reference signer, as a back office would run it) and verifies Paytm answers with `verifyPaytmWithKey`.
final class BackOfficeSigner: RequestSigner {
    struct Unreachable: Error, CustomStringConvertible { var description: String { "back office unreachable" } }

    private let inputs = Locked<[SignatureInput]>([])
    private let fail: Bool
    init(fail: Bool = false) { self.fail = fail }

    var signed: [SignatureInput] { inputs.withValue { $0 } }

    func sign(input: SignatureInput) async throws -> Data {
        inputs.withValue { $0.append(input) }
        if fail { throw Unreachable() }
        switch input.provider {
        case "eko": return try signWithKey(input: input, key: ekoAccessKey)
        case "paytm": return try signWithKey(input: input, key: paytmKey)
        default: return try signWithKey(input: input, key: try Upi360Vectors.key("test_only_merchant_private_pkcs8.pem"))
        }
    }

    func verifyPaytm(rawBody: String, signature: String) async throws -> Bool {
        verifyPaytmWithKey(rawBody: rawBody, signature: signature, merchantKey: paytmKey)
    }
}

/// An attempt store over a dictionary (a real app would use a file, Core Data, SQLite...). `failSaves` makes every
/// save raise, like a full disk.
final class DictionaryAttemptStore: AttemptStore {
    struct DiskFull: Error, CustomStringConvertible { var description: String { "disk full" } }

    private let state = Locked<(records: [String: String], saves: Int)>(([:], 0))
    private let failSaves: Bool
    init(failSaves: Bool = false) { self.failSaves = failSaves }

    var saves: Int { state.withValue { $0.saves } }
    var snapshot: [String: String] { state.withValue { $0.records } }

    func save(key: String, recordJson: String) async throws {
        if failSaves { throw DiskFull() }
        state.withValue { $0.saves += 1; $0.records[key] = recordJson }
    }

    func remove(key: String) async throws {
        state.withValue { $0.records[key] = nil }
    }

    func unresolved() async throws -> [String] {
        state.withValue { Array($0.records.values) }
    }
}

/// A log sink that forwards to os_log where there is one (Apple platforms) and keeps the lines (all platforms).
final class OSLogSink: LogSink {
    private let collected = Locked<[String]>([])
#if canImport(os)
    private let osLog = OSLog(subsystem: "io.refundkit", category: "refundkit")
#endif

    var lines: [String] { collected.withValue { $0 } }

    func log(level: LogLevel, target: String, message: String) {
#if canImport(os)
        let type: OSLogType
        switch level {
        case .trace, .debug: type = .debug
        case .info: type = .info
        case .warn: type = .default
        case .error: type = .error
        }
        os_log("%{public}@: %{public}@", log: osLog, type: type, target, message)
#endif
        collected.withValue { $0.append("\(level) \(target): \(message)") }
    }
}

// MARK: - Clients

private func ekoClient(
    _ transport: HttpTransport, accessKey: String = ekoAccessKey, signer: RequestSigner? = nil,
    store: AttemptStore? = nil, clock: RefundKit.Clock = SteppingClock(startMs: 1_700_000_000_000)
) throws -> EkoRefunds {
    try EkoRefunds(
        options: ekoUatOptions(), developerKey: ekoDeveloperKey, accessKey: accessKey, transport: transport,
        policy: fastPolicy, signer: signer, store: store, clock: clock)
}

/// Answers the Eko refund with `refundReply` and every inquiry with "refunded (tx_status 4)".
private func ekoProvider(
    onMoneyMoving: (@Sendable (HttpRequest) async -> Void)? = nil, refundReply: @escaping @Sendable (Int) -> FakeReply
) throws -> FakeProvider {
    let refunded = try vectorResponse("eko_interpret.json", "inquiry: refunded (tx_status 4, response_type_id 1472)")
    return FakeProvider(isMoneyMoving: isEkoRefund, onMoneyMoving: onMoneyMoving) { _, moneyMoving, nth in
        moneyMoving ? refundReply(nth) : .answer(refunded)
    }
}

private func paytmClient(
    _ transport: HttpTransport, merchantKey: String = paytmKey, signer: RequestSigner? = nil
) throws -> PaytmRefunds {
    // The vector answers carry responseTimestamp 1700000000000: the device clock agrees.
    try PaytmRefunds(
        options: PaytmOptions(mid: paytmMid, environment: .staging), merchantKey: merchantKey, transport: transport,
        policy: fastPolicy, signer: signer, clock: FixedSwiftClock(unixMs: 1_700_000_000_000))
}

private func paytmProvider(applyReply: @escaping @Sendable (Int) -> FakeReply) throws -> FakeProvider {
    let success = try vectorResponse("paytm_interpret.json", "status §6.2 10 TXN_SUCCESS")
    return FakeProvider(isMoneyMoving: isPaytmApply) { _, moneyMoving, nth in
        moneyMoving ? applyReply(nth) : .answer(success)
    }
}

private func upiClient(
    _ transport: HttpTransport, signingKey: String? = nil, signer: RequestSigner? = nil
) throws -> Upi360Refunds {
    try Upi360Refunds(
        options: Upi360Options(
            host: "https://api.beta.yesbank.upi.juspay.in", uri: "n2", merchantId: "MERCHANT1",
            merchantChannelId: "CHANNEL1", signing: .pss),
        signingKey: try signingKey ?? Upi360Vectors.key("test_only_merchant_private_pkcs8.pem"),
        pspPublicKeyPem: try Upi360Vectors.key("test_only_psp_public_spki.pem"), transport: transport,
        policy: fastPolicy, signer: signer, clock: FixedSwiftClock(unixMs: Upi360Vectors.defaultNowMs))
}

private func upiProvider(refundReply: @escaping @Sendable (Int) -> FakeReply) throws -> FakeProvider {
    let success = try vectorResponse("upi360_interpret.json", "success keeps ids and exact amounts")
    return FakeProvider(isMoneyMoving: isUpiRefund360) { _, moneyMoving, nth in
        moneyMoving ? refundReply(nth) : .answer(success)
    }
}

/// Runs `body`, which must throw a `RefundkitError`; returns it.
private func refundkitError<T>(
    _ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line
) async -> RefundkitError? {
    do {
        let value = try await body()
        XCTFail("expected a RefundkitError, got \(value)", file: file, line: line)
    } catch let error as RefundkitError {
        return error
    } catch {
        XCTFail("expected a RefundkitError, got \(type(of: error)): \(error)", file: file, line: line)
    }
    return nil
}

// MARK: - Tests

final class RefundClientTests: XCTestCase {
    // MARK: 1. A lost money-moving answer is resolved by inquiry/status, never re-sent

    func testEkoLostRefundAnswerIsResolvedByInquiry() async throws {
        let provider = try ekoProvider { _ in .lost }
        let report = try await ekoClient(provider).refund(tid: ekoTid, otp: otp, otpRefId: nil)

        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        XCTAssertEqual(report.outcome.reason, .refunded)
        XCTAssertEqual(report.reference, ekoTid)
        XCTAssertEqual(report.moneyMovingSends, 1)
        XCTAssertTrue(report.resolvedByInquiry)
        XCTAssertEqual(provider.moneyMovingRequests.count, 1, "the refund is sent exactly once")
        XCTAssertEqual(provider.moneyMovingRequests[0].url, "https://staging.eko.in/ekoapi/v3/customer/payment/refund/13192443")
        let inquiries = provider.otherRequests
        XCTAssertFalse(inquiries.isEmpty)
        for inquiry in inquiries {
            XCTAssertEqual(inquiry.method, .get)
            XCTAssertTrue(inquiry.url.contains("/tools/reference/transaction/\(ekoTid)?"), inquiry.url)
        }
        XCTAssertEqual(report.attempts, Int32(provider.requests.count))
        XCTAssertNotNil(report.recordJson)
    }

    func testPaytmLostApplyAnswerIsResolvedByStatusWithTheSameRefId() async throws {
        let provider = try paytmProvider { _ in .lost }
        let report = try await paytmClient(provider).refund(apply: paytmApply)

        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        XCTAssertEqual(report.outcome.reason, .refunded)
        XCTAssertEqual(report.reference, "REFUNDID_98765")
        XCTAssertEqual(report.moneyMovingSends, 1)
        XCTAssertTrue(report.resolvedByInquiry)
        XCTAssertEqual(provider.moneyMovingRequests.count, 1, "the apply is sent exactly once")
        XCTAssertFalse(provider.otherRequests.isEmpty)
        for status in provider.otherRequests {
            XCTAssertTrue(status.url.hasSuffix("/v2/refund/status"), status.url)
            XCTAssertTrue(text(status.body).contains(#""refId":"REFUNDID_98765""#), text(status.body))
        }
    }

    func testUpi360LostRefundAnswerIsResolvedByStatusWithTheSameId() async throws {
        let provider = try upiProvider { _ in .lost }
        let report = try await upiClient(provider).refund(request: upiRefund)

        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        XCTAssertEqual(report.reference, "RF20250101ABC")
        XCTAssertEqual(report.moneyMovingSends, 1)
        XCTAssertTrue(report.resolvedByInquiry)
        XCTAssertEqual(report.outcome.refund?.refundedAmountPaise, 10_000)
        XCTAssertEqual(provider.moneyMovingRequests.count, 1, "Refund 360 is sent exactly once")
        XCTAssertFalse(provider.otherRequests.isEmpty)
        for status in provider.otherRequests {
            XCTAssertTrue(status.url.hasSuffix("/refund/status"), status.url)
            XCTAssertTrue(text(status.body).contains("RF20250101ABC"), text(status.body))
        }
    }

    func testUpi360DeemedAnswerIsPolledByStatusNeverRefundedAgain() async throws {
        let deemed = try vectorResponse("upi360_interpret.json", "gatewayResponseStatus DEEMED / RB")
        let provider = try upiProvider { _ in .answer(deemed) }
        let report = try await upiClient(provider).refund(request: upiRefund)
        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        XCTAssertEqual(report.moneyMovingSends, 1)
        XCTAssertTrue(report.resolvedByInquiry)
        XCTAssertEqual(provider.moneyMovingRequests.count, 1)
    }

    func testAnyOtherSwiftErrorFromTheTransportCountsAsMaybeProcessed() async throws {
        let provider = try ekoProvider { _ in .swiftError }
        let report = try await ekoClient(provider).refund(tid: ekoTid, otp: otp, otpRefId: nil)
        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        XCTAssertTrue(report.resolvedByInquiry)
        XCTAssertEqual(report.moneyMovingSends, 1)
        XCTAssertEqual(provider.moneyMovingRequests.count, 1, "an unknown failure is never re-sent")
    }

    // MARK: 2. NotSent: re-sent with the same id, signed afresh

    func testEkoRefundThatNeverLeftIsResentWithTheSameIdAndAFreshSignature() async throws {
        let refundOk = json(ekoRefundOk)
        let provider = try ekoProvider { nth in nth == 0 ? .notSent : .answer(refundOk) }
        let report = try await ekoClient(provider).refund(tid: ekoTid, otp: otp, otpRefId: nil)

        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        XCTAssertFalse(report.resolvedByInquiry, "the second send answered")
        XCTAssertEqual(report.moneyMovingSends, 2)
        let sends = provider.moneyMovingRequests
        XCTAssertEqual(sends.count, 2)
        guard sends.count == 2 else { return }
        XCTAssertEqual(sends[0].url, sends[1].url, "same tid")
        XCTAssertTrue(sends[0].url.hasSuffix("/refund/\(ekoTid)"))
        XCTAssertEqual(sends[0].body, sends[1].body, "same refund")
        let stamps = sends.map { headerValue($0, "secret-key-timestamp") }
        XCTAssertNotNil(stamps[0])
        XCTAssertNotEqual(stamps[0], stamps[1], "each send is signed afresh")
        XCTAssertNotEqual(headerValue(sends[0], "secret-key"), headerValue(sends[1], "secret-key"))
        XCTAssertTrue(provider.otherRequests.isEmpty, "no inquiry needed")
    }

    func testPaytmApplyThatNeverLeftIsResentWithTheSameRefId() async throws {
        let pending = try vectorResponse("paytm_interpret.json", "apply §6.1 601 PENDING")
        let provider = try paytmProvider { nth in nth == 0 ? .notSent : .answer(pending) }
        let report = try await paytmClient(provider).refund(apply: paytmApply)
        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        let sends = provider.moneyMovingRequests
        XCTAssertEqual(sends.count, 2)
        XCTAssertEqual(report.moneyMovingSends, 2)
        for send in sends { XCTAssertTrue(text(send.body).contains(#""refId":"REFUNDID_98765""#)) }
    }

    // MARK: 3. A Swift RequestSigner (delegated signing: the client holds no key)

    func testSwiftSignerSignsForAKeylessEkoClient() async throws {
        let signer = BackOfficeSigner()
        let provider = try ekoProvider { _ in .answer(json(ekoRefundOk)) }
        let report = try await ekoClient(provider, accessKey: "", signer: signer).refund(tid: ekoTid, otp: otp, otpRefId: nil)

        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        XCTAssertEqual(provider.requests.count, 1)
        let sent = try XCTUnwrap(provider.requests.first)
        let timestamp = try XCTUnwrap(headerValue(sent, "secret-key-timestamp"))
        // The header verifies against the access key the app never held.
        XCTAssertEqual(
            headerValue(sent, "secret-key"), try ekoSecretKey(accessKey: ekoAccessKey, timestampMs: try XCTUnwrap(Int64(timestamp))))
        XCTAssertEqual(signer.signed.count, 1)
        XCTAssertEqual(signer.signed.first?.provider, "eko")
        XCTAssertEqual(signer.signed.first?.algorithm, .ekoSecretKey)
        XCTAssertEqual(signer.signed.first.map { text($0.message) }, timestamp, "Eko signs the timestamp")
    }

    func testSwiftSignerSignsAndVerifiesForAKeylessPaytmClient() async throws {
        let signer = BackOfficeSigner()
        let pending = try vectorResponse("paytm_interpret.json", "apply §6.1 601 PENDING")
        let provider = try paytmProvider { _ in .answer(pending) }
        let report = try await paytmClient(provider, merchantKey: "", signer: signer).refund(apply: paytmApply)

        // Succeeded needs the signed answers verified: the signer's verifyPaytm did it.
        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        XCTAssertEqual(report.outcome.raw.codes.first { $0.name == "signature" }?.value, "valid")
        let apply = try XCTUnwrap(provider.moneyMovingRequests.first)
        let body = text(apply.body)
        let start = try XCTUnwrap(body.range(of: #"{"mid""#)).lowerBound
        let end = try XCTUnwrap(body.range(of: #","head":"#)).lowerBound
        let head = try XCTUnwrap(
            (JSONSerialization.jsonObject(with: apply.body) as? [String: Any])?["head"] as? [String: Any], body)
        let signature = try XCTUnwrap(head["signature"] as? String)
        XCTAssertTrue(verifyPaytmWithKey(rawBody: String(body[start..<end]), signature: signature, merchantKey: paytmKey))
        XCTAssertFalse(verifyPaytmWithKey(rawBody: String(body[start..<end]), signature: signature, merchantKey: "other"))
        XCTAssertTrue(signer.signed.allSatisfy { $0.provider == "paytm" && $0.algorithm == .paytmChecksum })
        XCTAssertEqual(signer.signed.count, provider.requests.count, "one signature per request sent")
    }

    func testSwiftSignerSignsForAKeylessUpi360Client() async throws {
        let signer = BackOfficeSigner()
        let success = try vectorResponse("upi360_interpret.json", "success keeps ids and exact amounts")
        let provider = try upiProvider { _ in .answer(success) }
        let report = try await upiClient(provider, signingKey: "", signer: signer).refund(request: upiRefund)

        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        let sent = try XCTUnwrap(provider.moneyMovingRequests.first)
        let timestamp = try XCTUnwrap(Int64(try XCTUnwrap(headerValue(sent, "x-timestamp"))))
        let input = try upiSignatureInput(
            merchantId: "MERCHANT1", merchantChannelId: "CHANNEL1", subMerchantId: nil, subMerchantChannelId: nil,
            timestampMs: timestamp, body: sent.body)
        let signatureHex = try XCTUnwrap(headerValue(sent, "x-merchant-signature"))
        XCTAssertTrue(try upiVerifyPssSignature(
            message: input, signatureHex: signatureHex,
            publicKeyPem: try Upi360Vectors.key("test_only_merchant_public_spki.pem")))
        XCTAssertEqual(signer.signed.first?.algorithm, .rsaPssSha256)
        XCTAssertEqual(signer.signed.first?.message, input)
    }

    func testThrowingSignerIsASignerErrorAndNothingIsSent() async throws {
        let provider = try ekoProvider { _ in .answer(json(ekoRefundOk)) }
        let client = try ekoClient(provider, accessKey: "", signer: BackOfficeSigner(fail: true))
        let error = await refundkitError { try await client.refund(tid: ekoTid, otp: otp, otpRefId: nil) }
        guard case .Signer(let reason)? = error else { return XCTFail("expected Signer, got \(String(describing: error))") }
        XCTAssertTrue(reason.contains("back office unreachable"), reason)
        XCTAssertTrue(provider.requests.isEmpty, "nothing was sent")

        let paytm = try paytmProvider { _ in .lost }
        let paytmError = await refundkitError {
            try await paytmClient(paytm, merchantKey: "", signer: BackOfficeSigner(fail: true)).refund(apply: paytmApply)
        }
        guard case .Signer? = paytmError else { return XCTFail("expected Signer, got \(String(describing: paytmError))") }
        XCTAssertTrue(paytm.requests.isEmpty)
    }

    // MARK: 4. A Swift AttemptStore: crash, then resume on a new client

    func testCrashAfterTheRefundWasSentIsResumedFromTheSwiftStoreByInquiryOnly() async throws {
        // The "crash": the process dies while the refund is on the wire. What survives is what the store held at
        // that moment, so the fake provider copies the store when the refund arrives.
        let store = DictionaryAttemptStore()
        let atCrash = DictionaryAttemptStore()
        let provider = try ekoProvider(onMoneyMoving: { _ in
            for record in (try? await store.unresolved()) ?? [] { try? await atCrash.save(key: "crash", recordJson: record) }
        }) { _ in .lost }
        _ = try await ekoClient(provider, store: store).refund(tid: ekoTid, otp: otp, otpRefId: nil)
        XCTAssertEqual(provider.moneyMovingRequests.count, 1)
        XCTAssertTrue(store.snapshot.isEmpty, "a resolved record is removed from the store")

        let records = try await atCrash.unresolved()
        XCTAssertEqual(records.count, 1, "the record was saved before the refund was sent")
        let record = try XCTUnwrap(records.first)
        XCTAssertTrue(record.contains(ekoTid), record)
        XCTAssertFalse(record.contains(otp), "the record holds no OTP")
        XCTAssertFalse(record.contains(ekoAccessKey), "the record holds no key")

        // A new process: a new client over the surviving store; the provider did process the refund.
        let afterRestart = try ekoProvider { _ in .answer(json(ekoRefundOk)) }
        // The crashed client's claim on the record is a lease: until it expires, another client changes nothing.
        let held = await refundkitError { try await ekoClient(afterRestart, store: atCrash).resume(recordJson: record) }
        guard case .ClaimedElsewhere(let reference, _)? = held else {
            return XCTFail("expected ClaimedElsewhere, got \(String(describing: held))")
        }
        XCTAssertEqual(reference, ekoTid)
        XCTAssertTrue(afterRestart.requests.isEmpty)
        let afterTheLease = SteppingClock(startMs: 1_700_000_000_000 + fastPolicy.claimLeaseMs + 60_000)
        let resumed = try await ekoClient(afterRestart, store: atCrash, clock: afterTheLease).resume(recordJson: record)
        XCTAssertEqual(resumed.outcome.status, .succeeded, "\(resumed.outcome)")
        XCTAssertEqual(resumed.outcome.reason, .refunded)
        XCTAssertEqual(resumed.reference, ekoTid)
        XCTAssertEqual(resumed.moneyMovingSends, 0)
        XCTAssertTrue(resumed.resolvedByInquiry)
        XCTAssertTrue(afterRestart.moneyMovingRequests.isEmpty, "resume never re-sends the refund")
        XCTAssertFalse(afterRestart.otherRequests.isEmpty)
        XCTAssertTrue(afterRestart.otherRequests.allSatisfy { $0.method == .get && $0.url.contains(ekoTid) })
    }

    func testPaytmAndUpi360ResumeFromARecordPollStatusOnly() async throws {
        let paytmStore = DictionaryAttemptStore()
        let paytm = try paytmProvider { _ in .lost }
        let paytmReport = try await PaytmRefunds(
            options: PaytmOptions(mid: paytmMid, environment: .staging), merchantKey: paytmKey, transport: paytm,
            policy: fastPolicy, store: paytmStore, clock: FixedSwiftClock(unixMs: 1_700_000_000_000)
        ).refund(apply: paytmApply)
        XCTAssertEqual(paytmStore.saves, 1)
        let paytmRecord = try XCTUnwrap(paytmReport.recordJson)
        let paytmAgain = try paytmProvider { _ in .answer(json("{}")) }
        let paytmResumed = try await paytmClient(paytmAgain).resume(recordJson: paytmRecord)
        XCTAssertEqual(paytmResumed.outcome.status, .succeeded, "\(paytmResumed.outcome)")
        XCTAssertEqual(paytmResumed.moneyMovingSends, 0)
        XCTAssertTrue(paytmAgain.moneyMovingRequests.isEmpty)
        XCTAssertFalse(paytmAgain.otherRequests.isEmpty)

        let upi = try upiProvider { _ in .lost }
        let upiReport = try await upiClient(upi).refund(request: upiRefund)
        let upiRecord = try XCTUnwrap(upiReport.recordJson)
        let upiAgain = try upiProvider { _ in .answer(json("{}")) }
        let upiResumed = try await upiClient(upiAgain).resume(recordJson: upiRecord)
        XCTAssertEqual(upiResumed.outcome.status, .succeeded, "\(upiResumed.outcome)")
        XCTAssertEqual(upiResumed.moneyMovingSends, 0)
        XCTAssertTrue(upiAgain.moneyMovingRequests.isEmpty)
    }

    func testThrowingStoreIsAStoreErrorAndNothingIsSent() async throws {
        let provider = try ekoProvider { _ in .answer(json(ekoRefundOk)) }
        let client = try ekoClient(provider, store: DictionaryAttemptStore(failSaves: true))
        let error = await refundkitError { try await client.refund(tid: ekoTid, otp: otp, otpRefId: nil) }
        guard case .Store(let reason)? = error else { return XCTFail("expected Store, got \(String(describing: error))") }
        XCTAssertTrue(reason.contains("disk full"), reason)
        XCTAssertTrue(provider.moneyMovingRequests.isEmpty, "the refund is not sent without a saved record")
        XCTAssertTrue(provider.requests.isEmpty)
    }

    func testASecondClientOnTheSameDirectoryStoreGetsClaimedElsewhereAndNeverSends() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("refundkit-claims-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try directoryAttemptStore(directory: dir.path)
        // The first client's refund is on the wire (held until released), then its answer is lost; the inquiry says
        // "not refunded", which inside Eko's commit window proves nothing.
        let notRefunded = json(#"{"status":0,"tx_status":"3","txstatus_desc":"Refund Pending"}"#)
        let arrived = Signal()
        let release = Signal()
        let first = FakeProvider(isMoneyMoving: isEkoRefund, onMoneyMoving: { _ in
            arrived.fire()
            await release.wait()
        }) { _, moneyMoving, _ in moneyMoving ? .lost : .answer(notRefunded) }
        let holder = try ekoClient(first, store: store)
        let call = Task { try await holder.refund(tid: ekoTid, otp: otp, otpRefId: nil) }
        await arrived.wait()

        let second = FakeProvider(isMoneyMoving: isEkoRefund) { _, moneyMoving, _ in
            moneyMoving ? .swiftError : .answer(notRefunded)
        }
        let error = await refundkitError { try await ekoClient(second, store: store).refund(tid: ekoTid, otp: otp, otpRefId: nil) }
        release.fire()
        let firstReport = try await call.value
        guard case .ClaimedElsewhere(let reference, let untilMs)? = error else {
            return XCTFail("expected ClaimedElsewhere, got \(String(describing: error))")
        }
        XCTAssertEqual(reference, ekoTid)
        XCTAssertGreaterThan(untilMs, 0)
        XCTAssertTrue(second.requests.isEmpty, "nothing was sent")

        XCTAssertEqual(firstReport.outcome.status, .pending, "\(firstReport.outcome)")
        XCTAssertEqual(firstReport.outcome.nextStep, .pollLater)
        XCTAssertNotNil(firstReport.nextCheckAtMs, "when asking again can settle it")
        let kept = try await store.unresolved()
        XCTAssertEqual(kept.count, 1, "the record is kept while the commit window is open")

        // The claim was released: a second refund with the same tid is resolved by inquiry, never sent again.
        let again = try await ekoClient(second, store: store).refund(tid: ekoTid, otp: otp, otpRefId: nil)
        XCTAssertEqual(again.moneyMovingSends, 0, "\(again)")
        XCTAssertEqual(again.outcome.status, .pending)
        XCTAssertTrue(again.outcome.warnings.contains { $0.contains("did not send the refund again") }, "\(again.outcome.warnings)")
        XCTAssertTrue(second.moneyMovingRequests.isEmpty)
        XCTAssertEqual(first.moneyMovingRequests.count, 1)
    }

    // MARK: 5. A Swift LogSink

    func testLogSinkReceivesLinesWithoutSecrets() async throws {
        let sink = OSLogSink()
        setLogSink(sink: sink, minLevel: .trace)
        defer { clearLogSink() }

        let eko = try ekoProvider { nth in nth == 0 ? .notSent : .lost }
        let ekoReport = try await ekoClient(eko).refund(tid: ekoTid, otp: otp, otpRefId: nil)
        XCTAssertEqual(ekoReport.outcome.status, .succeeded)
        let paytm = try paytmProvider { _ in .lost }
        _ = try await paytmClient(paytm, merchantKey: "", signer: BackOfficeSigner()).refund(apply: paytmApply)
        let upi = try upiProvider { _ in .lost }
        _ = try await upiClient(upi).refund(request: upiRefund)

        let lines = sink.lines
        let all = lines.joined(separator: "\n")
        // Each request and outcome is logged with its provider and reference; transport failures as warnings.
        for reference in [ekoTid, "REFUNDID_98765", "RF20250101ABC"] {
            XCTAssertTrue(lines.contains { $0.hasPrefix("debug refundkit: sending") && $0.contains("reference=\(reference)") }, all)
            XCTAssertTrue(lines.contains { $0.hasPrefix("info refundkit: outcome") && $0.contains("reference=\(reference)")
                && $0.contains("status=succeeded") }, all)
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("warn ") && $0.contains("kind=NotSent") }, all)
        XCTAssertTrue(lines.contains { $0.hasPrefix("warn ") && $0.contains("kind=MaybeProcessed") }, all)

        var secrets = [ekoAccessKey, otp, paytmKey]
        for request in eko.requests { secrets.append(contentsOf: [headerValue(request, "secret-key")].compactMap { $0 }) }
        for request in paytm.requests {
            let head = (try? JSONSerialization.jsonObject(with: request.body) as? [String: Any])?["head"] as? [String: Any]
            if let signature = head?["signature"] as? String { secrets.append(signature) }
        }
        for request in upi.requests { secrets.append(contentsOf: [headerValue(request, "x-merchant-signature")].compactMap { $0 }) }
        XCTAssertGreaterThanOrEqual(secrets.count, 3 + eko.requests.count + paytm.requests.count + upi.requests.count)
        for secret in secrets {
            XCTAssertFalse(secret.isEmpty)
            for line in lines { XCTAssertFalse(line.contains(secret), "a log line leaks \(secret): \(line)") }
        }

        // min_level filters: a warn-level sink gets only the transport failures.
        let warnings = OSLogSink()
        setLogSink(sink: warnings, minLevel: .warn)
        _ = try await ekoClient(try ekoProvider { _ in .lost }).refund(tid: ekoTid, otp: otp, otpRefId: nil)
        XCTAssertFalse(warnings.lines.isEmpty)
        XCTAssertTrue(warnings.lines.allSatisfy { $0.hasPrefix("warn ") || $0.hasPrefix("error ") }, warnings.lines.joined(separator: "\n"))

        clearLogSink()
        let before = sink.lines.count + warnings.lines.count
        _ = try await ekoClient(try ekoProvider { _ in .answer(json(ekoRefundOk)) }).inquiry(tid: ekoTid)
        XCTAssertEqual(sink.lines.count + warnings.lines.count, before, "no lines after clearLogSink()")
    }

    // MARK: 6. Errors catchable by case

    func testErrorsAreCatchableByCase() async throws {
        let provider = try ekoProvider { _ in .answer(json(ekoRefundOk)) }
        let client = try ekoClient(provider)
        do {
            _ = try await client.resume(recordJson: "not a record")
            XCTFail("a malformed record must throw")
        } catch RefundkitError.InvalidInput(let field, _) {
            XCTAssertEqual(field, "record_json")
        }
        do {
            _ = try await client.refund(tid: ekoTid, otp: "", otpRefId: nil)
            XCTFail("an empty OTP must throw")
        } catch RefundkitError.InvalidInput(let field, _) {
            XCTAssertEqual(field, "otp")
        }
        XCTAssertTrue(provider.requests.isEmpty, "invalid input sends nothing")

        let failure = TransportFailure.NotSent(reason: "connection refused")
        XCTAssertNotEqual(failure, TransportFailure.MaybeProcessed(reason: "connection refused"))
    }
}
