package io.refundkit

import org.junit.jupiter.api.DisplayName
import org.junit.jupiter.api.Test
import java.io.File
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue

/** The Paytm and UPI Refund 360 boundary: foreign RandomSource/Clock, typed errors, secrets kept out of text. */
@DisplayName("provider bindings")
class ProviderBindingTest {
    private companion object {
        // paytm_requests.json's default_config and its first case (vector V2 with the salt "Xy9Z").
        const val MID = "INTEGR7769XXXXXX9383"
        const val KEY = "Test&Key#12345$@"
        const val TXN = "202005081112128XXXXXX68470101509706"
        const val V2_SIGNATURE =
            "UdhLKPGGK21DhC6RrCWN7IwlJab2jHyjdSPnwsPBMod04Q+AUqadsT5XOQb5o6JO2DI66MTT4ZNr+ZX/Le3fhvzoN0xgCxW3nDbxRTdlxD4="
        const val T0 = 1_700_000_000_000L

        fun upiKey(name: String) = File(Vectors.keysDir, name).readText()
    }

    /** A Kotlin implementation of the foreign `RandomSource` interface: hands out [bytes], counting requests. */
    private class ScriptedRandom(private val bytes: ByteArray) : RandomSource {
        val requested = AtomicInteger()
        override fun fill(len: Int): ByteArray {
            requested.addAndGet(len)
            return ByteArray(len) { bytes[it % bytes.size] }
        }
    }

    @Test
    @DisplayName("a Kotlin RandomSource draws the PaytmChecksum salt")
    fun kotlinRandomSource() {
        // [23, 50, 61, 25] ⇒ "Xy9Z" (README: b % 62 into [A-Za-z0-9]); bytes ≥ 248 are skipped.
        val random = ScriptedRandom(byteArrayOf(23, 50, 61, 25))
        assertEquals("Xy9Z", paytmRandomSalt(random))
        assertTrue(random.requested.get() >= 4)
        assertEquals("AB9A", paytmRandomSalt(ScriptedRandom(byteArrayOf(255.toByte(), 248.toByte(), 0, 63, 247.toByte()))))

        // The same source signs a Refund Apply: vector V2's signature, which verifies with the key.
        PaytmClient.staging(MID, KEY, fixedClock(T0), ScriptedRandom(byteArrayOf(23, 50, 61, 25))).use { paytm ->
            val body = paytm.buildRefundApply("OREDRID_98765", "REFUNDID_98765", TXN, refundAmountPaise = 100).body.decodeToString()
            assertTrue(body.endsWith(""""head":{"signature":"$V2_SIGNATURE"}}"""), body)
            val signed = body.removePrefix("""{"body":""").substringBefore(""","head":""")
            assertTrue(paytmVerify(signed, KEY, V2_SIGNATURE))
        }
        // Other bytes, another salt, another (still valid) signature.
        val other = paytmChecksum("{}", KEY, salt = null)
        assertNotEquals(other, paytmChecksum("{}", KEY))
        assertTrue(paytmVerify("{}", KEY, other))
    }

    @Test
    @DisplayName("a RandomSource that throws or answers short is an Internal error, never a weak salt")
    fun brokenRandomSource() {
        val throwing = object : RandomSource {
            override fun fill(len: Int): ByteArray = throw RefundkitException.Internal("entropy pool empty")
        }
        val short = object : RandomSource {
            override fun fill(len: Int): ByteArray = ByteArray(len - 1)
        }
        val crashing = object : RandomSource {
            override fun fill(len: Int): ByteArray = throw IllegalStateException("not a RefundkitException")
        }
        for (random in listOf(throwing, crashing, short, fixedRandom(byteArrayOf()))) {
            assertFailsWith<RefundkitException.Internal> { paytmRandomSalt(random) }
            PaytmClient.staging(MID, KEY, null, random).use { paytm ->
                assertFailsWith<RefundkitException.Internal> { paytm.buildRefundStatus("O1", refId = "R1") }
            }
        }
    }

    @Test
    @DisplayName("Paytm: the key never shows in the client or its errors")
    fun paytmSecrets() {
        PaytmClient.staging(MID, KEY).use { paytm ->
            assertFalse(KEY in paytm.toString(), paytm.toString())
            assertTrue(MID in paytm.toString(), paytm.toString())
        }
        val e = assertFailsWith<RefundkitException.Configuration> { PaytmClient.production(MID, "Test&Key#12345$@X") }
        assertEquals("merchant_key", e.field)
        assertFalse("Test&Key" in "$e ${e.message}")
    }

