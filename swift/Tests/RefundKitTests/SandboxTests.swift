// The embedded provider sandbox (`Sandbox`, feature `sandbox` of the Rust library) driven from Swift: real refunds
// through `EkoRefunds`, `PaytmRefunds` and `Upi360Refunds` over `builtinTransport()` against a local HTTP simulator
// of Eko, Paytm and UPI Refund 360 (real paths, real signatures), checked against the sandbox's ledger of what
// actually moved. Each test starts its own sandbox on an ephemeral port and stops it at the end.
import Foundation
import XCTest
import RefundKit

/// Millisecond backoff so polls and inquiries are quick; `maxPolls` leaves room above `pollsUntilSuccess`.
private let sandboxPolicy = RetryPolicy(maxAttempts: 4, maxPolls: 6, baseDelayMs: 1, maxDelayMs: 5)

/// Seed 7, Paytm and UPI refunds PENDING for the first 2 status answers, no faults.
private func startSandbox() throws -> Sandbox {
    try Sandbox.start(port: 0, seed: 7, pollsUntilSuccess: 2, faults: "")
}

private func ekoRefunds(_ sandbox: Sandbox, accessKey: String? = nil) throws -> EkoRefunds {
    let c = sandbox.credentials()
    return try EkoRefunds(
        options: EkoOptions(baseUrl: sandbox.ekoBaseUrl(), initiatorId: c.ekoInitiatorId, userCode: c.ekoUserCode),
        developerKey: c.ekoDeveloperKey, accessKey: accessKey ?? c.ekoAccessKey,
        transport: try builtinTransport(), policy: sandboxPolicy)
}

private func paytmRefunds(_ sandbox: Sandbox, merchantKey: String? = nil) throws -> PaytmRefunds {
    let c = sandbox.credentials()
    return try PaytmRefunds(
        options: PaytmOptions(mid: c.paytmMid, environment: .staging, baseUrl: sandbox.baseUrl()),
        merchantKey: merchantKey ?? c.paytmMerchantKey, transport: try builtinTransport(), policy: sandboxPolicy)
}

private func upiRefunds(_ sandbox: Sandbox, signingKey: String? = nil) throws -> Upi360Refunds {
    let c = sandbox.credentials()
    return try Upi360Refunds(
        options: Upi360Options(
            host: sandbox.baseUrl(), uri: "n2", merchantId: c.upiMerchantId, merchantChannelId: c.upiMerchantChannelId,
            signing: .pss),
        signingKey: signingKey ?? c.upiMerchantPrivateKeyPem, pspPublicKeyPem: c.upiPspPublicKeyPem,
        transport: try builtinTransport(), policy: sandboxPolicy)
}

private func upiRefundRequest(_ id: String, of original: SandboxUpiTransaction, amountPaise: Int64) -> Upi360RefundRequest {
    Upi360RefundRequest(
        refundRequestId: id, amountPaise: amountPaise, refundType: .online, remarks: "Customer refund",
        originalUpiRequestId: original.originalUpiRequestId, merchantRefundVpa: "refunds@parentbank")
}

