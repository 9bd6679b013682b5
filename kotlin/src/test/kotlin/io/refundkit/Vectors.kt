package io.refundkit

import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.DynamicTest.dynamicTest
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail

/** Loading `tests/vectors/` (its README is the contract) and mapping their JSON onto the generated API. */
object Vectors {
    /** Set by Surefire (pom.xml); the fallback serves runs from an IDE with `kotlin/` as the working directory. */
    val dir: File = File(System.getProperty("refundkit.vectors") ?: "../tests/vectors").absoluteFile

    /** The TEST-ONLY keys the vectors' key fields name (they live in the core crate, which embeds them in its tests). */
    val keysDir: File = File(System.getProperty("refundkit.keys") ?: "../core/tests/data/upi360_keys").absoluteFile

    fun load(name: String): Any {
        val file = File(dir, name)
        check(file.isFile) { "vector file not found: $file" }
        val text = file.readText(Charsets.UTF_8)
        return if (text.trimStart().startsWith("[")) JSONArray(text) else JSONObject(text)
    }

    /** Fails on any key of [json] outside [known]: a key this suite does not map would otherwise be skipped. */
    fun requireKnownKeys(json: JSONObject?, known: Set<String>, what: String) {
        val unknown = (json?.keySet() ?: emptySet()) - known
        if (unknown.isNotEmpty()) fail("unknown $what keys $unknown")
    }

    /** `default_config` overridden by a case's `config` (a fresh object). */
    fun merged(defaults: JSONObject, overrides: JSONObject?): JSONObject =
        JSONObject(defaults.toMap()).also { c -> overrides?.keys()?.forEach { c.put(it, overrides.get(it)) } }

    fun bytes(json: JSONArray): ByteArray = ByteArray(json.length()) { json.getInt(it).toByte() }

    fun obj(name: String): JSONObject = load(name) as JSONObject
    fun arr(name: String): JSONArray = load(name) as JSONArray

    fun JSONArray.objects(): List<JSONObject> = (0 until length()).map { getJSONObject(it) }
    fun JSONArray.strings(): List<String> = (0 until length()).map { getString(it) }

    /** `null` when the key is absent *or* JSON `null`. */
    fun JSONObject.stringOrNull(key: String): String? = if (isNull(key)) null else getString(key)

    /** The README's snake_case name of a generated enum constant: `RefundReason.OTP_INVALID` ⇒ `otp_invalid`. */
    fun Enum<*>.snake(): String = name.lowercase()

    /** `default_config` overridden by a case's `config`, as the client's options and keys. */
    class Config(val options: EkoOptions, val developerKey: String, val accessKey: String)

    fun config(defaults: JSONObject, overrides: JSONObject?): Config {
        val c = JSONObject(defaults.toMap())
        overrides?.keys()?.forEach { c.put(it, overrides.get(it)) }
        val known = setOf(
            "base_url", "developer_key", "access_key", "initiator_id", "user_code", "flavour",
            "send_user_code_with_otp_request", "service_code", "otp_encoding", "client_ref_style",
        )
        (c.keySet() - known).let { if (it.isNotEmpty()) fail("unknown config keys $it") }
        val options = EkoOptions(
            baseUrl = c.getString("base_url"),
            initiatorId = c.getString("initiator_id"),
            userCode = c.getString("user_code"),
        )
        if (c.has("flavour")) options.flavour = enumBySnake<EkoFlavour>(c.getString("flavour"))
        if (c.has("send_user_code_with_otp_request")) {
            options.sendUserCodeWithOtpRequest = c.getBoolean("send_user_code_with_otp_request")
        }
        if (c.has("service_code")) options.serviceCode = c.getInt("service_code")
        if (c.has("otp_encoding")) options.otpEncoding = enumBySnake<EkoOtpEncoding>(c.getString("otp_encoding"))
        if (c.has("client_ref_style")) {
            options.clientRefStyle = enumBySnake<EkoClientRefStyle>(c.getString("client_ref_style"))
        }
        return Config(options, c.getString("developer_key"), c.getString("access_key"))
    }

    inline fun <reified E : Enum<E>> enumBySnake(snake: String): E =
        enumValues<E>().firstOrNull { it.snake() == snake } ?: fail("no ${E::class.simpleName} named '$snake'")

