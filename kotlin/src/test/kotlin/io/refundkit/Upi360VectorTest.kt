package io.refundkit

import io.refundkit.Vectors.cases
import io.refundkit.Vectors.checkOutcome
import io.refundkit.Vectors.merged
import io.refundkit.Vectors.objects
import io.refundkit.Vectors.requireKnownKeys
import io.refundkit.Vectors.stringOrNull
import org.json.JSONObject
import org.junit.jupiter.api.DisplayName
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import java.io.File
import java.security.KeyFactory
import java.security.PublicKey
import java.security.Signature
import java.security.SignatureException
import java.security.spec.MGF1ParameterSpec
import java.security.spec.PSSParameterSpec
import java.security.spec.X509EncodedKeySpec
import java.util.Base64
import java.util.HexFormat
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * Every case of `tests/vectors/upi360_*.json`, one dynamic test each, through the Kotlin API only. RSA-PSS, RS256 and
 * HMAC results are checked a second time with the JDK's own implementations ([Jdk]).
 */
@DisplayName("upi360 vectors")
class Upi360VectorTest {

    // -----------------------------------------------------------------------------------------------------------
    // upi360_signing.json

    @TestFactory
    @DisplayName("upi360_signing.json")
    fun signing(): List<DynamicTest> {
        val file = Vectors.obj("upi360_signing.json")
        requireKnownKeys(file, setOf("description", "source", "jws", "signature_input", "hmac", "pss_verify"), "file")
        fun section(name: String) = file.getJSONArray(name).objects()

        val jws = cases(section("jws"), { "jws: ${it.getString("name")}" }) { case ->
            requireKnownKeys(case, setOf("name", "private_key", "kid", "payload", "expected"), "case")
            val (payload, kid) = case.getString("payload") to case.getString("kid")
            val got = upiJws(payload, keyFile(case.getString("private_key")), kid)
            assertEquals(case.getString("expected"), got, "JWS")
            Jdk.verifyJws(got, Jdk.publicKey(keyFile(publicKeyOf(case.getString("private_key")))), kid, payload)
        }
        val input = cases(section("signature_input"), { "signature_input: ${it.getString("name")}" }) { case ->
            requireKnownKeys(case, setOf("name", "merchant_id", "merchant_channel_id", "sub_merchant_id",
                "sub_merchant_channel_id", "timestamp", "body", "expected"), "case")
            val got = upiSignatureInput(
                merchantId = case.getString("merchant_id"),
                merchantChannelId = case.getString("merchant_channel_id"),
                subMerchantId = case.stringOrNull("sub_merchant_id"),
                subMerchantChannelId = case.stringOrNull("sub_merchant_channel_id"),
                timestampMs = case.getString("timestamp").toLong(),
                body = case.getString("body").toByteArray(),
            )
            assertEquals(case.getString("expected"), got.toString(Charsets.UTF_8))
        }
        val hmac = cases(section("hmac"), { "hmac: ${it.getString("name")}" }) { case ->
            requireKnownKeys(case, setOf("name", "api_key", "message", "encoding", "expected"), "case")
            val encoding = encoding(case.getString("encoding"))
            val message = case.getString("message").toByteArray()
            val expected = case.getString("expected")
            assertEquals(expected, upiHmacSha256(message, case.getString("api_key"), encoding), "HMAC")
            assertEquals(expected, Jdk.hmac(message, case.getString("api_key"), encoding), "JDK HMAC")
        }
        val pss = cases(section("pss_verify"), { "pss_verify: ${it.getString("name")}" }) { case ->
            requireKnownKeys(case, setOf("name", "public_key", "message", "signature_hex", "valid"), "case")
            val message = case.getString("message").toByteArray()
            val signature = case.getString("signature_hex")
            val pem = keyFile(case.getString("public_key"))
            val valid = case.getBoolean("valid")
            assertEquals(valid, upiVerifyPssSignature(message, signature, pem), "upiVerifyPssSignature")
            assertEquals(valid, upiVerifyResponseSignature(message, signature, pem, Upi360CanonicalForm.RAW_BODY), "upiVerifyResponseSignature")
            assertEquals(valid, Jdk.verifyPss(message, signature, Jdk.publicKey(pem)), "JDK RSASSA-PSS")
        }
        return jws + input + hmac + pss
    }