final class SandboxTests: XCTestCase {
    func testSandboxStartsOnALoopbackPortWithTestCredentials() throws {
        let sandbox = try startSandbox()
        defer { sandbox.stop() }

        XCTAssertGreaterThan(sandbox.port(), 0)
        XCTAssertEqual(sandbox.baseUrl(), "http://127.0.0.1:\(sandbox.port())")
        XCTAssertEqual(sandbox.ekoBaseUrl(), "http://127.0.0.1:\(sandbox.port())/ekoapi/v3")
        let c = sandbox.credentials()
        XCTAssertEqual(c.ekoDeveloperKey, "becbbce45f79c6f5109f848acd540567", "Eko's public UAT developer key")
        XCTAssertEqual(c.ekoInitiatorId, "9962981729")
        XCTAssertEqual(c.paytmMid, "RKSANDBOX00000000001")
        XCTAssertEqual(c.upiMerchantId, "RKSANDBOXMERCHANT")
        XCTAssertEqual(c.upiMerchantPrivateKeyPem, try Upi360Vectors.key("test_only_merchant_private_pkcs8.pem"))
        XCTAssertEqual(c.upiPspPublicKeyPem, try Upi360Vectors.key("test_only_psp_public_spki.pem"))
        XCTAssertTrue(sandbox.credentialsText().contains(c.paytmMid), sandbox.credentialsText())
        XCTAssertTrue(try sandbox.ledger().isEmpty)

        // A malformed fault spec is an InvalidInput on `faults`.
        XCTAssertThrowsError(try sandbox.setFaults(faults: "no_such_fault")) { error in
            guard case RefundkitError.InvalidInput(let field, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "faults")
        }

        // Stopped: idempotent, and the sandbox refuses further use.
        sandbox.stop()
        sandbox.stop()
        XCTAssertThrowsError(try sandbox.ledger()) { error in
            guard case RefundkitError.Configuration(let field, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "sandbox")
        }
    }

    // MARK: - One real refund per provider

    func testEkoRefundWithTheCustomersOtp() async throws {
        let sandbox = try startSandbox()
        defer { sandbox.stop() }
        let eko = try ekoRefunds(sandbox)
        let tx = try sandbox.createEkoTransaction(amountPaise: 50_000)
        XCTAssertEqual(tx.amountPaise, 50_000)
        XCTAssertNil(try sandbox.otpFor(tid: tx.tid), "no OTP before it is requested")

        // 1. Eko texts the customer an OTP (moves no money).
        let otpReport = try await eko.sendRefundOtp(tid: tx.tid)
        XCTAssertEqual(otpReport.outcome.reason, .otpSent, "\(otpReport.outcome)")
        XCTAssertEqual(otpReport.outcome.nextStep, .collectOtp)
        XCTAssertEqual(otpReport.moneyMovingSends, 0)
        XCTAssertTrue(try sandbox.ledger().isEmpty, "an OTP moves no money")

        // 2. The customer reads it out; refund with it.
        let otp = try XCTUnwrap(try sandbox.otpFor(tid: tx.tid))
        XCTAssertEqual(otpReport.outcome.otp?.testOtp, otp, "the sandbox, like Eko UAT, returns the OTP inline")
        let report = try await eko.refund(tid: tx.tid, otp: otp, otpRefId: otpReport.outcome.otp?.otpRefId)

        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        XCTAssertEqual(report.outcome.reason, .refunded)
        XCTAssertEqual(report.reference, tx.tid)
        XCTAssertEqual(report.moneyMovingSends, 1)
        XCTAssertFalse(report.resolvedByInquiry, "the refund's own answer was final")
        let details = try XCTUnwrap(report.outcome.refund, "\(report.outcome)")
        XCTAssertEqual(details.originalId, tx.tid)
        XCTAssertEqual(details.originalAmountPaise, 50_000)
        XCTAssertEqual(details.feePaise, 500, "the sandbox reverses a 1% fee")
        XCTAssertEqual(details.refundedAmountPaise, 50_500, "Eko's refunded_amount: amount + fee")
        XCTAssertNotNil(details.refundId)

        let ledger = try sandbox.ledger()
        XCTAssertEqual(ledger.count, 1, "\(ledger)")
        let entry = try XCTUnwrap(ledger.first)
        XCTAssertEqual(entry.provider, "eko")
        XCTAssertEqual(entry.reference, tx.tid)
        XCTAssertEqual(entry.originalId, tx.tid)
        XCTAssertEqual(entry.amountPaise, 50_000)
        XCTAssertEqual(entry.state, "SUCCESS")
        XCTAssertEqual(entry.moneyMoved, 1)

        // Refunding again through the same client sends nothing: its store keeps the refunded tid as a tombstone
        // and reports the earlier success.
        let again = try await eko.refund(tid: tx.tid, otp: otp, otpRefId: otpReport.outcome.otp?.otpRefId)
        XCTAssertEqual(again.outcome.status, .succeeded, "\(again.outcome)")
        XCTAssertEqual(again.moneyMovingSends, 0)
        XCTAssertTrue(again.outcome.warnings.contains { $0.contains("already proven refunded") }, "\(again.outcome.warnings)")
        // A client with another store sends it: "already refunded" is unclear about this request, so the client
        // inquires and finds the transaction refunded. No money moves either way.
        let elsewhere = try await ekoRefunds(sandbox).refund(tid: tx.tid, otp: otp, otpRefId: otpReport.outcome.otp?.otpRefId)
        XCTAssertEqual(elsewhere.outcome.status, .succeeded, "\(elsewhere.outcome)")
        XCTAssertTrue(elsewhere.resolvedByInquiry)
        XCTAssertEqual(try sandbox.ledger().map(\.moneyMoved), [1])
    }