    fun response(json: JSONObject): HttpResponse = HttpResponse(
        status = json.getInt("status"),
        headers = json.getJSONArray("headers").let { hs ->
            (0 until hs.length()).map { i -> hs.getJSONArray(i).let { Header(it.getString(0), it.getString(1)) } }
        },
        body = json.getString("body").toByteArray(Charsets.UTF_8),
    )

    // Shared by every vector suite: one dynamic test per case, and the outcome `expect` keys of the README.

    fun cases(cases: List<JSONObject>, name: (JSONObject) -> String, run: (JSONObject) -> Unit): List<DynamicTest> {
        assertTrue(cases.isNotEmpty(), "no cases loaded")
        val tests = cases.map { case ->
            val caseName = name(case)
            dynamicTest(caseName) {
                // Surefire's console summary shows the factory, not the display name: put the case name in the message.
                try {
                    run(case)
                } catch (e: AssertionError) {
                    throw AssertionError("[$caseName] ${e.message}", e)
                } catch (e: Exception) {
                    throw AssertionError("[$caseName] unexpected $e", e)
                }
            }
        }
        val duplicates = tests.groupBy { it.displayName }.filterValues { it.size > 1 }.keys
        assertTrue(duplicates.isEmpty(), "duplicate case names $duplicates")
        return tests
    }

    /** Each README key of an outcome `expect`, and where it lives in [Outcome]. */
    val outcomeFields: Map<String, (Outcome) -> Any?> = mapOf(
        "status" to { o -> o.status.snake() },
        "reason" to { o -> o.reason.snake() },
        "next_step" to { o -> o.nextStep.snake() },
        "otp_ref_id" to { o -> o.otp?.otpRefId },
        "dispatch_unconfirmed" to { o -> o.otp?.dispatchUnconfirmed },
        "test_otp" to { o -> o.otp?.testOtp },
        "refund_id" to { o -> o.refund?.refundId },
        "original_id" to { o -> o.refund?.originalId },
        "original_amount_paise" to { o -> o.refund?.originalAmountPaise },
        "refunded_amount_paise" to { o -> o.refund?.refundedAmountPaise },
        "fee_paise" to { o -> o.refund?.feePaise },
        "tds_paise" to { o -> o.refund?.tdsPaise },
        "commission_reverse_paise" to { o -> o.refund?.commissionReversePaise },
        "balance_paise" to { o -> o.refund?.balancePaise },
        "currency" to { o -> o.refund?.currency },
        "completed_at" to { o -> o.refund?.completedAt },
        "provider_status" to { o -> o.refund?.providerStatus },
        "provider_status_text" to { o -> o.refund?.providerStatusText },
        "message" to { o -> o.raw.message },
        "raw_message" to { o -> o.raw.rawMessage },
    )

    fun checkOutcome(expect: JSONObject, outcome: Outcome) {
        for (key in expect.keySet()) {
            val what = "$key in $outcome"
            when (key) {
                in outcomeFields -> expectValue(expect, key, outcomeFields.getValue(key)(outcome), what)
                "field_errors" -> {
                    val want = expect.getJSONObject(key).toMap().mapValues { it.value as String }
                    assertEquals(want.size, outcome.fieldErrors.size, what)
                    assertEquals(want, outcome.fieldErrors.associate { it.field to it.problem }, what)
                }
                "codes" -> {
                    val have = outcome.raw.codes.map { it.name to it.value }
                    for ((name, value) in expect.getJSONObject(key).toMap()) {
                        assertTrue((name to value.toString()) in have, "code $name=$value among $have")
                    }
                }
                "warnings_contain" -> {
                    val needle = expect.getString(key)
                    assertTrue(outcome.warnings.any { needle in it }, "a warning containing '$needle' among ${outcome.warnings}")
                }
                else -> fail("unknown expect key '$key'")
            }
        }
    }

    /** JSON `null` ⇒ absent; otherwise equal, compared in the JSON value's type. */
    fun expectValue(expect: JSONObject, key: String, actual: Any?, what: String) {
        if (expect.isNull(key)) {
            assertNull(actual, what)
            return
        }
        when (val want = expect.get(key)) {
            is String -> assertEquals(want, actual, what)
            is Boolean -> assertEquals(want, actual, what)
            is Number -> assertEquals(want.toLong(), actual as Long?, what)
            else -> fail("unexpected JSON value for $key: $want")
        }
    }
}
