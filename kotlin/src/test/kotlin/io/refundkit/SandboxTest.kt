package io.refundkit

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.DisplayName
import org.junit.jupiter.api.Test
import java.security.KeyPairGenerator
import java.util.Base64
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * Real refunds over loopback HTTP: the embedded `Sandbox` (Eko, Paytm and UPI Refund 360 on their real paths, with
 * their authentication) driven by the refund clients through `builtinTransport()` (the Rust reqwest transport).
 * One sandbox per test, stopped after it; the ledger is the sandbox's record of what money actually moved.
 */
@DisplayName("sandbox: real refunds through the built-in transport")
class SandboxTest {
    private companion object {
        /** Retries and polls in milliseconds, not seconds. */
        val FAST = RetryPolicy(baseDelayMs = 1, maxDelayMs = 5)

        /** A PKCS#8 PEM of a fresh RSA key the sandbox has never seen. */
        fun strangerRsaKeyPem(): String {
            val key = KeyPairGenerator.getInstance("RSA").apply { initialize(2048) }.generateKeyPair().private
            val b64 = Base64.getMimeEncoder(64, "\n".toByteArray()).encodeToString(key.encoded)
            return "-----BEGIN PRIVATE KEY-----\n$b64\n-----END PRIVATE KEY-----\n"
        }
    }

    private lateinit var sandbox: Sandbox
    private lateinit var creds: SandboxCredentials
    private val transport = builtinTransport()

    @BeforeEach
    fun start() {
        sandbox = Sandbox.start(seed = 7L, pollsUntilSuccess = 2)
        creds = sandbox.credentials()
    }

    @AfterEach
    fun stop() {
        sandbox.stop()
        sandbox.close()
    }

    private fun eko(accessKey: String = creds.ekoAccessKey) = EkoRefunds(
        EkoOptions(baseUrl = sandbox.ekoBaseUrl(), initiatorId = creds.ekoInitiatorId, userCode = creds.ekoUserCode),
        creds.ekoDeveloperKey, accessKey, transport, FAST,
    )

    private fun paytm(merchantKey: String = creds.paytmMerchantKey) = PaytmRefunds(
        PaytmOptions(mid = creds.paytmMid, environment = PaytmEnvironment.STAGING, baseUrl = sandbox.baseUrl()),
        merchantKey, transport, FAST,
    )

    private fun upi(signingKey: String = creds.upiMerchantPrivateKeyPem) = Upi360Refunds(
        Upi360Options(
            host = sandbox.baseUrl(), uri = "n2", merchantId = creds.upiMerchantId,
            merchantChannelId = creds.upiMerchantChannelId, signing = Upi360Signing.Pss,
        ),
        signingKey, creds.upiPspPublicKeyPem, transport, FAST,
    )

    private fun upiRefund(id: String, original: SandboxUpiTransaction, amountPaise: Long = original.amountPaise) =
        Upi360RefundRequest(
            refundRequestId = id, amountPaise = amountPaise, refundType = Upi360RefundType.ONLINE,
            remarks = "Customer refund", originalMerchantRequestId = original.originalMerchantRequestId,
            merchantRefundVpa = "refunds@parentbank",
        )

    /** Eko: OTP to the customer, who reads it out (here: `otpFor`), then the refund with it. */
    private suspend fun ekoRefund(client: EkoRefunds, tid: String): RefundReport {
        val otpReport = client.sendRefundOtp(tid)
        assertEquals(RefundStatus.PENDING, otpReport.outcome.status, "$otpReport")
        assertEquals(RefundReason.OTP_SENT, otpReport.outcome.reason)
        assertEquals(NextStep.COLLECT_OTP, otpReport.outcome.nextStep)
        assertEquals(0, otpReport.moneyMovingSends)
        val otp = assertNotNull(sandbox.otpFor(tid), "the sandbox texted an OTP for $tid")
        val otpRefId = assertNotNull(otpReport.outcome.otp?.otpRefId, "Get Refund OTP returned an otp_ref_id")
        return client.refund(tid = tid, otp = otp, otpRefId = otpRefId)
    }