    func testPaytmRefundIsPolledUntilSuccess() async throws {
        let sandbox = try startSandbox()
        defer { sandbox.stop() }
        let paytm = try paytmRefunds(sandbox)
        let order = try sandbox.createPaytmOrder(amountPaise: 25_000)
        XCTAssertEqual(order.amountPaise, 25_000)

        let report = try await paytm.refund(apply: PaytmRefundApply(
            orderId: order.orderId, refId: "SWIFTSBXREF1", txnId: order.txnId, refundAmountPaise: 15_000,
            originalAmountPaise: 25_000))

        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        XCTAssertEqual(report.outcome.reason, .refunded)
        XCTAssertEqual(report.reference, "SWIFTSBXREF1")
        XCTAssertEqual(report.moneyMovingSends, 1, "the apply is sent once")
        XCTAssertTrue(report.resolvedByInquiry, "apply answers PENDING 601; status polls found the success")
        // Apply + 2 PENDING status answers + the SUCCESS one.
        XCTAssertEqual(report.attempts, 4)
        XCTAssertEqual(report.outcome.raw.codes.first { $0.name == "signature" }?.value, "valid")

        let ledger = try sandbox.ledger()
        XCTAssertEqual(ledger.count, 1, "\(ledger)")
        let entry = try XCTUnwrap(ledger.first)
        XCTAssertEqual(entry.provider, "paytm")
        XCTAssertEqual(entry.reference, "SWIFTSBXREF1")
        XCTAssertEqual(entry.originalId, order.orderId)
        XCTAssertEqual(entry.amountPaise, 15_000)
        XCTAssertEqual(entry.state, "SUCCESS")
        XCTAssertEqual(entry.moneyMoved, 1)

        // A later status call with the same refId is a read: still one refund.
        let status = try await paytm.status(orderId: order.orderId, refId: "SWIFTSBXREF1")
        XCTAssertEqual(status.outcome.status, .succeeded, "\(status.outcome)")
        XCTAssertEqual(status.moneyMovingSends, 0)
        XCTAssertEqual(try sandbox.ledger().map(\.moneyMoved), [1])
    }

