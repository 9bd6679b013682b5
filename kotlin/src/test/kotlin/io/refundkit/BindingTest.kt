package io.refundkit

import com.sun.jna.Library
import com.sun.jna.Native
import org.junit.jupiter.api.DisplayName
import org.junit.jupiter.api.Test
import java.io.File
import java.util.concurrent.Callable
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** What the vectors cannot show: the boundary itself (foreign callbacks, secrets, typed errors). */
@DisplayName("bindings")
class BindingTest {
    private companion object {
        // Eko's public UAT keys (also default_config of eko_requests.json) and S1 of eko_secret_key.json.
        const val DEVELOPER_KEY = "becbbce45f79c6f5109f848acd540567"
        const val ACCESS_KEY = "d2fe1d99-6298-4af2-8cc5-d97dcf46df30"
        const val T0 = 1_700_000_000_000L
        const val S1 = "qIir8tILHtqxO1Mu3/fC3pVElIa0oIxXMRDUP0463Bc="
    }

    /** A Kotlin implementation of the foreign `Clock` interface. */
    private class SettableClock(@Volatile var now: Long) : Clock {
        val calls = AtomicInteger()
        override fun nowUnixMs(): Long {
            calls.incrementAndGet()
            return now
        }
    }

    private fun HttpRequest.header(name: String): String? = headers.singleOrNull { it.name == name }?.value

    @Test
    @DisplayName("a Kotlin Clock drives secret-key-timestamp and secret-key on every build")
    fun kotlinClock() {
        val clock = SettableClock(T0)
        EkoClient(ekoUatOptions(), DEVELOPER_KEY, ACCESS_KEY, clock).use { client ->
            val first = client.buildRefundOtp("13192443")
            assertEquals("1700000000000", first.header("secret-key-timestamp"))
            assertEquals(S1, first.header("secret-key"))

            clock.now = T0 + 1234L
            val second = client.buildInquiryByTid("13192443")
            assertEquals("1700000001234", second.header("secret-key-timestamp"))
            assertEquals(ekoSecretKey(ACCESS_KEY, T0 + 1234L), second.header("secret-key"))
            assertTrue(second.header("secret-key") != S1)
        }
        assertTrue(clock.calls.get() >= 2, "the clock is read per request (${clock.calls.get()} calls)")
    }

    @Test
    @DisplayName("a Kotlin Clock may be called from many threads at once")
    fun kotlinClockConcurrently() {
        val clock = SettableClock(T0)
        val pool = Executors.newFixedThreadPool(8)
        try {
            EkoClient(ekoUatOptions(), DEVELOPER_KEY, ACCESS_KEY, clock).use { client ->
                val results = pool.invokeAll((1..200).map { i -> Callable { client.buildRefundOtp("$i") } }).map { it.get() }
                assertTrue(results.all { it.header("secret-key") == S1 })
                assertEquals(200, clock.calls.get())
            }
        } finally {
            pool.shutdown()
        }
    }

    @Test
    @DisplayName("a Kotlin Clock that throws is a typed Configuration error naming the clock, not a crash")
    fun throwingClock() {
        val clock = object : Clock {
            override fun nowUnixMs(): Long = throw IllegalStateException("no time today")
        }
        EkoClient(ekoUatOptions(), DEVELOPER_KEY, ACCESS_KEY, clock).use { client ->
            val (e, stderr) = captureNativeStderr {
                assertFailsWith<RefundkitException.Configuration> { client.buildRefundOtp("13192443") }
            }
            assertEquals("clock", e.field)
            assertFalse(ACCESS_KEY in e.toString())
            assertFalse("panicked" in stderr, "nothing panics across the boundary: $stderr")
            // The client is still usable.
            assertFailsWith<RefundkitException.InvalidInput> { client.buildRefundOtp("x") }
        }
    }

    @Test
    @DisplayName("a clock before 2020 or a negative time is refused before signing")
    fun implausibleClock() {
        for (now in listOf(-1L, 0L, 1_500_000_000_000L, 4_102_444_800_000L)) {
            EkoClient.uat(fixedClock(now)).use { client ->
                val e = assertFailsWith<RefundkitException.Configuration> { client.buildRefundOtp("13192443") }
                assertEquals("clock", e.field)
            }
        }
        val e = assertFailsWith<RefundkitException.InvalidInput> { ekoSecretKey("k", -1L) }
        assertEquals("timestamp_ms", e.field)
    }