    @Test
    @DisplayName("the sandbox's URLs, credentials, fixtures admin and stop")
    fun basics() {
        assertTrue(sandbox.baseUrl().startsWith("http://127.0.0.1:"), sandbox.baseUrl())
        assertEquals("http://127.0.0.1:${sandbox.port()}", sandbox.baseUrl())
        assertEquals("${sandbox.baseUrl()}/ekoapi/v3", sandbox.ekoBaseUrl())
        assertEquals("9962981729", creds.ekoInitiatorId)
        assertEquals("RKSANDBOX00000000001", creds.paytmMid)
        assertTrue(creds.upiMerchantPrivateKeyPem.startsWith("-----BEGIN PRIVATE KEY-----"))
        assertTrue(creds.paytmMid in sandbox.credentialsText())
        val tx = sandbox.createEkoTransaction(12_300)
        assertEquals(12_300L, tx.amountPaise)
        assertNull(sandbox.otpFor(tx.tid), "no OTP before one was asked for")
        assertTrue(sandbox.ledger().isEmpty())
        val e = assertFailsWith<RefundkitException.InvalidInput> { sandbox.setFaults("nope") }
        assertEquals("faults", e.field)
        sandbox.stop()
        assertFailsWith<RefundkitException.Configuration> { sandbox.ledger() }
        sandbox.stop() // idempotent
    }