    func testUpi360RefundSucceedsAfterStatusPolls() async throws {
        let sandbox = try startSandbox()
        defer { sandbox.stop() }
        let upi = try upiRefunds(sandbox)
        let original = try sandbox.createUpiTransaction(amountPaise: 10_000)
        XCTAssertEqual(original.amountPaise, 10_000)

        let report = try await upi.refund(request: upiRefundRequest("SWIFTSBXUPI1", of: original, amountPaise: 10_000))

        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        XCTAssertEqual(report.outcome.reason, .refunded)
        XCTAssertEqual(report.reference, "SWIFTSBXUPI1")
        XCTAssertEqual(report.moneyMovingSends, 1, "Refund 360 is sent once")
        XCTAssertTrue(report.resolvedByInquiry, "PENDING/DEEMED, then status polls with the same refundRequestId")
        XCTAssertEqual(report.attempts, 4, "refund + 2 PENDING/DEEMED status answers + SUCCESS")

        let ledger = try sandbox.ledger()
        XCTAssertEqual(ledger.count, 1, "\(ledger)")
        let entry = try XCTUnwrap(ledger.first)
        XCTAssertEqual(entry.provider, "upi360")
        XCTAssertEqual(entry.reference, "SWIFTSBXUPI1")
        XCTAssertTrue(
            [original.originalUpiRequestId, original.originalMerchantRequestId].contains(entry.originalId), entry.originalId)
        XCTAssertEqual(entry.amountPaise, 10_000)
        XCTAssertEqual(entry.state, "SUCCESS")
        XCTAssertEqual(entry.moneyMoved, 1)
    }

    /// The snippet of the README's "Sandbox in your test suite", verbatim (default retry policy), plus its outcomes.
    func testReadmeSandboxSnippet() async throws {
        let sandbox = try Sandbox.start(port: 0, seed: 7, pollsUntilSuccess: 2, faults: "")  // port 0: any free port
        defer { sandbox.stop() }
        let c = sandbox.credentials()  // test-only keys the sandbox accepts

        // Eko: OTP, then the refund with the OTP the "customer" reads out (the sandbox tells you).
        let eko = try EkoRefunds(
            options: EkoOptions(baseUrl: sandbox.ekoBaseUrl(), initiatorId: c.ekoInitiatorId, userCode: c.ekoUserCode),
            developerKey: c.ekoDeveloperKey, accessKey: c.ekoAccessKey, transport: try builtinTransport())
        let tx = try sandbox.createEkoTransaction(amountPaise: 50_000)
        let otpReport = try await eko.sendRefundOtp(tid: tx.tid)
        let otp = try XCTUnwrap(try sandbox.otpFor(tid: tx.tid))
        let report = try await eko.refund(tid: tx.tid, otp: otp, otpRefId: otpReport.outcome.otp?.otpRefId)
        XCTAssertEqual(report.outcome.status, .succeeded)

        // Paytm: apply answers PENDING 601, status polls (same refId) succeed after `pollsUntilSuccess` answers.
        let paytm = try PaytmRefunds(
            options: PaytmOptions(mid: c.paytmMid, environment: .staging, baseUrl: sandbox.baseUrl()),
            merchantKey: c.paytmMerchantKey, transport: try builtinTransport())
        let order = try sandbox.createPaytmOrder(amountPaise: 25_000)
        let paytmReport = try await paytm.refund(apply: PaytmRefundApply(
            orderId: order.orderId, refId: "REF1", txnId: order.txnId, refundAmountPaise: 15_000))

        // UPI Refund 360: PENDING or DEEMED, then SUCCESS by status polls with the same refundRequestId.
        let upi = try Upi360Refunds(
            options: Upi360Options(host: sandbox.baseUrl(), uri: "n2", merchantId: c.upiMerchantId,
                                   merchantChannelId: c.upiMerchantChannelId, signing: .pss),
            signingKey: c.upiMerchantPrivateKeyPem, pspPublicKeyPem: c.upiPspPublicKeyPem, transport: try builtinTransport())
        let original = try sandbox.createUpiTransaction(amountPaise: 10_000)
        let upiReport = try await upi.refund(request: Upi360RefundRequest(
            refundRequestId: "UPIREF1", amountPaise: 10_000, refundType: .online, remarks: "Customer refund",
            originalUpiRequestId: original.originalUpiRequestId, merchantRefundVpa: "refunds@parentbank"))

        // What moved: one entry per refund, `moneyMoved` always 1 (anything else is a double refund).
        XCTAssertEqual(try sandbox.ledger().map(\.moneyMoved), [1, 1, 1])

        // Faults (`kind[:probability][@route],...`): commit the next Eko refunds, then drop their answers. The client
        // resolves them by inquiry (report.resolvedByInquiry) and never sends them twice.
        try sandbox.setFaults(faults: "drop_after_commit:1@eko.initiate_refund")

        // Beyond the snippet: what each refund came to, and the ledger in full.
        XCTAssertEqual(paytmReport.outcome.status, .succeeded, "\(paytmReport.outcome)")
        XCTAssertEqual(upiReport.outcome.status, .succeeded, "\(upiReport.outcome)")
        let ledger = try sandbox.ledger()
        XCTAssertEqual(ledger.map(\.provider).sorted(), ["eko", "paytm", "upi360"])
        XCTAssertEqual(Set(ledger.map(\.reference)), [tx.tid, "REF1", "UPIREF1"])
        XCTAssertEqual(ledger.map(\.amountPaise).sorted(), [10_000, 15_000, 50_000])
        XCTAssertTrue(ledger.allSatisfy { $0.state == "SUCCESS" }, "\(ledger)")
    }