    // -----------------------------------------------------------------------------------------------------------
    // Clients from `default_config` + `config`

    private class Config(val options: Upi360Options, val signingKey: String, val pspPublicKey: String, val json: JSONObject)

    private fun config(file: JSONObject, case: JSONObject): Config {
        val c = merged(file.getJSONObject("default_config"), case.optJSONObject("config"))
        requireKnownKeys(c, CONFIG_KEYS, "config")
        val s = c.getJSONObject("signing")
        val (signing, key) = when (val mode = s.getString("mode")) {
            "pss" -> {
                requireKnownKeys(s, setOf("mode", "private_key"), "signing")
                Upi360Signing.Pss to keyFile(s.getString("private_key"))
            }
            "jws" -> {
                requireKnownKeys(s, setOf("mode", "kid", "private_key"), "signing")
                Upi360Signing.Jws(s.getString("kid")) to keyFile(s.getString("private_key"))
            }
            "hmac" -> {
                requireKnownKeys(s, setOf("mode", "api_key", "encoding"), "signing")
                Upi360Signing.Hmac(encoding(s.getString("encoding"))) to s.getString("api_key")
            }
            else -> fail("unknown signing mode $mode")
        }
        val options = Upi360Options(
            host = c.getString("host"),
            uri = c.getString("uri"),
            merchantId = c.getString("merchant_id"),
            merchantChannelId = c.getString("merchant_channel_id"),
            signing = signing,
        )
        options.subMerchantId = c.stringOrNull("sub_merchant_id")
        options.subMerchantChannelId = c.stringOrNull("sub_merchant_channel_id")
        // Absent: the API's default ("3" / "2"); JSON null: no header.
        if (c.has("api_version")) options.apiVersion = c.stringOrNull("api_version")
        if (c.has("status_api_version")) options.statusApiVersion = c.stringOrNull("status_api_version")
        c.stringOrNull("routing_id")?.let {
            options.routingId = when (it) {
                "original_request_id" -> Upi360RoutingId.ORIGINAL_REQUEST_ID
                "refund_request_id" -> Upi360RoutingId.REFUND_REQUEST_ID
                "omit" -> Upi360RoutingId.OMIT
                else -> fail("unknown routing_id $it")
            }
        }
        c.stringOrNull("canonical_form")?.let {
            options.canonicalForm = when (it) {
                "sorted_keys_or_raw" -> Upi360CanonicalForm.SORTED_KEYS_OR_RAW
                "sorted_keys" -> Upi360CanonicalForm.SORTED_KEYS
                "raw_body" -> Upi360CanonicalForm.RAW_BODY
                else -> fail("unknown canonical_form $it")
            }
        }
        c.stringOrNull("refund_id_charset")?.let {
            options.refundIdCharset = when (it) {
                "alphanumeric" -> Upi360RefundIdCharset.ALPHANUMERIC
                "alphanumeric_dot_underscore_hyphen" -> Upi360RefundIdCharset.ALPHANUMERIC_DOT_UNDERSCORE_HYPHEN
                else -> fail("unknown refund_id_charset $it")
            }
        }
        c.stringOrNull("remarks_rule")?.let {
            options.remarksRule = when (it) {
                "strict" -> Upi360RemarksRule.STRICT
                "extended" -> Upi360RemarksRule.EXTENDED
                else -> fail("unknown remarks_rule $it")
            }
        }
        return Config(options, key, keyFile(c.getString("psp_public_key")), c)
    }

    private fun client(config: Config, nowMs: Long) =
        Upi360Client(config.options, config.signingKey, config.pspPublicKey, fixedClock(nowMs))