    @Test
    @DisplayName("Paytm: a throwing Clock is Configuration{clock} and never extends the 631 grace period")
    fun paytmThrowingClock() {
        val clock = object : Clock {
            override fun nowUnixMs(): Long = throw IllegalStateException("no time today")
        }
        val options = PaytmOptions(mid = MID, environment = PaytmEnvironment.STAGING, requestTimestamp = true)
        PaytmClient(options, KEY, clock, fixedRandom(byteArrayOf(1))).use { paytm ->
            val e = assertFailsWith<RefundkitException.Configuration> { paytm.buildRefundStatus("O1", refId = "R1") }
            assertEquals("clock", e.field)

            // paytm_interpret.json's 631 answer 31 min after acceptance: INDETERMINATE with a working clock, and
            // also with a broken one (an unknown time cannot prove the grace period is still running).
            val notFound = Vectors.obj("paytm_interpret.json").getJSONArray("cases").let { cs ->
                (0 until cs.length()).map { cs.getJSONObject(it) }.first { "after the grace period" in it.getString("name") }
            }
            val response = Vectors.response(notFound.getJSONObject("response"))
            val acceptedAt = PaytmPriorApply.AcceptedAt(notFound.getJSONObject("prior_apply").getLong("accepted_at_ms"))
            PaytmClient(options, KEY, fixedClock(notFound.getLong("now_ms"))).use { working ->
                assertEquals(RefundStatus.INDETERMINATE, working.interpretRefundStatus(response, acceptedAt).status)
            }
            assertEquals(RefundStatus.INDETERMINATE, paytm.interpretRefundStatus(response, acceptedAt).status)
        }
    }

    @Test
    @DisplayName("Paytm webhooks: a rejection is a sealed PaytmWebhookException an exhaustive when can read")
    fun webhookErrors() {
        PaytmClient.staging(MID, KEY).use { paytm ->
            val missing = assertFailsWith<PaytmWebhookException.SignatureMissing> {
                paytm.parseRefundArnWebhook("MID=$MID&ORDERID=O1".toByteArray())
            }
            assertEquals("signature_missing", missing.kind())
            val invalid = assertFailsWith<PaytmWebhookException> {
                paytm.parseRefundArnWebhook("MID=$MID&ORDERID=O1&CHECKSUMHASH=abc".toByteArray())
            }
            val answer = when (invalid) { // what a webhook handler would do
                is PaytmWebhookException.Unreadable, is PaytmWebhookException.MissingField,
                is PaytmWebhookException.InvalidField -> 400
                is PaytmWebhookException.SignatureMissing, is PaytmWebhookException.SignatureInvalid,
                is PaytmWebhookException.MidMismatch -> 401
            }
            assertEquals(401, answer)
            assertEquals("signature_invalid", invalid.kind())
            assertFailsWith<PaytmWebhookException.Unreadable> { paytm.parseAcceptRefundWebhook("not json".toByteArray()) }
        }
    }

    @Test
    @DisplayName("UPI: a throwing Clock is Configuration{clock}; keys never show; PSS signs and verifies")
    fun upiBoundary() {
        val merchant = upiKey("test_only_merchant_private_pkcs8.pem")
        val pspPublic = upiKey("test_only_psp_public_spki.pem")
        val options = Upi360Options(
            host = "https://api.beta.yesbank.upi.juspay.in", uri = "n2", merchantId = "MERCHANT1",
            merchantChannelId = "CHANNEL1", signing = Upi360Signing.Pss,
        )
        val refund = Upi360RefundRequest(
            refundRequestId = "RF20250101ABC", amountPaise = 10_000, refundType = Upi360RefundType.ONLINE,
            remarks = "Customer refund", originalUpiRequestId = "YJP1234567890ABCDEFGHIJKLMNOPQRSTUV",
            merchantRefundVpa = "refunds@parentbank",
        )
        val broken = object : Clock {
            override fun nowUnixMs(): Long = throw IllegalStateException("no time today")
        }
        Upi360Client(options, merchant, pspPublic, broken).use { upi ->
            assertEquals("clock", assertFailsWith<RefundkitException.Configuration> { upi.buildRefund360(refund) }.field)
            assertFalse("BEGIN" in upi.toString() || merchant.lines()[1] in upi.toString(), upi.toString())
        }
        Upi360Client(options, merchant, pspPublic, fixedClock(1_735_689_600_000L)).use { upi ->
            val request = upi.buildRefund360(refund)
            val signature = request.headers.single { it.name == "x-merchant-signature" }.value
            val input = upiSignatureInput("MERCHANT1", "CHANNEL1", null, null, 1_735_689_600_000L, request.body)
            val merchantPublic = upiKey("test_only_merchant_public_spki.pem")
            assertTrue(upiVerifyPssSignature(input, signature, merchantPublic))
            assertTrue(Jdk.verifyPss(input, signature, Jdk.publicKey(merchantPublic)))
            // Randomized: another build signs differently, and both verify.
            val again = upi.buildRefund360(refund).headers.single { it.name == "x-merchant-signature" }.value
            assertNotEquals(signature, again)
            assertTrue(Jdk.verifyPss(input, again, Jdk.publicKey(merchantPublic)))
            // An unsigned answer is never a failure.
            val outcome = upi.interpretRefund360(refund, HttpResponse(status = 200, body = """{"status":"FAILURE"}""".toByteArray()))
            assertEquals(RefundStatus.INDETERMINATE, outcome.status)
            assertEquals(RefundReason.UNTRUSTED_RESPONSE, outcome.reason)
        }
        val e = assertFailsWith<RefundkitException.Configuration> { Upi360Client(options, pspPublic, pspPublic) }
        assertEquals("private_key_pem", e.field)
        assertFalse("BEGIN" in "$e ${e.message}")
        assertEquals("refundType", assertFailsWith<RefundkitException.InvalidInput> { upiRefundTypeFromWire("online") }.field)
    }
}
