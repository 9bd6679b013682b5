// The Swift surface of the Paytm and UPI Refund 360 exports beyond the vectors: Swift random sources, PSS sign then
// verify, typed errors, secrets kept out of descriptions, Sendable use.
import Foundation
import XCTest
import RefundKit

private let paytmMid = "INTEGR7769XXXXXX9383"
private let paytmKey = "Test&Key#12345$@"
private let paytmTxn = "202005081112128XXXXXX68470101509706"
/// The head of paytm_checksum.json V2 (salt `Xy9Z`), which Refund Apply of ₹1 for these ids carries.
private let v2Head = #""head":{"signature":"UdhLKPGGK21DhC6RrCWN7IwlJab2jHyjdSPnwsPBMod04Q+AUqadsT5XOQb5o6JO2DI66MTT4ZNr+ZX/Le3fhvzoN0xgCxW3nDbxRTdlxD4="}}"#

/// A random source backed by Swift's CSPRNG that counts its calls; the counter is behind a lock, hence
/// `@unchecked Sendable`.
final class CountingSystemRandom: RandomSource, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var calls: Int { lock.lock(); defer { lock.unlock() }; return count }

    func fill(len: Int32) throws -> Data {
        lock.lock()
        count += 1
        lock.unlock()
        var generator = SystemRandomNumberGenerator()
        return Data((0..<max(0, Int(len))).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}

/// A random source that always fails with a refundkit error, or with a Swift error of its own.
final class FailingRandom: RandomSource {
    struct Broken: Error {}
    let foreignError: Bool
    init(foreignError: Bool) { self.foreignError = foreignError }
    func fill(len: Int32) throws -> Data {
        if foreignError { throw Broken() }
        throw RefundkitError.Unsupported(reason: "no entropy here")
    }
}

/// Returns one byte fewer than asked.
final class ShortRandom: RandomSource {
    func fill(len: Int32) throws -> Data { Data(repeating: 1, count: max(0, Int(len) - 1)) }
}

private func upiKey(_ name: String) throws -> String { try Upi360Vectors.key(name) }

private func isInternal(_ error: Error) -> Bool {
    if case .Internal? = error as? RefundkitError { return true }
    return false
}

final class ProviderClientTests: XCTestCase {
    // MARK: Paytm

    func testSwiftRandomSourceDrivesThePaytmSalt() throws {
        XCTAssertEqual(try paytmRandomSalt(random: RepeatingBytes(Data([23, 50, 61, 25]))), "Xy9Z")
        // Bytes >= 248 are skipped (no modulo bias): 255, 248 skipped; 0 → A, 63 → B, 247 → 9, then 0 → A again.
        XCTAssertEqual(try paytmRandomSalt(random: RepeatingBytes(Data([255, 248, 0, 63, 247]))), "AB9A")
        // The same source signs a Refund Apply exactly like fixedRandom(bytes:) does: the V2 known answer.
        let swiftSource = try PaytmClient.staging(
            mid: paytmMid, merchantKey: paytmKey, clock: FixedSwiftClock(unixMs: 1_700_000_000_000),
            random: RepeatingBytes(Data([23, 50, 61, 25])))
        let rustSource = try PaytmClient.staging(
            mid: paytmMid, merchantKey: paytmKey, clock: fixedClock(unixMs: 1_700_000_000_000),
            random: fixedRandom(bytes: Data([23, 50, 61, 25])))
        let request = try swiftSource.buildRefundApply(
            orderId: "OREDRID_98765", refId: "REFUNDID_98765", txnId: paytmTxn, refundAmountPaise: 100)
        XCTAssertEqual(request.url, "https://securestage.paytmpayments.com/refund/apply")
        XCTAssertTrue(String(decoding: request.body, as: UTF8.self).hasSuffix(v2Head), utf8Text(request.body))
        XCTAssertEqual(request, try rustSource.buildRefundApply(
            orderId: "OREDRID_98765", refId: "REFUNDID_98765", txnId: paytmTxn, refundAmountPaise: 100))
    }

    func testStatefulSwiftRandomSourceIsUsedAndItsChecksumsVerify() throws {
        let random = CountingSystemRandom()
        let salt = try paytmRandomSalt(random: random)
        XCTAssertEqual(salt.count, 4)
        XCTAssertTrue(salt.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }, salt)
        XCTAssertGreaterThanOrEqual(random.calls, 1)
        let client = try PaytmClient.staging(mid: paytmMid, merchantKey: paytmKey, random: random)
        let before = random.calls
        _ = try client.buildRefundStatus(orderId: "O1", refId: "R1")
        XCTAssertGreaterThan(random.calls, before)
        // A checksum over a salt we drew verifies; each draw differs (with overwhelming probability).
        let body = #"{"mid":"YOUR_MID_HERE","orderId":"YOUR_ORDER_ID_HERE"}"#
        let a = try paytmChecksum(body: body, merchantKey: "A1b2C3d4E5f6G7h8", salt: try paytmRandomSalt(random: random))
        XCTAssertTrue(paytmVerify(body: body, merchantKey: "A1b2C3d4E5f6G7h8", signature: a))
        XCTAssertFalse(paytmVerify(body: body + " ", merchantKey: "A1b2C3d4E5f6G7h8", signature: a))
    }

    func testBrokenSwiftRandomSourcesAreInternalErrors() throws {
        for source: RandomSource in [FailingRandom(foreignError: false), FailingRandom(foreignError: true), ShortRandom(),
                                     RepeatingBytes(Data()), RepeatingBytes(Data([250]))] {
            XCTAssertThrowsError(try paytmRandomSalt(random: source)) { XCTAssertTrue(isInternal($0), "\($0)") }
            let client = try PaytmClient.staging(mid: paytmMid, merchantKey: paytmKey, random: source)
            XCTAssertThrowsError(try client.buildRefundStatus(orderId: "O1", refId: "R1")) {
                XCTAssertTrue(isInternal($0), "\(source): \($0)")
            }
        }
    }

    func testPaytmErrorsNameTheFieldAndNeverTheKey() throws {
        XCTAssertThrowsError(try PaytmClient.staging(mid: paytmMid, merchantKey: paytmKey + "X")) { error in
            guard case RefundkitError.Configuration(let field, _)? = error as? RefundkitError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(field, "merchant_key")
            XCTAssertFalse("\(error) \(String(reflecting: error)) \(error.localizedDescription)".contains(paytmKey))
        }
        let client = try PaytmClient.staging(mid: paytmMid, merchantKey: paytmKey)
        XCTAssertFalse(String(reflecting: client).contains(paytmKey), String(reflecting: client))
        XCTAssertTrue(String(reflecting: client).contains(paytmMid), String(reflecting: client))
        XCTAssertThrowsError(try client.buildRefundApply(orderId: "O 1", refId: "R1", txnId: paytmTxn, refundAmountPaise: 100)) {
            guard case RefundkitError.InvalidInput(let field, _)? = $0 as? RefundkitError else { return XCTFail("\($0)") }
            XCTAssertEqual(field, "orderId")
        }
        // Webhooks throw a typed PaytmWebhookError, never a RefundkitError.
        XCTAssertThrowsError(try client.parseRefundArnWebhook(body: Data("MID=\(paytmMid)&ORDERID=O1".utf8))) {
            XCTAssertEqual($0 as? PaytmWebhookError, .SignatureMissing)
        }
        XCTAssertThrowsError(try client.parseAcceptRefundWebhook(body: Data("not json".utf8))) {
            XCTAssertNotNil($0 as? PaytmWebhookError, "\($0)")
        }
    }

    // MARK: UPI Refund 360

    func testPssHeaderSignatureVerifies() throws {
        let merchantPrivate = try upiKey("test_only_merchant_private_pkcs1.pem")
        let merchantPublic = try upiKey("test_only_merchant_public_spki.pem")
        let pspPublic = try upiKey("test_only_psp_public_spki.pem")
        let body = Data(#"{"refundRequestId":"RF1"}"#.utf8)
        let now: Int64 = 1_735_689_600_000
        let signature = try upiHeaderSignature(
            merchantId: "MERCHANT1", merchantChannelId: "CHANNEL1", subMerchantId: "SUB1", subMerchantChannelId: "SUBCH1",
            timestampMs: now, body: body, privateKeyPem: merchantPrivate)
        XCTAssertEqual(signature, signature.lowercased())
        let input = try upiSignatureInput(
            merchantId: "MERCHANT1", merchantChannelId: "CHANNEL1", subMerchantId: "SUB1", subMerchantChannelId: "SUBCH1",
            timestampMs: now, body: body)
        XCTAssertEqual(String(decoding: input, as: UTF8.self), #"MERCHANT1CHANNEL1SUB1SUBCH11735689600000{"refundRequestId":"RF1"}"#)
        XCTAssertTrue(try upiVerifyPssSignature(message: input, signatureHex: signature, publicKeyPem: merchantPublic))
        // PSS is randomized: a second signature differs and verifies too.
        let again = try upiHeaderSignature(
            merchantId: "MERCHANT1", merchantChannelId: "CHANNEL1", subMerchantId: "SUB1", subMerchantChannelId: "SUBCH1",
            timestampMs: now, body: body, privateKeyPem: merchantPrivate)
        XCTAssertNotEqual(again, signature)
        XCTAssertTrue(try upiVerifyPssSignature(message: input, signatureHex: again, publicKeyPem: merchantPublic))
        // Wrong key, other input, garbage signature: false, not thrown.
        XCTAssertFalse(try upiVerifyPssSignature(message: input, signatureHex: signature, publicKeyPem: pspPublic))
        let noSub = try upiSignatureInput(
            merchantId: "MERCHANT1", merchantChannelId: "CHANNEL1", subMerchantId: nil, subMerchantChannelId: nil,
            timestampMs: now, body: body)
        XCTAssertFalse(try upiVerifyPssSignature(message: noSub, signatureHex: signature, publicKeyPem: merchantPublic))
        XCTAssertFalse(try upiVerifyPssSignature(message: input, signatureHex: "zz", publicKeyPem: merchantPublic))
        // A private key where the public key belongs is a Configuration error naming the parameter.
        XCTAssertThrowsError(try upiVerifyPssSignature(message: input, signatureHex: signature, publicKeyPem: merchantPrivate)) {
            guard case RefundkitError.Configuration(let field, let reason)? = $0 as? RefundkitError else {
                return XCTFail("\($0)")
            }
            XCTAssertEqual(field, "public_key_pem")
            XCTAssertFalse(reason.contains("BEGIN"), reason)
        }
    }

    func testClientPssRequestVerifiesWithASwiftClock() throws {
        var options = Upi360Options(
            host: "https://api.beta.yesbank.upi.juspay.in", uri: "n2", merchantId: "MERCHANT1",
            merchantChannelId: "CHANNEL1", signing: .pss)
        options.subMerchantId = "SUB1"
        options.subMerchantChannelId = "SUBCH1"
        let client = try Upi360Client(
            options: options, signingKey: try upiKey("test_only_merchant_private_pkcs8.pem"),
            pspPublicKeyPem: try upiKey("test_only_psp_public_spki.pem"), clock: FixedSwiftClock(unixMs: 1_735_689_600_000))
        let refund = Upi360RefundRequest(
            refundRequestId: "RF20250101ABC", amountPaise: 10_000, refundType: try upiRefundTypeFromWire(value: "ONLINE"),
            remarks: "Customer refund", originalUpiRequestId: "YJP1234567890ABCDEFGHIJKLMNOPQRSTUV",
            merchantRefundVpa: "refunds@parentbank")
        let request = try client.buildRefund360(refund: refund)
        XCTAssertTrue(request.url.hasSuffix("/api/n2/merchants/transactions/refund360"), request.url)
        let signature = try XCTUnwrap(request.headers.first { $0.name == "x-merchant-signature" }?.value)
        let input = try upiSignatureInput(
            merchantId: "MERCHANT1", merchantChannelId: "CHANNEL1", subMerchantId: "SUB1", subMerchantChannelId: "SUBCH1",
            timestampMs: 1_735_689_600_000, body: request.body)
        XCTAssertTrue(try upiVerifyPssSignature(
            message: input, signatureHex: signature, publicKeyPem: try upiKey("test_only_merchant_public_spki.pem")))
        // Unknown refund type wire text: InvalidInput on the wire field.
        XCTAssertThrowsError(try upiRefundTypeFromWire(value: "online")) {
            guard case RefundkitError.InvalidInput(let field, _)? = $0 as? RefundkitError else { return XCTFail("\($0)") }
            XCTAssertEqual(field, "refundType")
        }
        // The status query for the same refund.
        let status = try client.buildRefundStatus(query: upi360StatusRequestFor(refund: refund))
        XCTAssertTrue(status.url.hasSuffix("/merchants/transactions/refund/status"), status.url)
        // Descriptions name the merchant and mode, never a key.
        let description = String(reflecting: client)
        XCTAssertTrue(description.contains("MERCHANT1"), description)
        XCTAssertFalse(description.contains("BEGIN"), description)
        // An unsigned answer is never believed.
        let unsigned = HttpResponse(status: 200, headers: [], body: Data(#"{"status":"SUCCESS","responseCode":"SUCCESS","payload":{"refundRequestId":"RF20250101ABC","refundAmount":"100.00","refundType":"ONLINE","gatewayResponseStatus":"SUCCESS","gatewayResponseCode":"00"}}"#.utf8))
        let outcome = client.interpretRefund360(refund: refund, response: unsigned)
        XCTAssertEqual(outcome.status, .indeterminate)
        XCTAssertEqual(outcome.reason, .untrustedResponse)
    }

    // MARK: Sendable

    func testProviderClientsAreSharedAcrossTasks() async throws {
        let paytm = try PaytmClient.staging(
            mid: paytmMid, merchantKey: paytmKey, clock: FixedSwiftClock(unixMs: 1_700_000_000_000),
            random: RepeatingBytes(Data([23, 50, 61, 25])))
        let upi = try Upi360Client(
            options: Upi360Options(host: "https://api.beta.yesbank.upi.juspay.in", uri: "n2", merchantId: "MERCHANT1",
                                   merchantChannelId: "CHANNEL1", signing: .hmac(encoding: .hex)),
            signingKey: "TEST_ONLY_API_KEY", pspPublicKeyPem: try upiKey("test_only_psp_public_spki.pem"),
            clock: FixedSwiftClock(unixMs: 1_735_689_600_000))
        let query = Upi360StatusRequest(refundRequestId: "RF20250101ABC", originalUpiRequestId: "YJP1234567890ABCDEFGHIJKLMNOPQRSTUV")
        let results = try await withThrowingTaskGroup(of: (HttpRequest, HttpRequest).self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (try paytm.buildRefundApply(orderId: "OREDRID_98765", refId: "REFUNDID_98765", txnId: paytmTxn,
                                                refundAmountPaise: 100),
                     try upi.buildRefundStatus(query: query))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(results.count, 8)
        // Fixed clock and random source: every task built the identical (deterministic) requests.
        XCTAssertEqual(Set(results.map(\.0)).count, 1)
        XCTAssertEqual(Set(results.map(\.1)).count, 1)
    }
}