    private fun refundRequest(input: JSONObject): Upi360RefundRequest {
        requireKnownKeys(input, REFUND_INPUT_KEYS, "input")
        return Upi360RefundRequest(
            refundRequestId = input.getString("refund_request_id"),
            amountPaise = input.getLong("amount_paise"),
            refundType = upiRefundTypeFromWire(input.getString("refund_type")),
            remarks = input.getString("remarks"),
            originalUpiRequestId = input.stringOrNull("original_upi_request_id"),
            originalMerchantRequestId = input.stringOrNull("original_merchant_request_id"),
            originalTransactionTimestamp = input.stringOrNull("original_transaction_timestamp"),
            merchantRefundVpa = input.stringOrNull("merchant_refund_vpa"),
            udfParameters = input.stringOrNull("udf_parameters"),
        )
    }

    private fun statusRequest(input: JSONObject): Upi360StatusRequest {
        requireKnownKeys(input, STATUS_INPUT_KEYS, "input")
        return Upi360StatusRequest(
            refundRequestId = input.getString("refund_request_id"),
            originalMerchantRequestId = input.stringOrNull("original_merchant_request_id"),
            originalUpiRequestId = input.stringOrNull("original_upi_request_id"),
        )
    }

    // -----------------------------------------------------------------------------------------------------------
    // upi360_requests.json

