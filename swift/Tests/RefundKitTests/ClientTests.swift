// The Swift surface beyond the vectors: a Swift clock, secrets kept out of descriptions, typed errors, Sendable use.
import Foundation
import XCTest
import RefundKit

// Eko's public UAT credentials (eko_requests.json default_config) and the S1 known answer of eko_secret_key.json.
private let uatDeveloperKey = "becbbce45f79c6f5109f848acd540567"
private let uatAccessKey = "d2fe1d99-6298-4af2-8cc5-d97dcf46df30"
private let s1Timestamp: Int64 = 1_700_000_000_000
private let s1SecretKey = "qIir8tILHtqxO1Mu3/fC3pVElIa0oIxXMRDUP0463Bc="

/// A Swift implementation of refundkit's `Clock`: immutable, so genuinely `Sendable`.
/// (Written `RefundKit.Clock` for clarity: in a file that imports RefundKit, a bare `Clock` means this protocol and
/// shadows the standard library's `Clock`.)
final class FixedSwiftClock: RefundKit.Clock {
    let unixMs: Int64
    init(unixMs: Int64) { self.unixMs = unixMs }
    func nowUnixMs() throws -> Int64 { unixMs }
}

/// A clock that advances one second per reading; its state is behind a lock, hence `@unchecked Sendable`.
final class SteppingClock: RefundKit.Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var next: Int64
    private(set) var readings = 0
    init(startMs: Int64) { next = startMs }
    func nowUnixMs() throws -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        readings += 1
        let now = next
        next += 1000
        return now
    }
}

private func header(_ request: HttpRequest, _ name: String) -> String? {
    request.headers.first { $0.name == name }?.value
}

private func uatClient(clock: RefundKit.Clock) throws -> EkoClient {
    try EkoClient(options: ekoUatOptions(), developerKey: uatDeveloperKey, accessKey: uatAccessKey, clock: clock)
}

final class ClientTests: XCTestCase {
    func testSwiftClockDrivesTheTimestampHeader() async throws {
        let client = try uatClient(clock: FixedSwiftClock(unixMs: s1Timestamp))
        let request = try client.buildRefundOtp(tid: "13192443")
        XCTAssertEqual(header(request, "secret-key-timestamp"), "1700000000000")
        XCTAssertEqual(header(request, "secret-key"), s1SecretKey)
        XCTAssertEqual(header(request, "secret-key"), try ekoSecretKey(accessKey: uatAccessKey, timestampMs: s1Timestamp))
    }

    func testSwiftClockIsReadForEverySignature() async throws {
        let clock = SteppingClock(startMs: s1Timestamp)
        let client = try uatClient(clock: clock)
        let first = try client.buildInquiryByTid(tid: "2886601782")
        let second = try client.buildInquiryByTid(tid: "2886601782")
        XCTAssertEqual(header(first, "secret-key-timestamp"), "1700000000000")
        XCTAssertEqual(header(second, "secret-key-timestamp"), "1700000001000")
        XCTAssertEqual(header(second, "secret-key"), try ekoSecretKey(accessKey: uatAccessKey, timestampMs: s1Timestamp + 1000))
        XCTAssertEqual(clock.readings, 2)
    }

    func testThrowingOrImplausibleClockIsATypedConfigurationError() async throws {
        struct Unavailable: Error {}
        final class ThrowingClock: RefundKit.Clock {
            func nowUnixMs() throws -> Int64 { throw Unavailable() }
        }
        for clock in [ThrowingClock(), FixedSwiftClock(unixMs: -1), FixedSwiftClock(unixMs: 1_500_000_000_000)] as [RefundKit.Clock] {
            let client = try uatClient(clock: clock)
            XCTAssertThrowsError(try client.buildRefundOtp(tid: "13192443")) { error in
                guard case RefundkitError.Configuration(let field, _) = error else {
                    return XCTFail("expected Configuration, got \(error)")
                }
                XCTAssertEqual(field, "clock")
            }
        }
        XCTAssertThrowsError(try ekoSecretKey(accessKey: "k", timestampMs: -1)) { error in
            guard case RefundkitError.InvalidInput(let field, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "timestamp_ms")
        }
    }