    /** Runs [block] with the process's file descriptor 2 (where Rust writes) sent to a temporary file. */
    private fun <T> captureNativeStderr(block: () -> T): Pair<T, String> {
        val file = File.createTempFile("refundkit-stderr", ".txt")
        try {
            val saved = LibC.INSTANCE.dup(2)
            val fd = LibC.INSTANCE.creat(file.path, 0x1a4) // 0644
            check(saved >= 0 && fd >= 0) { "cannot redirect fd 2" }
            System.err.flush()
            LibC.INSTANCE.dup2(fd, 2)
            LibC.INSTANCE.close(fd)
            val result = try {
                block()
            } finally {
                LibC.INSTANCE.dup2(saved, 2)
                LibC.INSTANCE.close(saved)
            }
            return result to file.readText()
        } finally {
            file.delete()
        }
    }

    private interface LibC : Library {
        fun dup(fd: Int): Int
        fun dup2(from: Int, to: Int): Int
        fun creat(path: String, mode: Int): Int
        fun close(fd: Int): Int

        companion object {
            val INSTANCE: LibC = Native.load("c", LibC::class.java)
        }
    }

    @Test
    @DisplayName("without a clock the system clock signs")
    fun systemClock() {
        EkoClient(ekoUatOptions(), DEVELOPER_KEY, ACCESS_KEY).use { client ->
            val before = System.currentTimeMillis()
            val stamp = client.buildRefundOtp("1").header("secret-key-timestamp")!!.toLong()
            assertTrue(stamp in before - 5_000..System.currentTimeMillis() + 5_000, "timestamp $stamp near $before")
        }
    }

    @Test
    @DisplayName("toString() of clients, requests and errors never contains the access key")
    fun noAccessKeyInText() {
        val secret = "MY-SECRET-ACCESS-KEY-42"
        val texts = mutableListOf<String>()
        fixedClock(T0).let { clock -> // typed `Clock`, not AutoCloseable: freed by the Cleaner
            EkoClient(ekoUatOptions(), DEVELOPER_KEY, secret, clock).use { client ->
                texts += client.toString()
                texts += client.buildRefundOtp("13192443").toString()
                texts += client.buildInitiateRefund("13192443", "123456", "ref").toString()
                texts += listOf<() -> Any>(
                    { client.buildRefundOtp("x") },
                    { client.buildInitiateRefund("13192443", "12") },
                    { client.buildInitiateRefund("13192443", "123456", "a b") },
                    { client.buildInquiryByClientRefId("bad ref!") },
                    { client.buildPendingRefunds("12345") },
                ).map { call -> assertFailsWith<RefundkitException> { call() }.let { "$it ${it.message}" } }
            }
            val badOptions = listOf(
                ekoUatOptions().copy(baseUrl = "http://staging.eko.in/ekoapi/v3"),
                ekoUatOptions().copy(userCode = ""),
                ekoUatOptions().copy(initiatorId = "12345"),
                ekoUatOptions().copy(serviceCode = 0),
            )
            for (options in badOptions) {
                val e = assertFailsWith<RefundkitException> {
                    EkoClient(options, DEVELOPER_KEY, secret, clock).use { it.buildInitiateRefund("1", "1234") }
                }
                texts += "$e ${e.message} ${e.stackTraceToString()}"
            }
        }
        EkoClient.uat().use { texts += it.toString() }
        for (text in texts) assertFalse(secret in text || ACCESS_KEY in text, "access key in: $text")
    }