    // MARK: - Faults

    func testEkoRefundWhoseAnswerIsDroppedAfterCommitIsResolvedByInquiryNeverResent() async throws {
        let sandbox = try startSandbox()
        defer { sandbox.stop() }
        let eko = try ekoRefunds(sandbox)
        let tx = try sandbox.createEkoTransaction(amountPaise: 12_300)
        let otpReport = try await eko.sendRefundOtp(tid: tx.tid)
        XCTAssertEqual(otpReport.outcome.reason, .otpSent, "\(otpReport.outcome)")
        let otp = try XCTUnwrap(try sandbox.otpFor(tid: tx.tid))

        // Every Initiate Refund is committed, then its connection is closed without an answer.
        try sandbox.setFaults(faults: "drop_after_commit:1@eko.initiate_refund")
        let report = try await eko.refund(tid: tx.tid, otp: otp, otpRefId: otpReport.outcome.otp?.otpRefId)

        XCTAssertEqual(report.outcome.status, .succeeded, "\(report.outcome)")
        XCTAssertEqual(report.outcome.reason, .refunded)
        XCTAssertEqual(report.moneyMovingSends, 1, "a refund that may have been processed is never re-sent")
        XCTAssertTrue(report.resolvedByInquiry, "the outcome comes from Transaction Inquiry")
        XCTAssertGreaterThanOrEqual(report.attempts, 2)

        let ledger = try sandbox.ledger()
        XCTAssertEqual(ledger.count, 1, "\(ledger)")
        XCTAssertEqual(ledger.first?.reference, tx.tid)
        XCTAssertEqual(ledger.first?.amountPaise, 12_300)
        XCTAssertEqual(ledger.first?.moneyMoved, 1, "never a double refund")

        // Clearing the faults: a read confirms it, still one refund.
        try sandbox.setFaults(faults: "")
        let inquiry = try await eko.inquiry(tid: tx.tid)
        XCTAssertEqual(inquiry.outcome.status, .succeeded, "\(inquiry.outcome)")
        XCTAssertEqual(try sandbox.ledger().map(\.moneyMoved), [1])
    }

    // MARK: - Wrong keys

