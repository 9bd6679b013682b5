package io.refundkit

import io.refundkit.Vectors.bytes
import io.refundkit.Vectors.cases
import io.refundkit.Vectors.checkOutcome
import io.refundkit.Vectors.expectValue
import io.refundkit.Vectors.merged
import io.refundkit.Vectors.objects
import io.refundkit.Vectors.requireKnownKeys
import io.refundkit.Vectors.stringOrNull
import org.json.JSONObject
import org.junit.jupiter.api.DisplayName
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import java.security.MessageDigest
import java.util.Base64
import javax.crypto.Cipher
import javax.crypto.spec.IvParameterSpec
import javax.crypto.spec.SecretKeySpec
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue
import kotlin.test.fail

/** Every case of `tests/vectors/paytm_*.json`, one dynamic test each, through the Kotlin API only. */
@DisplayName("paytm vectors")
class PaytmVectorTest {

    // -----------------------------------------------------------------------------------------------------------
    // paytm_checksum.json

    @TestFactory
    @DisplayName("paytm_checksum.json")
    fun checksum() = cases(Vectors.arr("paytm_checksum.json").objects(), { it.getString("name") }) { case ->
        requireKnownKeys(case, CHECKSUM_KEYS, "case")
        val key = case.getString("key")
        val text = case.getString("string_to_sign")
        val params: Map<String, String?>? = case.optJSONObject("params")?.let { p -> p.keySet().associateWith { p.stringOrNull(it) } }
        when (val kind = case.getString("kind")) {
            "sign" -> {
                val salt = case.getString("salt")
                val expected = case.getString("expected_signature")
                assertTrue(case.getBoolean("expected_valid"))
                assertEquals(expected, paytmChecksum(text, key, salt), "checksum")
                assertTrue(paytmVerify(text, key, expected), "verify")
                if (params != null) {
                    assertEquals(text, paytmParamsString(params), "params string")
                    assertEquals(expected, paytmChecksumParams(params, key, salt), "params checksum")
                    assertTrue(paytmVerifyParams(params, key, expected), "params verify")
                }
                jdkCheck(case, text, key, salt, expected)
            }
            "variant" -> {
                val salt = case.getString("salt")
                val node = case.getString("expected_signature")
                val correct = case.getString("correct_signature_for_params")
                val map = params ?: fail("variant without params")
                val signed = paytmChecksumParams(map, key, salt)
                assertEquals(correct, signed, "the map builder's signature")
                assertNotEquals(node, signed, "the map builder must not keep the string 'null'")
                assertFalse(paytmVerifyParams(map, key, node), "the Node variant must not verify for the map")
                assertEquals(node, paytmChecksum(text, key, salt), "signing the literal string")
                jdkCheck(case, text, key, salt, node)
            }
            "verify_negative" -> {
                assertFalse(case.getBoolean("expected_valid"))
                assertFalse(paytmVerify(text, key, case.getString("signature")), "verify must be false")
            }
            else -> fail("unknown kind $kind")
        }
    }

    /**
     * A second, independent PaytmChecksum (JDK only, spec §3): `expected_sha256_hex` = SHA-256(text|salt), and the
     * signature is AES-CBC (IV `@@@@&&&&####$$$$`, PKCS#5) of `expected_plaintext` = that hex + salt.
     */
    private fun jdkCheck(case: JSONObject, text: String, key: String, salt: String, signature: String) {
        val sha = MessageDigest.getInstance("SHA-256").digest("$text|$salt".toByteArray()).joinToString("") { "%02x".format(it) }
        assertEquals(case.getString("expected_sha256_hex"), sha, "JDK SHA-256")
        assertEquals(case.getString("expected_plaintext"), sha + salt, "vector self-check")
        val cipher = Cipher.getInstance("AES/CBC/PKCS5Padding")
        cipher.init(Cipher.DECRYPT_MODE, SecretKeySpec(key.toByteArray(), "AES"), IvParameterSpec("@@@@&&&&####$$$$".toByteArray()))
        assertEquals(sha + salt, String(cipher.doFinal(Base64.getDecoder().decode(signature))), "JDK AES decryption")
    }