    @Test
    @DisplayName("bad input throws a typed RefundkitException naming the field")
    fun typedErrors() {
        /** What an app would do: an exhaustive `when` over the sealed class (no `else`). */
        fun explain(e: RefundkitException): String = when (e) {
            is RefundkitException.InvalidInput -> "fix ${e.field}: ${e.reason}"
            is RefundkitException.Configuration -> "configure ${e.field}: ${e.reason}"
            is RefundkitException.Unsupported -> "unsupported: ${e.reason}"
            is RefundkitException.Signer -> "signer: ${e.reason}"
            is RefundkitException.Store -> "store: ${e.reason}"
            is RefundkitException.ClaimedElsewhere -> "busy: ${e.reference} until ${e.untilMs}"
            is RefundkitException.Internal -> "bug: ${e.reason}"
        }

        fixedClock(T0).let { clock -> // typed `Clock`, not AutoCloseable: freed by the Cleaner
            EkoClient(ekoUatOptions(), DEVELOPER_KEY, ACCESS_KEY, clock).use { client ->
                val otp = assertFailsWith<RefundkitException.InvalidInput> { client.buildInitiateRefund("13192443", "12a") }
                assertEquals("otp", otp.field)
                assertTrue(explain(otp).startsWith("fix otp: "), explain(otp))
                assertTrue(otp.reason.isNotBlank())
                assertFalse("12a" in otp.message, "the error echoes the input: ${otp.message}")

                val tid = assertFailsWith<RefundkitException.InvalidInput> { client.buildRefundOtp("13192443/../x") }
                assertEquals("tid", tid.field)
            }

            val config = assertFailsWith<RefundkitException.Configuration> {
                EkoClient(ekoUatOptions().copy(baseUrl = "https://staging.eko.in/ekoapi/v3?x=1"), DEVELOPER_KEY, ACCESS_KEY, clock)
                    .use { it.buildRefundOtp("1") }
            }
            assertEquals("base_url", config.field)
            assertTrue(explain(config).startsWith("configure base_url: "))

            val legacy = ekoUatOptions().copy(flavour = EkoFlavour.LEGACY_FORM, baseUrl = "https://staging.eko.in/ekoapi/v1")
            EkoClient(legacy, DEVELOPER_KEY, ACCESS_KEY, clock).use { client ->
                val e = assertFailsWith<RefundkitException.Unsupported> { client.buildPendingRefunds("9876543210") }
                assertTrue(explain(e).startsWith("unsupported: "))
            }
        }

        val amount = assertFailsWith<RefundkitException.InvalidInput> { parseRupees("1.005") }
        assertEquals("amount", amount.field)
    }

    @Test
    @DisplayName("options: UAT and production presets, record defaults")
    fun options() {
        val uat = ekoUatOptions()
        assertEquals("https://staging.eko.in/ekoapi/v3", uat.baseUrl)
        assertEquals("9962981729", uat.initiatorId)
        assertEquals("20810200", uat.userCode)
        assertEquals(EkoFlavour.V3_JSON, uat.flavour)
        assertEquals(80, uat.serviceCode)

        val prod = ekoProductionOptions("9876543210", "AGENT1")
        assertTrue(prod.baseUrl.startsWith("https://"), prod.baseUrl)
        assertEquals("9876543210", prod.initiatorId)
        assertEquals("AGENT1", prod.userCode)

        val bare = EkoOptions(baseUrl = "https://x.example/v3", initiatorId = "9876543210", userCode = "U1")
        assertNull(bare.flavour)
        assertNull(bare.otpEncoding)
        assertNull(bare.clientRefStyle)
        assertFalse(bare.sendUserCodeWithOtpRequest)
        assertEquals(80, bare.serviceCode)
    }

    @Test
    @DisplayName("interpretation: a documented OTP answer, response headers defaulted")
    fun interpretWithDefaultHeaders() {
        val body = """{"status":0,"response_status_id":-1,"message":"OTP sent","data":{"tid":"1","otp_ref_id":"r1"}}"""
        val outcome = ekoInterpretRefundOtp(HttpResponse(status = 200, body = body.toByteArray()))
        assertEquals(RefundStatus.PENDING, outcome.status)
        assertEquals(NextStep.COLLECT_OTP, outcome.nextStep)
        assertEquals("r1", outcome.otp?.otpRefId)
        assertEquals("eko", outcome.raw.provider)
        assertEquals(200, outcome.raw.httpStatus)
    }

    @Test
    @DisplayName("refundkitVersion() is the crate version")
    fun version() {
        assertTrue(Regex("""\d+\.\d+\.\d+.*""").matches(refundkitVersion()), refundkitVersion())
    }
}