    func testEkoClientWithAWrongAccessKeyIsRefusedAndMovesNoMoney() async throws {
        let sandbox = try startSandbox()
        defer { sandbox.stop() }
        let eko = try ekoRefunds(sandbox, accessKey: "00000000-0000-4000-8000-000000000000")
        let tx = try sandbox.createEkoTransaction(amountPaise: 5_000)

        // The sandbox answers 403 to a `secret-key` it cannot verify: nothing is executed.
        let otpReport = try await eko.sendRefundOtp(tid: tx.tid)
        XCTAssertEqual(otpReport.outcome.status, .failed, "\(otpReport.outcome)")
        XCTAssertEqual(otpReport.outcome.reason, .authOrClock)
        XCTAssertEqual(otpReport.outcome.nextStep, .fixConfiguration)
        XCTAssertEqual(otpReport.outcome.raw.httpStatus, 403)
        XCTAssertNil(try sandbox.otpFor(tid: tx.tid), "no OTP was texted")

        let report = try await eko.refund(tid: tx.tid, otp: "123456", otpRefId: nil)
        XCTAssertEqual(report.outcome.status, .failed, "\(report.outcome)")
        XCTAssertEqual(report.outcome.reason, .authOrClock)
        XCTAssertEqual(report.outcome.raw.httpStatus, 403)
        XCTAssertEqual(report.moneyMovingSends, 1)
        XCTAssertTrue(try sandbox.ledger().isEmpty, "a refused refund moves no money")
    }

    func testPaytmClientWithAWrongMerchantKeyIsRefusedAndMovesNoMoney() async throws {
        let sandbox = try startSandbox()
        defer { sandbox.stop() }
        let paytm = try paytmRefunds(sandbox, merchantKey: "rksandbox-WRONG-not-a-real-key32")
        let order = try sandbox.createPaytmOrder(amountPaise: 9_900)

        let report = try await paytm.refund(apply: PaytmRefundApply(
            orderId: order.orderId, refId: "SWIFTSBXBADKEY", txnId: order.txnId, refundAmountPaise: 9_900))

        // Paytm refuses the checksum (330); its answer, signed with the real key, does not verify with the wrong
        // one either, so the client cannot trust even the refusal: never a success, never "failed" on faith.
        XCTAssertEqual(report.outcome.status, .indeterminate, "\(report.outcome)")
        XCTAssertEqual(report.outcome.reason, .signatureInvalid, "\(report.outcome)")
        let code = { (name: String) in report.outcome.raw.codes.first { $0.name == name }?.value }
        XCTAssertEqual(code("resultStatus"), "TXN_FAILURE", "\(report.outcome.raw)")
        XCTAssertEqual(code("resultCode"), "330", "Paytm's checksum mismatch")
        XCTAssertEqual(code("signature"), "invalid", "the answer does not verify with the wrong key")
        XCTAssertEqual(report.moneyMovingSends, 1, "the apply is never re-sent")
        // An unverifiable 330 is what a wrong key looks like: fix the configuration, no polling, nothing settled.
        XCTAssertEqual(report.outcome.nextStep, .fixConfiguration, "\(report.outcome)")
        XCTAssertTrue(report.outcome.warnings.contains { $0.contains("probably wrong") }, "\(report.outcome.warnings)")
        XCTAssertEqual(report.attempts, 2, "the apply and one status call")
        XCTAssertFalse(report.resolvedByInquiry)
        XCTAssertTrue(try sandbox.ledger().isEmpty, "a refused apply moves no money")
    }

    func testUpi360ClientSigningWithAWrongKeyIsRefusedAndMovesNoMoney() async throws {
        let sandbox = try startSandbox()
        defer { sandbox.stop() }
        // A valid RSA key, but not the merchant's: the PSP's private key.
        let upi = try upiRefunds(sandbox, signingKey: try Upi360Vectors.key("test_only_psp_private_pkcs8.pem"))
        let original = try sandbox.createUpiTransaction(amountPaise: 7_700)

        let report = try await upi.refund(request: upiRefundRequest("SWIFTSBXBADKEY", of: original, amountPaise: 7_700))

        XCTAssertEqual(report.outcome.status, .failed, "\(report.outcome)")
        XCTAssertEqual(report.outcome.reason, .authOrClock)
        XCTAssertEqual(report.outcome.raw.httpStatus, 401)
        XCTAssertEqual(report.moneyMovingSends, 1)
        XCTAssertTrue(try sandbox.ledger().isEmpty, "a refused refund moves no money")
    }
}