    @Test
    @DisplayName("Eko: OTP, then the refund with the OTP the customer reads out: succeeded, money moved once")
    fun ekoRefund() = runBlocking {
        val tx = sandbox.createEkoTransaction(50_000)
        val report = eko().use { ekoRefund(it, tx.tid) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        assertEquals(RefundReason.REFUNDED, report.outcome.reason)
        assertEquals(NextStep.NOTHING, report.outcome.nextStep)
        assertEquals(tx.tid, report.reference)
        assertEquals(1, report.moneyMovingSends)
        assertEquals(1, report.attempts)
        assertFalse(report.resolvedByInquiry)
        val refund = assertNotNull(report.outcome.refund, "$report")
        assertEquals(tx.tid, refund.originalId)
        assertEquals(50_000L, refund.originalAmountPaise)
        assertEquals(500L, refund.feePaise, "the sandbox's 1% fee")
        assertEquals(50_500L, refund.refundedAmountPaise, "amount + fee back to the wallet")
        assertNull(sandbox.otpFor(tx.tid), "the OTP is used up")

        val entry = sandbox.ledger().single()
        assertEquals(SandboxLedgerEntry("eko", tx.tid, tx.tid, 50_000, "SUCCESS", 1), entry)

        // Refunding it again: Eko answers "already in refunded state" (nothing moves), which refundkit confirms by
        // Transaction Inquiry: refunded, once.
        val again = eko().use { it.refund(tid = tx.tid, otp = "123456") }
        assertEquals(RefundStatus.SUCCEEDED, again.outcome.status, "$again")
        assertEquals(RefundReason.REFUNDED, again.outcome.reason)
        assertTrue(again.resolvedByInquiry)
        assertEquals(2, again.attempts, "the refused refund, then one inquiry")
        assertEquals(entry, sandbox.ledger().single(), "no second refund")
    }

    @Test
    @DisplayName("Paytm: apply (PENDING 601), then Refund Status polls with the same refId until TXN_SUCCESS")
    fun paytmRefund() = runBlocking {
        val order = sandbox.createPaytmOrder(25_000)
        val apply = PaytmRefundApply(
            orderId = order.orderId, refId = "KT-REF-1", txnId = order.txnId, refundAmountPaise = 15_000,
            originalAmountPaise = order.amountPaise,
        )
        val report = paytm().use { it.refund(apply) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        assertEquals(RefundReason.REFUNDED, report.outcome.reason)
        assertEquals("KT-REF-1", report.reference)
        assertEquals(1, report.moneyMovingSends)
        assertTrue(report.resolvedByInquiry, "the success came from a status poll")
        assertEquals(1 + 3, report.attempts, "one apply, two PENDING polls, one TXN_SUCCESS")
        assertEquals(15_000L, report.outcome.refund?.refundedAmountPaise)

        val entry = sandbox.ledger().single()
        assertEquals(SandboxLedgerEntry("paytm", "KT-REF-1", order.orderId, 15_000, "SUCCESS", 1), entry)

        // A status read afterwards is repeatable and moves nothing.
        val status = paytm().use { it.status(order.orderId, "KT-REF-1") }
        assertEquals(RefundStatus.SUCCEEDED, status.outcome.status, "$status")
        assertEquals(0, status.moneyMovingSends)
        assertEquals(1, sandbox.ledger().single().moneyMoved)
    }

    @Test
    @DisplayName("UPI Refund 360: refund (PENDING or DEEMED), then status polls with the same id until SUCCESS")
    fun upiRefund() = runBlocking {
        val original = sandbox.createUpiTransaction(10_000)
        val report = upi().use { it.refund(upiRefund("KTUPIREFUND1", original)) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        assertEquals(RefundReason.REFUNDED, report.outcome.reason)
        assertEquals("KTUPIREFUND1", report.reference)
        assertEquals(1, report.moneyMovingSends)
        assertTrue(report.resolvedByInquiry)
        assertEquals(1 + 3, report.attempts, "one refund, two PENDING/DEEMED polls, one SUCCESS")
        assertEquals(10_000L, report.outcome.refund?.refundedAmountPaise)

        val entry = sandbox.ledger().single()
        assertEquals("upi360", entry.provider)
        assertEquals("KTUPIREFUND1", entry.reference)
        assertEquals(10_000L, entry.amountPaise)
        assertEquals("SUCCESS", entry.state)
        assertEquals(1, entry.moneyMoved)
        assertTrue(entry.originalId == original.originalMerchantRequestId || entry.originalId == original.originalUpiRequestId, entry.originalId)
    }

    @Test
    @DisplayName("fault drop_after_commit on eko.initiate_refund: committed, answer lost, resolved by inquiry, refunded once")
    fun ekoDropAfterCommit() = runBlocking {
        val tx = sandbox.createEkoTransaction(40_000)
        sandbox.setFaults("drop_after_commit:1@eko.initiate_refund")
        val report = eko().use { ekoRefund(it, tx.tid) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        assertEquals(RefundReason.REFUNDED, report.outcome.reason)
        assertTrue(report.resolvedByInquiry, "the answer was dropped; the outcome comes from Transaction Inquiry")
        assertEquals(1, report.moneyMovingSends, "Initiate Refund was not sent again")
        assertTrue(report.attempts >= 2, "refund + inquiry: $report")
        assertNotNull(report.recordJson)

        val entry = sandbox.ledger().single()
        assertEquals(SandboxLedgerEntry("eko", tx.tid, tx.tid, 40_000, "SUCCESS", 1), entry, "never a double refund")

        // An inquiry later (a read: the fault hits only Initiate Refund) still says refunded; nothing moves.
        val inquiry = eko().use { it.inquiry(tx.tid) }
        assertEquals(RefundStatus.SUCCEEDED, inquiry.outcome.status, "$inquiry")
        assertEquals(0, inquiry.moneyMovingSends)
        assertEquals(1, sandbox.ledger().single().moneyMoved)
    }

    @Test
    @DisplayName("Eko with a wrong access key: HTTP 403, AUTH_OR_CLOCK, nothing executed, nothing in the ledger")
    fun ekoWrongKey() = runBlocking {
        val tx = sandbox.createEkoTransaction(30_000)
        val wrongKey = "00000000-0000-0000-0000-000000000000"
        assertNotEquals(creds.ekoAccessKey, wrongKey)
        eko(accessKey = wrongKey).use { client ->
            val otp = client.sendRefundOtp(tx.tid)
            assertEquals(RefundReason.AUTH_OR_CLOCK, otp.outcome.reason, "$otp")
            assertEquals(RefundStatus.FAILED, otp.outcome.status, "$otp")
            assertEquals(403, otp.outcome.raw.httpStatus)
            assertNull(sandbox.otpFor(tx.tid), "no OTP was texted")

            val refund = client.refund(tid = tx.tid, otp = "123456")
            assertEquals(RefundReason.AUTH_OR_CLOCK, refund.outcome.reason, "$refund")
            assertEquals(RefundStatus.FAILED, refund.outcome.status, "$refund")
            assertEquals(NextStep.FIX_CONFIGURATION, refund.outcome.nextStep)
            assertEquals(403, refund.outcome.raw.httpStatus)
            assertEquals(1, refund.moneyMovingSends, "sent once, not retried")
            assertEquals(1, refund.attempts, "a refusal is final: no inquiry")
        }
        assertTrue(sandbox.ledger().isEmpty(), "${sandbox.ledger()}")
    }

    @Test
    @DisplayName("Paytm with a wrong merchant key: checksum refused (330), never a success, nothing in the ledger")
    fun paytmWrongKey() = runBlocking {
        val order = sandbox.createPaytmOrder(25_000)
        val apply = PaytmRefundApply(order.orderId, "KT-BAD-1", order.txnId, 10_000)
        val report = paytm(merchantKey = "wrong-merchant-key-of-32-bytes!!").use { it.refund(apply) }
        // Paytm refuses the checksum (TXN_FAILURE 330). Its answer is signed with the real key, which this client
        // cannot verify, so refundkit does not take the refusal as final (INDETERMINATE, SIGNATURE_INVALID), but an
        // unverifiable 330 is what a wrong key looks like: fix the configuration, and no point polling.
        assertEquals(RefundReason.SIGNATURE_INVALID, report.outcome.reason, "$report")
        assertEquals(RefundStatus.INDETERMINATE, report.outcome.status, "$report")
        assertEquals(NextStep.FIX_CONFIGURATION, report.outcome.nextStep)
        assertTrue(report.outcome.warnings.any { "probably wrong" in it }, "${report.outcome.warnings}")
        assertTrue(ProviderCode("resultCode", "330") in report.outcome.raw.codes, "${report.outcome.raw}")
        assertEquals(1, report.moneyMovingSends, "the apply was not re-sent")
        assertEquals(2, report.attempts, "the apply and one status call, then stop")
        assertFalse(report.resolvedByInquiry, "nothing was settled")
        assertNotNull(report.recordJson, "left for resume()")
        assertTrue(sandbox.ledger().isEmpty(), "${sandbox.ledger()}")

        // The refusal executed nothing: the same refId with the right key goes through, once.
        val ok = paytm().use { it.refund(apply) }
        assertEquals(RefundStatus.SUCCEEDED, ok.outcome.status, "$ok")
        assertEquals(SandboxLedgerEntry("paytm", "KT-BAD-1", order.orderId, 10_000, "SUCCESS", 1), sandbox.ledger().single())
    }

    @Test
    @DisplayName("Refund 360 signed with a key the sandbox does not know: 401 UNAUTHORIZED, AUTH_OR_CLOCK, nothing in the ledger")
    fun upiWrongKey() = runBlocking {
        val original = sandbox.createUpiTransaction(10_000)
        val report = upi(signingKey = strangerRsaKeyPem()).use { it.refund(upiRefund("KTUPIBAD1", original)) }
        assertEquals(RefundReason.AUTH_OR_CLOCK, report.outcome.reason, "$report")
        assertEquals(RefundStatus.FAILED, report.outcome.status, "$report")
        assertEquals(401, report.outcome.raw.httpStatus)
        assertTrue(ProviderCode("responseCode", "UNAUTHORIZED") in report.outcome.raw.codes, "${report.outcome.raw}")
        assertEquals(1, report.moneyMovingSends)
        assertTrue(sandbox.ledger().isEmpty(), "${sandbox.ledger()}")

        // The same refund, correctly signed, goes through: the refusal executed nothing.
        val ok = upi().use { it.refund(upiRefund("KTUPIBAD1", original)) }
        assertEquals(RefundStatus.SUCCEEDED, ok.outcome.status, "$ok")
        assertEquals(1, sandbox.ledger().single().moneyMoved)
    }

    /** kotlin/README.md "Sandbox in your test suite", as written there (keep the two in step). */
    @Test
    @DisplayName("README: Sandbox in your test suite")
    fun ekoRefundSurvivesALostAnswer() = runBlocking {
        val sandbox = Sandbox.start()                                      // any free port; Sandbox.start(port, seed, pollsUntilSuccess, faults)
        try {
            val c = sandbox.credentials()                                  // test-only keys for all three providers
            EkoRefunds(
                EkoOptions(baseUrl = sandbox.ekoBaseUrl(), initiatorId = c.ekoInitiatorId, userCode = c.ekoUserCode),
                c.ekoDeveloperKey, c.ekoAccessKey, transport = builtinTransport(),
            ).use { eko ->
                val tx = sandbox.createEkoTransaction(amountPaise = 50_000)  // a transaction in "Refund Pending"
                val otpReport = eko.sendRefundOtp(tx.tid)
                sandbox.setFaults("drop_after_commit:1@eko.initiate_refund") // commit the refund, then drop its answer
                val report = eko.refund(tx.tid, otp = sandbox.otpFor(tx.tid)!!, otpRefId = otpReport.outcome.otp?.otpRefId)

                assertEquals(RefundStatus.SUCCEEDED, report.outcome.status)
                assertTrue(report.resolvedByInquiry)                         // found by Transaction Inquiry, not re-sent
                val entry = sandbox.ledger().single()
                assertEquals(50_000L, entry.amountPaise)
                assertEquals(1, entry.moneyMoved)                            // never a double refund
            }
        } finally {
            sandbox.stop()                                                 // or once per class in @AfterAll
        }
    }
}