    func testUatConstructorMatchesTheVector() async throws {
        let request = try EkoClient.uat(clock: fixedClock(unixMs: s1Timestamp)).buildRefundOtp(tid: "13192443")
        XCTAssertEqual(request.method, .post)
        XCTAssertEqual(request.url, "https://staging.eko.in/ekoapi/v3/customer/payment/refund/13192443/otp")
        XCTAssertEqual(request.headers, [
            Header(name: "developer_key", value: uatDeveloperKey),
            Header(name: "secret-key", value: s1SecretKey),
            Header(name: "secret-key-timestamp", value: "1700000000000"),
            Header(name: "content-type", value: "application/json"),
        ])
        XCTAssertEqual(String(decoding: request.body, as: UTF8.self), #"{"initiator_id":"9962981729"}"#)
    }

    func testDescriptionsNeverContainTheAccessKey() async throws {
        let client = try uatClient(clock: fixedClock(unixMs: s1Timestamp))
        var dumped = ""
        dump(client, to: &dumped)
        for text in [String(describing: client), String(reflecting: client), "\(client)", dumped] {
            XCTAssertFalse(text.contains(uatAccessKey), "client description shows the access key: \(text)")
        }

        // Errors raised by a client holding the key, including ones whose input *is* the key.
        var errors: [Error] = []
        for attempt in [
            { _ = try client.buildInquiryByClientRefId(clientRefId: uatAccessKey) },
            { _ = try client.buildRefundOtp(tid: uatAccessKey) },
            { _ = try client.buildInitiateRefund(tid: "13192443", otp: uatAccessKey, otpRefId: uatAccessKey) },
            { _ = try EkoClient(options: ekoUatOptions(), developerKey: "", accessKey: uatAccessKey) },
            { _ = try EkoClient(options: ekoUatOptions(), developerKey: uatAccessKey + "\r\n", accessKey: uatAccessKey) },
        ] as [() throws -> Void] {
            do {
                try attempt()
                XCTFail("expected an error")
            } catch {
                errors.append(error)
            }
        }
        XCTAssertEqual(errors.count, 5)
        for error in errors {
            for text in [
                String(describing: error), String(reflecting: error), "\(error)", error.localizedDescription,
                (error as? LocalizedError)?.errorDescription ?? "",
            ] {
                XCTAssertFalse(text.contains(uatAccessKey), "error description shows the access key: \(text)")
            }
        }
    }

    func testTypedErrorsNameTheField() async throws {
        let client = try uatClient(clock: fixedClock(unixMs: s1Timestamp))
        XCTAssertThrowsError(try client.buildInitiateRefund(tid: "13192443", otp: "12a")) { error in
            guard case RefundkitError.InvalidInput(let field, let reason)? = error as? RefundkitError else {
                return XCTFail("expected InvalidInput, got \(error)")
            }
            XCTAssertEqual(field, "otp")
            XCTAssertFalse(reason.isEmpty)
        }

        do {
            _ = try client.buildRefundOtp(tid: "")
            XCTFail("an empty tid was accepted")
        } catch RefundkitError.InvalidInput(field: "tid", reason: _) {
            // the shape callers are expected to write
        }

        var options = ekoUatOptions()
        options.baseUrl = "http://staging.eko.in/ekoapi/v3"
        do {
            let insecure = try EkoClient(options: options, developerKey: uatDeveloperKey, accessKey: uatAccessKey)
            _ = try insecure.buildRefundOtp(tid: "1")
            XCTFail("plain http to a public host was accepted")
        } catch let RefundkitError.Configuration(field, _) {
            XCTAssertEqual(field, "base_url")
        }

        options = ekoUatOptions()
        options.flavour = .legacyForm
        options.baseUrl = "https://staging.eko.in/ekoapi/v1"
        let legacy = try EkoClient(options: options, developerKey: uatDeveloperKey, accessKey: uatAccessKey)
        XCTAssertThrowsError(try legacy.buildPendingRefunds(customerMobile: "9876543210")) { error in
            guard case RefundkitError.Unsupported? = error as? RefundkitError else {
                return XCTFail("expected Unsupported, got \(error)")
            }
        }
    }

    func testClientIsSharedAcrossTasks() async throws {
        let client = try uatClient(clock: FixedSwiftClock(unixMs: s1Timestamp))
        let expected = try client.buildInitiateRefund(tid: "13192443", otp: "123456")
        let built = try await withThrowingTaskGroup(of: HttpRequest.self) { group in
            for _ in 0..<16 {
                group.addTask { try client.buildInitiateRefund(tid: "13192443", otp: "123456") }
            }
            var all: [HttpRequest] = []
            for try await request in group { all.append(request) }
            return all
        }
        XCTAssertEqual(built.count, 16)
        XCTAssertTrue(built.allSatisfy { $0 == expected })
    }

    func testInterpretationRoundTrip() async throws {
        let response = HttpResponse(
            status: 200,
            body: Data(#"{"status":0,"response_status_id":-1,"message":"OTP sent","data":{"tid":"13192443","otp_ref_id":"ref1","otp":"123456"}}"#.utf8)
        )
        let outcome = ekoInterpretRefundOtp(response: response)
        XCTAssertEqual(outcome.status, .pending)
        XCTAssertEqual(outcome.reason, .otpSent)
        XCTAssertEqual(outcome.nextStep, .collectOtp)
        XCTAssertEqual(outcome.otp?.otpRefId, "ref1")
        XCTAssertEqual(outcome.otp?.testOtp, "123456")
        XCTAssertEqual(outcome.raw.provider, "eko")
    }

    func testVersion() {
        XCTAssertFalse(refundkitVersion().isEmpty)
    }
}