    // -----------------------------------------------------------------------------------------------------------
    // Clients from `default_config` + `config`

    private fun options(c: JSONObject): PaytmOptions {
        requireKnownKeys(c, CONFIG_KEYS, "config")
        val options = PaytmOptions(
            mid = c.getString("mid"),
            environment = when (val e = c.getString("environment")) {
                "staging" -> PaytmEnvironment.STAGING
                "production" -> PaytmEnvironment.PRODUCTION
                else -> fail("unknown environment $e")
            },
        )
        if (c.has("flavour")) {
            options.flavour = when (val f = c.getString("flavour")) {
                "pg" -> PaytmFlavour.PG
                "ai_router" -> PaytmFlavour.AI_ROUTER
                else -> fail("unknown flavour $f")
            }
        }
        options.baseUrl = c.stringOrNull("base_url")
        options.clientId = c.stringOrNull("client_id")
        options.version = c.stringOrNull("version")
        options.channelId = c.stringOrNull("channel_id")
        if (c.has("request_timestamp")) options.requestTimestamp = c.getBoolean("request_timestamp")
        if (c.has("token_type_checksum")) options.tokenTypeChecksum = c.getBoolean("token_type_checksum")
        if (c.has("comments_max_len")) options.commentsMaxLen = c.getInt("comments_max_len")
        return options
    }

    private fun client(file: JSONObject, case: JSONObject, random: RandomSource? = null): PaytmClient {
        val c = merged(file.getJSONObject("default_config"), case.optJSONObject("config"))
        val clock = if (case.has("now_ms")) fixedClock(case.getLong("now_ms")) else null
        return PaytmClient(options(c), c.getString("merchant_key"), clock, random)
    }

    // -----------------------------------------------------------------------------------------------------------
    // paytm_requests.json

