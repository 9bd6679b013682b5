package io.refundkit

import io.refundkit.Vectors.cases
import io.refundkit.Vectors.checkOutcome
import io.refundkit.Vectors.expectValue
import io.refundkit.Vectors.objects
import io.refundkit.Vectors.snake
import io.refundkit.Vectors.stringOrNull
import io.refundkit.Vectors.strings
import org.json.JSONObject
import org.junit.jupiter.api.DisplayName
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue
import kotlin.test.fail

/** Every case of `tests/vectors/` is one dynamic test, named by the case. */
@DisplayName("vectors")
class VectorTest {

    // -----------------------------------------------------------------------------------------------------------
    // eko_secret_key.json

    @TestFactory
    @DisplayName("eko_secret_key.json")
    fun ekoSecretKey() = cases(Vectors.arr("eko_secret_key.json").objects(), { it.getString("name") }) { case ->
        val accessKey = case.getString("access_key")
        val timestamp = case.getString("timestamp").toLong()
        val secretKey = ekoSecretKey(accessKey, timestamp)
        assertEquals(case.getString("expected_secret_key"), secretKey, "secret-key")
        if (case.getBoolean("negative")) {
            assertNotEquals(case.getString("mistaken_secret_key"), secretKey, "must not make: ${case.getString("mistake")}")
        }
        when (val algorithm = case.getString("algorithm")) {
            "secret_key" -> {}
            "request_hash" -> {
                val fields = case.getJSONArray("request_hash_fields").strings()
                assertEquals(case.getString("request_hash_message"), fields.joinToString(""), "vector self-check")
                // fields[0] is the timestamp itself, which ekoRequestHash puts first on its own.
                assertEquals("secret_key_timestamp", case.getJSONArray("request_hash_field_names").getString(0))
                assertEquals(timestamp.toString(), fields.first())
                assertEquals(case.getString("expected_request_hash"), ekoRequestHash(accessKey, timestamp, fields.drop(1)), "request_hash")
            }
            else -> fail("unknown algorithm $algorithm")
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // eko_requests.json

    @TestFactory
    @DisplayName("eko_requests.json")
    fun ekoRequests(): List<DynamicTest> {
        val file = Vectors.obj("eko_requests.json")
        val defaults = file.getJSONObject("default_config")
        return cases(file.getJSONArray("cases").objects(), { it.getString("name") }) { runRequestCase(defaults, it) }
    }

    private fun runRequestCase(defaults: JSONObject, case: JSONObject) {
        val config = Vectors.config(defaults, case.optJSONObject("config"))
        val nowMs = case.getLong("now_ms")
        val operation = case.getString("operation")
        val input = case.getJSONObject("input")

        // Configuration errors may come from the constructor or from the build: both are inside this block.
        fun build(): HttpRequest = fixedClock(nowMs).let { clock -> // typed `Clock`, not AutoCloseable
            EkoClient(config.options, config.developerKey, config.accessKey, clock).use { client ->
                when (operation) {
                    "refund_otp" -> client.buildRefundOtp(input.getString("tid"))
                    "initiate_refund" ->
                        client.buildInitiateRefund(input.getString("tid"), input.getString("otp"), input.stringOrNull("otp_ref_id"))
                    "inquiry" ->
                        if (input.has("tid")) client.buildInquiryByTid(input.getString("tid"))
                        else client.buildInquiryByClientRefId(input.getString("client_ref_id"))
                    "pending_refunds" -> client.buildPendingRefunds(input.getString("customer_mobile"))
                    else -> fail("unknown operation $operation")
                }
            }
        }

        val expectError = case.optJSONObject("expect_error")
        if (expectError != null) {
            val e = assertFailsWith<RefundkitException> { build() }
            assertEquals(expectError.getString("kind"), e.kind(), "error kind (${e.message})")
            if (expectError.has("field")) assertEquals(expectError.getString("field"), e.field(), "error field (${e.message})")
            if (config.accessKey.isNotEmpty()) {
                assertFalse(config.accessKey in e.toString(), "the error names the access key")
            }
            return
        }

        val expect = case.getJSONObject("expect")
        val request = build()
        assertEquals(expect.getString("method"), request.method.name, "method")
        assertEquals(expect.getString("url"), request.url, "url")
        val headers = expect.getJSONArray("headers").let { hs ->
            (0 until hs.length()).map { i -> hs.getJSONArray(i).let { it.getString(0) to it.getString(1) } }
        }
        assertEquals(headers, request.headers.map { it.name to it.value }, "headers (ordered)")
        val body = expect.getString("body")
        assertEquals(body, request.body.toString(Charsets.UTF_8), "body")
        assertContentEquals(body.toByteArray(Charsets.UTF_8), request.body, "body bytes")
        assertFalse(config.accessKey in request.toString(), "the request carries the access key")
    }

    // -----------------------------------------------------------------------------------------------------------
    // eko_interpret.json

    @TestFactory
    @DisplayName("eko_interpret.json")
    fun ekoInterpret() = cases(Vectors.obj("eko_interpret.json").getJSONArray("cases").objects(), { it.getString("name") }) { case ->
        val response = Vectors.response(case.getJSONObject("response"))
        val expect = case.getJSONObject("expect")
        when (val operation = case.getString("operation")) {
            "refund_otp" -> checkOutcome(expect, ekoInterpretRefundOtp(response))
            "initiate_refund" -> checkOutcome(expect, ekoInterpretInitiateRefund(response))
            "inquiry" -> checkOutcome(expect, ekoInterpretInquiry(response))
            "pending_refunds" -> checkPendingRefunds(expect, ekoInterpretPendingRefunds(response))
            else -> fail("unknown operation $operation")
        }
    }

    private fun checkPendingRefunds(expect: JSONObject, result: EkoPendingRefunds) {
        val rest = JSONObject()
        for (key in expect.keySet()) {
            when (key) {
                "listed" -> assertEquals(expect.getBoolean(key), result.listed, "listed ($result)")
                "outcome" -> checkOutcome(expect.getJSONObject(key), result.outcome)
                "transactions" -> {
                    val want = expect.getJSONArray(key).objects()
                    assertEquals(want.size, result.transactions.size, "transactions ${result.transactions}")
                    want.zip(result.transactions).forEach { (w, t) ->
                        for (field in w.keySet()) {
                            val actual: Any? = when (field) {
                                "tid" -> t.tid
                                "amount_paise" -> t.amountPaise
                                "timestamp" -> t.timestamp
                                "tx_status" -> t.txStatus
                                else -> fail("unknown transaction key '$field'")
                            }
                            expectValue(w, field, actual, "$field in $t")
                        }
                    }
                }
                else -> rest.put(key, expect.get(key)) // outcome keys at the top level apply to the envelope
            }
        }
        if (!rest.isEmpty) checkOutcome(rest, result.outcome)
    }

    // -----------------------------------------------------------------------------------------------------------
    // money.json

    @TestFactory
    @DisplayName("money.json")
    fun moneyParse() = cases(Vectors.obj("money.json").getJSONArray("parse").objects(), { "parse ${JSONObject.quote(it.getString("text"))}" }) { case ->
        val text = case.getString("text")
        if (case.has("error")) {
            val e = assertFailsWith<RefundkitException.InvalidInput>("expected ${case.getString("error")}") { parseRupees(text) }
            assertEquals("amount", e.field)
        } else {
            assertEquals(case.getLong("paise"), parseRupees(text))
        }
    }

    @TestFactory
    @DisplayName("money.json")
    fun moneyFormat() = cases(Vectors.obj("money.json").getJSONArray("format").objects(), { "format ${it.getLong("paise")}" }) { case ->
        assertEquals(case.getString("text"), formatRupees(case.getLong("paise")))
    }
}

/** The README's error kind. An exhaustive `when` over the sealed class: a new variant will not compile here. */
fun RefundkitException.kind(): String = when (this) {
    is RefundkitException.InvalidInput -> "invalid_input"
    is RefundkitException.Configuration -> "configuration"
    is RefundkitException.Unsupported -> "unsupported"
    is RefundkitException.Signer -> "signer"
    is RefundkitException.Store -> "store"
    is RefundkitException.ClaimedElsewhere -> "claimed_elsewhere"
    is RefundkitException.Internal -> "internal"
}

/** The field an error names, if its kind names one. */
fun RefundkitException.field(): String? = when (this) {
    is RefundkitException.InvalidInput -> field
    is RefundkitException.Configuration -> field
    is RefundkitException.Unsupported -> null
    is RefundkitException.Signer -> null
    is RefundkitException.Store -> null
    is RefundkitException.ClaimedElsewhere -> null
    is RefundkitException.Internal -> null
}