    @TestFactory
    @DisplayName("upi360_requests.json")
    fun requests(): List<DynamicTest> {
        val file = Vectors.obj("upi360_requests.json")
        return cases(file.getJSONArray("cases").objects(), { it.getString("name") }) { case ->
            requireKnownKeys(case, setOf("name", "operation", "now_ms", "input", "config", "expect", "expect_error", "source"), "case")
            val nowMs = case.getLong("now_ms")
            val input = case.getJSONObject("input")

            // Configuration errors may come from the constructor or from the build: both are inside this block.
            fun build(): Pair<HttpRequest, Config> {
                val config = config(file, case)
                return client(config, nowMs).use { client ->
                    when (val operation = case.getString("operation")) {
                        "refund" -> client.buildRefund360(refundRequest(input))
                        "status" -> client.buildRefundStatus(statusRequest(input))
                        else -> fail("unknown operation $operation")
                    }
                } to config
            }

            val expectError = case.optJSONObject("expect_error")
            if (expectError != null) {
                requireKnownKeys(expectError, setOf("kind", "field"), "expect_error")
                val e = assertFailsWith<RefundkitException> { build() }
                assertEquals(expectError.getString("kind"), e.kind(), "error kind ($e)")
                if (expectError.has("field")) assertEquals(expectError.getString("field"), e.field(), "error field ($e)")
                assertFalse("BEGIN" in e.toString(), "the error echoes a PEM key")
                return@cases
            }

            val expect = case.getJSONObject("expect")
            requireKnownKeys(expect, setOf("method", "url", "headers", "body", "signature_input", "signature_public_key"), "expect")
            val (request, config) = build()
            assertEquals(expect.getString("method"), request.method.name, "method")
            assertEquals(expect.getString("url"), request.url, "url")
            val body = expect.getString("body")
            assertEquals(body, request.body.toString(Charsets.UTF_8), "body")
            assertContentEquals(body.toByteArray(Charsets.UTF_8), request.body, "body bytes")

            val actual = request.headers.map { it.name to it.value }
            val signature = request.headers.singleOrNull { it.name == "x-merchant-signature" }?.value
            var headers = expect.getJSONArray("headers").let { hs ->
                (0 until hs.length()).map { i -> hs.getJSONArray(i).let { it.getString(0) to it.getString(1) } }
            }
            val c = config.json
            val signatureInput = upiSignatureInput(
                c.getString("merchant_id"), c.getString("merchant_channel_id"), c.stringOrNull("sub_merchant_id"),
                c.stringOrNull("sub_merchant_channel_id"), nowMs, request.body,
            )
            if (expect.has("signature_input")) {
                // PSS is randomized: the header is `<PSS>` and must verify, through refundkit and through the JDK.
                assertEquals(expect.getString("signature_input"), signatureInput.toString(Charsets.UTF_8), "signature input")
                val sig = signature ?: fail("no x-merchant-signature")
                assertTrue(Regex("[0-9a-f]+").matches(sig), "lowercase hex: $sig")
                val pem = keyFile(expect.getString("signature_public_key"))
                assertTrue(upiVerifyPssSignature(signatureInput, sig, pem), "upiVerifyPssSignature")
                assertTrue(Jdk.verifyPss(signatureInput, sig, Jdk.publicKey(pem)), "JDK RSASSA-PSS")
                assertFalse(Jdk.verifyPss(signatureInput + ' '.code.toByte(), sig, Jdk.publicKey(pem)), "JDK RSASSA-PSS, other input")
                headers = headers.map { (n, v) -> if (n == "x-merchant-signature" && v == "<PSS>") n to sig else n to v }
            }
            assertEquals(headers, actual, "headers (ordered)")

            // The exact JWS and HMAC answers, checked once more by the JDK.
            val s = c.getJSONObject("signing")
            when (val mode = s.getString("mode")) {
                "jws" -> {
                    val payload = String(Base64.getUrlDecoder().decode(JSONObject(body).getString("payload")))
                    assertTrue(payload.contains("\"iat\":\"$nowMs\""), "iat in $payload")
                    Jdk.verifyJws(body, Jdk.publicKey(keyFile(publicKeyOf(s.getString("private_key")))), s.getString("kid"), payload)
                }
                "hmac" -> assertEquals(Jdk.hmac(signatureInput, s.getString("api_key"), encoding(s.getString("encoding"))), signature, "JDK HMAC")
                "pss" -> assertTrue(expect.has("signature_input"), "a PSS case without signature_input")
                else -> fail("unknown signing mode $mode")
            }
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // upi360_interpret.json

    @TestFactory
    @DisplayName("upi360_interpret.json")
    fun interpret(): List<DynamicTest> {
        val file = Vectors.obj("upi360_interpret.json")
        return cases(file.getJSONArray("cases").objects(), { it.getString("name") }) { case ->
            requireKnownKeys(case, setOf("name", "operation", "now_ms", "request", "config", "response", "expect", "source"), "case")
            val response = Vectors.response(case.getJSONObject("response"))
            val outcome = client(config(file, case), if (case.has("now_ms")) case.getLong("now_ms") else NOW).use { client ->
                when (val operation = case.getString("operation")) {
                    "refund" -> client.interpretRefund360(refundRequest(case.getJSONObject("request")), response)
                    "status" -> client.interpretRefundStatus(statusRequest(case.getJSONObject("request")), response)
                    "callback" -> {
                        assertFalse(case.has("request"), "a request for a callback")
                        client.interpretCallback(response.headers, response.body).also { o ->
                            // verifyCallback agrees with the interpretation's trust decision.
                            val trusted = o.reason != RefundReason.UNTRUSTED_RESPONSE
                            assertEquals(trusted, client.verifyCallback(response.headers, response.body), "verifyCallback")
                        }
                    }
                    else -> fail("unknown operation $operation")
                }
            }
            checkOutcome(case.getJSONObject("expect"), outcome)
        }
    }

    private companion object {
        const val NOW = 1_735_689_600_000L
        val CONFIG_KEYS = setOf(
            "host", "uri", "merchant_id", "merchant_channel_id", "sub_merchant_id", "sub_merchant_channel_id",
            "api_version", "status_api_version", "routing_id", "signing", "psp_public_key", "canonical_form",
            "refund_id_charset", "remarks_rule",
        )
        val REFUND_INPUT_KEYS = setOf(
            "original_upi_request_id", "original_merchant_request_id", "original_transaction_timestamp",
            "refund_request_id", "amount_paise", "refund_type", "merchant_refund_vpa", "remarks", "udf_parameters",
        )
        val STATUS_INPUT_KEYS = setOf("refund_request_id", "original_merchant_request_id", "original_upi_request_id")

        fun keyFile(name: String): String = File(Vectors.keysDir, name).readText()

        /** `test_only_merchant_private_pkcs1.pem` ⇒ `test_only_merchant_public_spki.pem`. */
        fun publicKeyOf(privateKeyFile: String): String =
            privateKeyFile.replace(Regex("private_pkcs[18]"), "public_spki").also { check(it != privateKeyFile) }

        fun encoding(name: String): Upi360SignatureEncoding = when (name) {
            "hex" -> Upi360SignatureEncoding.HEX
            "base64" -> Upi360SignatureEncoding.BASE64
            else -> fail("unknown encoding $name")
        }
    }
}

/** A second, independent implementation of the UPI signatures: the JDK's own providers, no refundkit code. */
object Jdk {
    /** SubjectPublicKeyInfo or PKCS#1 (`RSA PUBLIC KEY`, wrapped into an SPKI here) PEM. */
    fun publicKey(pem: String): PublicKey {
        val der = Base64.getMimeDecoder().decode(pem.lines().filterNot { it.startsWith("-----") }.joinToString(""))
        val spki = when {
            "BEGIN PUBLIC KEY" in pem -> der
            "BEGIN RSA PUBLIC KEY" in pem -> {
                val rsaEncryption = HexFormat.of().parseHex("300d06092a864886f70d0101010500")
                derTlv(0x30, rsaEncryption + derTlv(0x03, byteArrayOf(0) + der))
            }
            else -> fail("not a public key PEM")
        }
        return KeyFactory.getInstance("RSA").generatePublic(X509EncodedKeySpec(spki))
    }

    private fun derTlv(tag: Int, content: ByteArray): ByteArray {
        val n = content.size
        val length = when {
            n < 0x80 -> byteArrayOf(n.toByte())
            n < 0x100 -> byteArrayOf(0x81.toByte(), n.toByte())
            else -> byteArrayOf(0x82.toByte(), (n shr 8).toByte(), n.toByte())
        }
        return byteArrayOf(tag.toByte()) + length + content
    }

    /** RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32, trailer 1; `signatureHex` of either case. */
    fun verifyPss(message: ByteArray, signatureHex: String, key: PublicKey): Boolean {
        val signature = try {
            HexFormat.of().parseHex(signatureHex)
        } catch (e: IllegalArgumentException) {
            return false
        }
        return Signature.getInstance("RSASSA-PSS").run {
            setParameter(PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1))
            initVerify(key)
            update(message)
            try {
                verify(signature)
            } catch (e: SignatureException) {
                false
            }
        }
    }

    /** A flattened RS256 JWS: protected header exactly `{"alg":"RS256","kid":kid}`, `payload`, and a valid signature. */
    fun verifyJws(jws: String, key: PublicKey, kid: String, payload: String) {
        val json = JSONObject(jws)
        assertEquals(setOf("protected", "payload", "signature"), json.keySet(), "flattened JWS members")
        val decoder = Base64.getUrlDecoder()
        val (protected, encodedPayload) = json.getString("protected") to json.getString("payload")
        assertEquals("{\"alg\":\"RS256\",\"kid\":${JSONObject.quote(kid)}}", String(decoder.decode(protected)), "protected header")
        assertEquals(payload, String(decoder.decode(encodedPayload)), "payload")
        val ok = Signature.getInstance("SHA256withRSA").run {
            initVerify(key)
            update("$protected.$encodedPayload".toByteArray(Charsets.US_ASCII))
            verify(decoder.decode(json.getString("signature")))
        }
        assertTrue(ok, "JDK SHA256withRSA rejects the JWS")
    }

    fun hmac(message: ByteArray, apiKey: String, encoding: Upi360SignatureEncoding): String {
        val mac = Mac.getInstance("HmacSHA256").run {
            init(SecretKeySpec(apiKey.toByteArray(), "HmacSHA256"))
            doFinal(message)
        }
        return when (encoding) {
            Upi360SignatureEncoding.HEX -> HexFormat.of().formatHex(mac)
            Upi360SignatureEncoding.BASE64 -> Base64.getEncoder().encodeToString(mac)
        }
    }
}