    @TestFactory
    @DisplayName("paytm_requests.json")
    fun requests(): List<DynamicTest> {
        val file = Vectors.obj("paytm_requests.json")
        return cases(file.getJSONArray("cases").objects(), { it.getString("name") }) { case ->
            requireKnownKeys(case, REQUEST_CASE_KEYS, "case")
            val input = case.getJSONObject("input")
            requireKnownKeys(input, REQUEST_INPUT_KEYS, "input")
            val bytes = bytes(case.getJSONArray("random_bytes"))

            // Configuration errors may come from the constructor or from the build: both are inside this block.
            fun build(random: RandomSource): HttpRequest = client(file, case, random).use { client ->
                when (val operation = case.getString("operation")) {
                    "refund_apply" -> client.buildRefundApply(
                        orderId = input.getString("order_id"),
                        refId = input.getString("ref_id"),
                        txnId = input.getString("txn_id"),
                        refundAmountPaise = input.getLong("refund_amount_paise"),
                        originalAmountPaise = if (input.has("original_amount_paise")) input.getLong("original_amount_paise") else null,
                        comments = input.stringOrNull("comments"),
                    )
                    "refund_status" -> client.buildRefundStatus(
                        orderId = input.getString("order_id"),
                        refId = input.stringOrNull("ref_id"),
                        refundId = input.stringOrNull("refund_id"),
                    )
                    else -> fail("unknown operation $operation")
                }
            }

            val expectError = case.optJSONObject("expect_error")
            if (expectError != null) {
                requireKnownKeys(expectError, setOf("kind", "field"), "expect_error")
                val e = assertFailsWith<RefundkitException> { build(fixedRandom(bytes)) }
                assertEquals(expectError.getString("kind"), e.kind(), "error kind ($e)")
                if (expectError.has("field")) assertEquals(expectError.getString("field"), e.field(), "error field ($e)")
                val key = merged(file.getJSONObject("default_config"), case.optJSONObject("config")).getString("merchant_key")
                assertFalse(key in e.toString() || key in (e.message ?: ""), "the error names the merchant key")
                return@cases
            }

            val expect = case.getJSONObject("expect")
            requireKnownKeys(expect, setOf("method", "url", "headers", "body"), "expect")
            val request = build(fixedRandom(bytes))
            assertEquals(expect.getString("method"), request.method.name, "method")
            assertEquals(expect.getString("url"), request.url, "url")
            val headers = expect.getJSONArray("headers").let { hs ->
                (0 until hs.length()).map { i -> hs.getJSONArray(i).let { it.getString(0) to it.getString(1) } }
            }
            assertEquals(headers, request.headers.map { it.name to it.value }, "headers (ordered)")
            val body = expect.getString("body")
            assertEquals(body, request.body.toString(Charsets.UTF_8), "body")
            assertContentEquals(body.toByteArray(Charsets.UTF_8), request.body, "body bytes")

            // The same bytes from a Kotlin RandomSource (the foreign-interface path) give the same request.
            val kotlinRandom = CyclicRandom(bytes)
            assertContentEquals(request.body, build(kotlinRandom).body, "body with a Kotlin RandomSource")
            assertTrue(kotlinRandom.calls > 0, "the Kotlin RandomSource was asked")
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // paytm_interpret.json

    @TestFactory
    @DisplayName("paytm_interpret.json")
    fun interpret(): List<DynamicTest> {
        val file = Vectors.obj("paytm_interpret.json")
        return cases(file.getJSONArray("cases").objects(), { it.getString("name") }) { case ->
            requireKnownKeys(case, INTERPRET_CASE_KEYS, "case")
            val response = Vectors.response(case.getJSONObject("response"))
            val outcome = client(file, case).use { client ->
                when (val operation = case.getString("operation")) {
                    "refund_apply" -> {
                        assertFalse(case.has("prior_apply"), "prior_apply on an apply")
                        client.interpretRefundApply(response)
                    }
                    "refund_status" -> {
                        val prior = when (val p = case.opt("prior_apply")) {
                            null, "unknown" -> PaytmPriorApply.Unknown
                            is JSONObject -> {
                                requireKnownKeys(p, setOf("accepted_at_ms"), "prior_apply")
                                PaytmPriorApply.AcceptedAt(p.getLong("accepted_at_ms"))
                            }
                            else -> fail("unknown prior_apply $p")
                        }
                        client.interpretRefundStatus(response, prior)
                    }
                    else -> fail("unknown operation $operation")
                }
            }
            checkOutcome(case.getJSONObject("expect"), outcome)
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // paytm_webhooks.json

    @TestFactory
    @DisplayName("paytm_webhooks.json")
    fun webhooks(): List<DynamicTest> {
        val file = Vectors.obj("paytm_webhooks.json")
        return cases(file.getJSONArray("cases").objects(), { it.getString("name") }) { case ->
            requireKnownKeys(case, WEBHOOK_CASE_KEYS, "case")
            val body = case.getString("body").toByteArray(Charsets.UTF_8)
            client(file, case).use { client ->
                // Each event as the README's snake_case fields.
                val parse: () -> Map<String, Any?> = when (val kind = case.getString("kind")) {
                    "accept_refund" -> ({ client.parseAcceptRefundWebhook(body).fields() })
                    "success_refund" -> ({ client.parseSuccessRefundWebhook(body).fields() })
                    "refund_arn" -> ({ client.parseRefundArnWebhook(body).fields() })
                    else -> fail("unknown kind $kind")
                }
                val expectError = case.stringOrNull("expect_error")
                if (expectError != null) {
                    val e = assertFailsWith<PaytmWebhookException>("a rejected webhook parsed") { parse() }
                    assertEquals(expectError, e.kind(), "error kind ($e)")
                    return@cases
                }
                val fields = parse()
                val expect = case.getJSONObject("expect")
                for (key in expect.keySet()) {
                    if (key !in fields) fail("unknown expect key '$key'")
                    val actual = fields[key]
                    if (key == "destinations") {
                        @Suppress("UNCHECKED_CAST") val have = actual as List<Map<String, Any?>>
                        val want = expect.getJSONArray(key).objects()
                        assertEquals(want.size, have.size, "destinations $have")
                        want.zip(have).forEach { (w, h) ->
                            for (k in w.keySet()) {
                                if (k !in h) fail("unknown destination key '$k'")
                                expectValue(w, k, h[k], "destinations.$k in $h")
                            }
                        }
                    } else {
                        expectValue(expect, key, actual, "$key in $fields")
                    }
                }
            }
        }
    }

    private fun PaytmAcceptRefundEvent.fields(): Map<String, Any?> = mapOf(
        "mid" to mid, "order_id" to orderId, "ref_id" to refId, "refund_id" to refundId, "txn_id" to txnId,
        "refund_amount_paise" to refundAmountPaise, "status" to status, "accepted" to accepted,
        "reject_reason_code" to rejectReasonCode, "reject_reason_text" to rejectReasonText,
        "accept_refund_timestamp" to acceptRefundTimestamp,
    )

    private fun PaytmSuccessRefundEvent.fields(): Map<String, Any?> = mapOf(
        "mid" to mid, "order_id" to orderId, "ref_id" to refId, "refund_id" to refundId, "txn_id" to txnId,
        "txn_amount_paise" to txnAmountPaise, "refund_amount_paise" to refundAmountPaise,
        "total_refund_amount_paise" to totalRefundAmountPaise, "status" to status, "source" to source,
        "txn_timestamp" to txnTimestamp, "accept_refund_timestamp" to acceptRefundTimestamp,
        "merchant_refund_request_timestamp" to merchantRefundRequestTimestamp,
        "user_credit_initiate_timestamp" to userCreditInitiateTimestamp,
        "destinations" to destinations.map { d ->
            mapOf(
                "refund_type" to d.refundType, "pay_method" to d.payMethod, "refund_amount_paise" to d.refundAmountPaise,
                "rrn" to d.rrn, "user_credit_expected_date" to d.userCreditExpectedDate,
                "issuing_bank_name" to d.issuingBankName,
            )
        },
    )

    private fun PaytmRefundArnEvent.fields(): Map<String, Any?> = mapOf(
        "mid" to mid, "order_id" to orderId, "ref_id" to refId, "refund_id" to refundId, "arn" to arn,
    )

    private companion object {
        val CHECKSUM_KEYS = setOf(
            "name", "kind", "key", "salt", "string_to_sign", "params", "expected_sha256_hex", "expected_plaintext",
            "expected_signature", "expected_valid", "correct_signature_for_params", "signature", "notes", "source",
        )
        val CONFIG_KEYS = setOf(
            "environment", "flavour", "mid", "merchant_key", "base_url", "client_id", "version", "channel_id",
            "request_timestamp", "token_type_checksum", "comments_max_len",
        )
        val REQUEST_CASE_KEYS =
            setOf("name", "operation", "input", "now_ms", "random_bytes", "config", "expect", "expect_error", "source")
        val REQUEST_INPUT_KEYS =
            setOf("order_id", "ref_id", "txn_id", "refund_amount_paise", "original_amount_paise", "comments", "refund_id")
        val INTERPRET_CASE_KEYS =
            setOf("name", "operation", "now_ms", "prior_apply", "config", "response", "expect", "source")
        val WEBHOOK_CASE_KEYS = setOf("name", "kind", "body", "config", "expect", "expect_error", "source")
    }
}

/**
 * A Kotlin [RandomSource]: each call answers [bytes] repeated cyclically from the start, as `fixedRandom` does (the
 * README's salt mapping applies to what it returns).
 */
class CyclicRandom(private val bytes: ByteArray) : RandomSource {
    @Volatile var calls = 0

    override fun fill(len: Int): ByteArray {
        calls++
        return ByteArray(len) { bytes[it % bytes.size] }
    }
}

/** The README's webhook error kind: an exhaustive `when` over the sealed class (no `else`). */
fun PaytmWebhookException.kind(): String = when (this) {
    is PaytmWebhookException.Unreadable -> "unreadable"
    is PaytmWebhookException.SignatureMissing -> "signature_missing"
    is PaytmWebhookException.SignatureInvalid -> "signature_invalid"
    is PaytmWebhookException.MidMismatch -> "mid_mismatch"
    is PaytmWebhookException.MissingField -> "missing_field"
    is PaytmWebhookException.InvalidField -> "invalid_field"
}
