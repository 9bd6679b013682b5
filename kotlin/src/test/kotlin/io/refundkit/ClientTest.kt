package io.refundkit

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.json.JSONObject
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.DisplayName
import org.junit.jupiter.api.Test
import java.io.File
import java.io.IOException
import java.security.KeyFactory
import java.security.MessageDigest
import java.security.SecureRandom
import java.security.Signature
import java.security.spec.MGF1ParameterSpec
import java.security.spec.PKCS8EncodedKeySpec
import java.security.spec.PSSParameterSpec
import java.util.Base64
import java.util.Collections
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import java.util.logging.Level
import java.util.logging.Logger
import javax.crypto.Cipher
import javax.crypto.Mac
import javax.crypto.spec.IvParameterSpec
import javax.crypto.spec.SecretKeySpec
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * The async refund clients (`EkoRefunds`, `PaytmRefunds`, `Upi360Refunds`) driven through Kotlin implementations of the
 * foreign interfaces: an in-process fake provider (`HttpTransport`), a back-office signer on the JDK's crypto
 * (`RequestSigner`), an attempt store (`AttemptStore`) and a `java.util.logging` log sink (`LogSink`).
 */
@DisplayName("refund clients")
class ClientTest {
    private companion object {
        const val DEVELOPER_KEY = "TEST_DEVELOPER_KEY_DO_NOT_USE"
        const val ACCESS_KEY = "TEST_ACCESS_KEY_DO_NOT_USE"
        const val OTP = "918273"
        const val TID = "13192443"
        const val REFUND_OK = """{"status":0,"response_status_id":0,"message":"Success","data":{"tx_status":4}}"""

        // paytm_interpret.json's default_config and request fields.
        const val MID = "INTEGR7769XXXXXX9383"
        const val PAYTM_KEY = "Test&Key#12345$@"
        const val ORDER = "OREDRID_98765"
        const val REF_ID = "REFUNDID_98765"
        const val TXN = "202005081112128XXXXXX68470101509706"

        const val UPI_REFUND_ID = "RF20250101ABC"

        fun upiKey(name: String) = File(Vectors.keysDir, name).readText()

        /** A case's response from `tests/vectors/<file>`, by name. */
        fun vector(file: String, name: String): HttpResponse {
            val case = Vectors.obj(file).getJSONArray("cases").let { cs ->
                (0 until cs.length()).map { cs.getJSONObject(it) }.single { it.getString("name") == name }
            }
            return Vectors.response(case.getJSONObject("response"))
        }

        val EKO_INQUIRY_REFUNDED = vector("eko_interpret.json", "inquiry: refunded (tx_status 4, response_type_id 1472)")
        val PAYTM_APPLY_PENDING = vector("paytm_interpret.json", "apply §6.1 601 PENDING")
        val PAYTM_STATUS_SUCCESS = vector("paytm_interpret.json", "status §6.2 10 TXN_SUCCESS")
        val UPI_DEEMED = vector("upi360_interpret.json", "gatewayResponseStatus DEEMED / RB")
        val UPI_SUCCESS = vector("upi360_interpret.json", "success keeps ids and exact amounts")

        /** Retries in milliseconds, not seconds. */
        val FAST = RetryPolicy(baseDelayMs = 1, maxDelayMs = 2)

        fun json(status: Int, body: String) = HttpResponse(status, listOf(), body.toByteArray())

        fun HttpRequest.header(name: String): String? = headers.firstOrNull { it.name.equals(name, ignoreCase = true) }?.value

        fun isEkoRefund(r: HttpRequest) =
            r.method == HttpMethod.POST && "/customer/payment/refund/" in r.url && !r.url.endsWith("/otp")

        fun isPaytmApply(r: HttpRequest) = r.url.substringBefore('?').endsWith("/refund/apply")
        fun isUpiRefund(r: HttpRequest) = r.url.substringBefore('?').endsWith("/refund360")

        fun paytmApply() = PaytmRefundApply(orderId = ORDER, refId = REF_ID, txnId = TXN, refundAmountPaise = 100)

        // upi360_interpret.json's `request` of the two cases used here.
        fun upiRefund() = Upi360RefundRequest(
            refundRequestId = UPI_REFUND_ID, amountPaise = 10_000, refundType = Upi360RefundType.ONLINE,
            remarks = "Customer refund", originalUpiRequestId = "YJP1234567890ABCDEFGHIJKLMNOPQRSTUV",
            merchantRefundVpa = "refunds@parentbank",
        )

        fun upiOptions() = Upi360Options(
            host = "https://api.beta.yesbank.upi.juspay.in", uri = "n2",
            merchantId = "MERCHANT1", merchantChannelId = "CHANNEL1", signing = Upi360Signing.Pss,
        )

        /** The signed part of a Paytm request body `{"body":{...},"head":{...}}`. */
        fun paytmSigned(body: String) = body.removePrefix("""{"body":""").substringBefore(""","head":""")
        fun paytmSignature(body: String) = JSONObject(body).getJSONObject("head").getString("signature")
    }

    /** A device clock that advances one second per reading, so every signature gets a fresh timestamp. */
    private class SteppingClock(start: Long = 1_700_000_000_000L) : Clock {
        private val now = AtomicLong(start)
        override fun nowUnixMs(): Long = now.getAndAdd(1_000)
    }

    /**
     * An in-process fake provider: records every request, answers with [route]. [moneyMoving] tells which requests
     * move money, so a test can count them the way the provider would.
     */
    private class FakeProvider(
        private val moneyMoving: (HttpRequest) -> Boolean,
        private val route: suspend (request: HttpRequest, index: Int) -> HttpResponse,
    ) : HttpTransport {
        val seen: MutableList<HttpRequest> = Collections.synchronizedList(mutableListOf())
        val moneyMovingSeen: List<HttpRequest> get() = synchronized(seen) { seen.filter(moneyMoving) }
        val reads: List<HttpRequest> get() = synchronized(seen) { seen.filterNot(moneyMoving) }

        override suspend fun send(request: HttpRequest): HttpResponse {
            val index = synchronized(seen) { seen.add(request); seen.size - 1 }
            return route(request, index)
        }
    }

    /** The answer to the money-moving request is lost after the provider processed it (a reset mid-answer). */
    private fun lost(): Nothing = throw TransportFailure.MaybeProcessed("connection reset while reading the answer")

    // -----------------------------------------------------------------------------------------------------------
    // The signer: Eko's HMAC, Paytm's checksum and Refund 360's RSA-PSS on the JDK, independent of refundkit.

    private object JdkCrypto {
        private val PAYTM_IV = IvParameterSpec("@@@@&&&&####$$$$".toByteArray(Charsets.US_ASCII))
        private const val SALT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        private val random = SecureRandom()

        /** Eko: HMAC-SHA256 keyed with the *text* base64(access_key). */
        fun ekoHmac(accessKey: String, message: ByteArray): ByteArray {
            val key = Base64.getEncoder().encodeToString(accessKey.toByteArray()).toByteArray(Charsets.US_ASCII)
            return Mac.getInstance("HmacSHA256").apply { init(SecretKeySpec(key, "HmacSHA256")) }.doFinal(message)
        }

        private fun sha256Hex(text: String) =
            MessageDigest.getInstance("SHA-256").digest(text.toByteArray()).joinToString("") { "%02x".format(it) }

        private fun aes(mode: Int, key: String) =
            Cipher.getInstance("AES/CBC/PKCS5Padding").apply { init(mode, SecretKeySpec(key.toByteArray(), "AES"), PAYTM_IV) }

        /** PaytmChecksum: base64(AES-CBC(key, IV "@@@@&&&&####$$$$", sha256hex(body|salt) + salt)). */
        fun paytmChecksum(body: String, key: String, salt: String = randomSalt()): String =
            Base64.getEncoder().encodeToString(aes(Cipher.ENCRYPT_MODE, key).doFinal((sha256Hex("$body|$salt") + salt).toByteArray()))

        fun paytmVerify(body: String, key: String, signature: String): Boolean = try {
            val plain = aes(Cipher.DECRYPT_MODE, key).doFinal(Base64.getDecoder().decode(signature)).decodeToString()
            val salt = plain.takeLast(4)
            plain.length == 68 && plain == sha256Hex("$body|$salt") + salt
        } catch (e: Exception) {
            false
        }

        private fun randomSalt() = String(CharArray(4) { SALT_ALPHABET[random.nextInt(SALT_ALPHABET.length)] })

        /** RSA-PSS SHA-256, MGF1-SHA-256, salt 32, with a PKCS#8 PEM key. */
        fun rsaPss(privateKeyPem: String, message: ByteArray): ByteArray {
            val der = Base64.getMimeDecoder().decode(privateKeyPem.lines().filterNot { it.startsWith("-----") }.joinToString(""))
            val key = KeyFactory.getInstance("RSA").generatePrivate(PKCS8EncodedKeySpec(der))
            return Signature.getInstance("RSASSA-PSS").run {
                setParameter(PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1))
                initSign(key)
                update(message)
                sign()
            }
        }
    }

    /** A back office holding the keys the app does not: a Kotlin `RequestSigner`. */
    private class BackOfficeSigner(private val failWith: Exception? = null) : RequestSigner {
        val calls: MutableList<SignatureInput> = Collections.synchronizedList(mutableListOf())

        override suspend fun sign(input: SignatureInput): ByteArray {
            calls += input
            failWith?.let { throw it }
            return when (input.algorithm) {
                SignatureAlgorithm.EKO_SECRET_KEY -> JdkCrypto.ekoHmac(ACCESS_KEY, input.message)
                SignatureAlgorithm.PAYTM_CHECKSUM -> JdkCrypto.paytmChecksum(input.message.decodeToString(), PAYTM_KEY).toByteArray()
                SignatureAlgorithm.RSA_PSS_SHA256 ->
                    JdkCrypto.rsaPss(upiKey("test_only_merchant_private_pkcs8.pem"), input.message)
                else -> throw RefundkitException.Unsupported("this back office does not sign ${input.algorithm}")
            }
        }

        override suspend fun verifyPaytm(rawBody: String, signature: String): Boolean =
            JdkCrypto.paytmVerify(rawBody, PAYTM_KEY, signature)
    }

    /** A Kotlin `AttemptStore` (a map standing in for a database table); [failSave] makes `save` raise. */
    private class MapStore(private val failSave: Boolean = false) : AttemptStore {
        val records = ConcurrentHashMap<String, String>()
        val saves = AtomicInteger()

        override suspend fun save(key: String, recordJson: String) {
            saves.incrementAndGet()
            if (failSave) throw RefundkitException.Store("disk full")
            records[key] = recordJson
        }

        override suspend fun remove(key: String) {
            records.remove(key)
        }

        override suspend fun unresolved(): List<String> = records.values.toList()
    }

    /** A `LogSink` forwarding to `java.util.logging` (Logcat on Android), keeping every line for the assertions. */
    private class JulSink : LogSink {
        private val logger = Logger.getLogger("refundkit")
        val lines: MutableList<String> = Collections.synchronizedList(mutableListOf())

        override fun log(level: LogLevel, target: String, message: String) {
            val julLevel = when (level) {
                LogLevel.TRACE -> Level.FINEST
                LogLevel.DEBUG -> Level.FINE
                LogLevel.INFO -> Level.INFO
                LogLevel.WARN -> Level.WARNING
                LogLevel.ERROR -> Level.SEVERE
            }
            logger.log(julLevel, "$target: $message")
            lines += "$level $target $message"
        }
    }

    @AfterEach
    fun noSink() = clearLogSink()

    private fun eko(
        transport: HttpTransport,
        accessKey: String = ACCESS_KEY,
        signer: RequestSigner? = null,
        store: AttemptStore? = null,
        clock: Clock = SteppingClock(),
    ) = EkoRefunds(ekoUatOptions(), DEVELOPER_KEY, accessKey, transport, FAST, signer, store, clock)

    private fun paytm(transport: HttpTransport, merchantKey: String = PAYTM_KEY, signer: RequestSigner? = null, store: AttemptStore? = null) =
        PaytmRefunds(PaytmOptions(MID, PaytmEnvironment.STAGING), merchantKey, transport, FAST, signer, store, SteppingClock())

    private fun upi(transport: HttpTransport, signingKey: String = upiKey("test_only_merchant_private_pkcs8.pem"), signer: RequestSigner? = null, store: AttemptStore? = null) =
        Upi360Refunds(upiOptions(), signingKey, upiKey("test_only_psp_public_spki.pem"), transport, FAST, signer, store, SteppingClock())

    private fun ekoProvider(onRefund: suspend (HttpRequest) -> HttpResponse = { lost() }) =
        FakeProvider(::isEkoRefund) { r, _ -> if (isEkoRefund(r)) onRefund(r) else EKO_INQUIRY_REFUNDED }

    private fun paytmProvider(onApply: suspend (HttpRequest) -> HttpResponse = { lost() }) =
        FakeProvider(::isPaytmApply) { r, _ -> if (isPaytmApply(r)) onApply(r) else PAYTM_STATUS_SUCCESS }

    private fun upiProvider(onRefund: suspend (HttpRequest) -> HttpResponse = { lost() }) =
        FakeProvider(::isUpiRefund) { r, _ -> if (isUpiRefund(r)) onRefund(r) else UPI_SUCCESS }

    // -----------------------------------------------------------------------------------------------------------
    // 1. Lost answers are resolved by inquiry/status, never re-sent.

    @Test
    @DisplayName("Eko: a lost refund answer is resolved by inquiry on the same tid, sent once")
    fun ekoLostAnswer() = runBlocking {
        val provider = ekoProvider()
        val report = eko(provider).use { it.refund(TID, OTP) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        assertEquals(RefundReason.REFUNDED, report.outcome.reason)
        assertEquals(1, report.moneyMovingSends)
        assertEquals(1, provider.moneyMovingSeen.size, "the provider saw the refund once")
        assertTrue(report.resolvedByInquiry)
        assertEquals(TID, report.reference)
        assertEquals(2, report.attempts)
        val inquiry = provider.reads.single()
        assertEquals(HttpMethod.GET, inquiry.method)
        assertTrue("/tools/reference/transaction/$TID?" in inquiry.url, inquiry.url)
        assertFalse(report.recordJson!!.contains(OTP), "the attempt record holds no OTP")
    }

    @Test
    @DisplayName("Paytm: a lost apply answer is resolved by Refund Status with the same refId, applied once")
    fun paytmLostAnswer() = runBlocking {
        val provider = paytmProvider()
        val report = paytm(provider).use { it.refund(paytmApply()) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        assertEquals(1, report.moneyMovingSends)
        assertEquals(1, provider.moneyMovingSeen.size)
        assertTrue(report.resolvedByInquiry)
        assertEquals(REF_ID, report.reference)
        assertTrue(provider.reads.isNotEmpty())
        for (status in provider.reads) {
            assertTrue(status.url.substringBefore('?').endsWith("/v2/refund/status"), status.url)
            assertTrue(""""refId":"$REF_ID"""" in status.body.decodeToString())
        }
    }

    @Test
    @DisplayName("Paytm: a PENDING apply is polled to success, applied once")
    fun paytmPendingApply() = runBlocking {
        val provider = paytmProvider { PAYTM_APPLY_PENDING }
        val report = paytm(provider).use { it.refund(paytmApply()) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        assertEquals(1, provider.moneyMovingSeen.size)
        assertEquals(1, report.moneyMovingSends)
    }

    @Test
    @DisplayName("Refund 360: a lost or DEEMED answer is resolved by status with the same id, refunded once")
    fun upiLostAnswer() = runBlocking {
        for ((what, first) in listOf<Pair<String, suspend (HttpRequest) -> HttpResponse>>("lost" to { lost() }, "DEEMED" to { UPI_DEEMED })) {
            val provider = upiProvider(first)
            val report = upi(provider).use { it.refund(upiRefund()) }
            assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$what: $report")
            assertEquals(1, report.moneyMovingSends, what)
            assertEquals(1, provider.moneyMovingSeen.size, what)
            assertTrue(report.resolvedByInquiry, what)
            assertEquals(UPI_REFUND_ID, report.reference, what)
            assertEquals(10_000L, report.outcome.refund?.refundedAmountPaise, what)
            for (status in provider.reads) {
                assertTrue(status.url.substringBefore('?').endsWith("/refund/status"), status.url)
                assertTrue(UPI_REFUND_ID in status.body.decodeToString(), what)
            }
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // 2. NotSent: the same refund again, re-signed.

    @Test
    @DisplayName("Eko: a refund that never left is re-sent with the same tid and a fresh secret-key-timestamp")
    fun ekoNotSentIsResent() = runBlocking {
        val tries = AtomicInteger()
        val provider = ekoProvider {
            if (tries.incrementAndGet() == 1) throw TransportFailure.NotSent("connection refused") else json(200, REFUND_OK)
        }
        val report = eko(provider).use { it.refund(TID, OTP) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        assertEquals(2, report.moneyMovingSends)
        assertFalse(report.resolvedByInquiry)
        val (first, second) = provider.moneyMovingSeen.also { assertEquals(2, it.size) }
        assertEquals(first.url, second.url)
        assertTrue(first.url.endsWith("/customer/payment/refund/$TID"), first.url)
        assertContentEquals(first.body, second.body, "same tid, same OTP, same body")
        assertNotEquals(first.header("secret-key-timestamp"), second.header("secret-key-timestamp"))
        assertNotEquals(first.header("secret-key"), second.header("secret-key"))
    }

    @Test
    @DisplayName("Paytm: an apply that never left is re-sent with the same refId")
    fun paytmNotSentIsResent() = runBlocking {
        val tries = AtomicInteger()
        val provider = paytmProvider {
            if (tries.incrementAndGet() == 1) throw TransportFailure.NotSent("DNS failure") else PAYTM_APPLY_PENDING
        }
        val report = paytm(provider).use { it.refund(paytmApply()) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        assertEquals(2, report.moneyMovingSends)
        val refIds = provider.moneyMovingSeen.map { JSONObject(it.body.decodeToString()).getJSONObject("body").getString("refId") }
        assertEquals(listOf(REF_ID, REF_ID), refIds)
    }

    @Test
    @DisplayName("a transport that always says NotSent: PENDING / NOT_SENT, retried up to maxAttempts")
    fun notSentEveryTime() = runBlocking {
        val provider = ekoProvider { throw TransportFailure.NotSent("offline") }
        val report = eko(provider).use { it.refund(TID, OTP) }
        assertEquals(RefundStatus.PENDING, report.outcome.status)
        assertEquals(RefundReason.NOT_SENT, report.outcome.reason)
        assertEquals(FAST.maxAttempts, report.moneyMovingSends)
        assertEquals(FAST.maxAttempts, provider.moneyMovingSeen.size)
        assertTrue(provider.reads.isEmpty(), "no inquiry for a refund that never left")
    }

    @Test
    @DisplayName("any other exception from the transport counts as maybe processed: resolved by inquiry, not re-sent")
    fun unexpectedTransportException() = runBlocking {
        val provider = ekoProvider { throw IOException("socket closed") }
        val report = eko(provider).use { it.refund(TID, OTP) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        assertEquals(1, provider.moneyMovingSeen.size)
        assertTrue(report.resolvedByInquiry)
    }

    // -----------------------------------------------------------------------------------------------------------
    // 3. Delegated signing.

    @Test
    @DisplayName("the JDK crypto of the Kotlin signer matches the vectors (Eko secret-key, Paytm V2)")
    fun jdkCryptoMatchesVectors() {
        val ts = 1_700_000_000_000L
        val mac = Base64.getEncoder().encodeToString(JdkCrypto.ekoHmac(ACCESS_KEY, ts.toString().toByteArray()))
        assertEquals(ekoSecretKey(ACCESS_KEY, ts), mac)
        val v2 = Vectors.arr("paytm_checksum.json").let { a -> (0 until a.length()).map { a.getJSONObject(it) } }
            .single { it.getString("name").startsWith("V2 ") }
        assertEquals(v2.getString("expected_signature"), JdkCrypto.paytmChecksum(v2.getString("string_to_sign"), v2.getString("key"), v2.getString("salt")))
        assertTrue(JdkCrypto.paytmVerify(v2.getString("string_to_sign"), v2.getString("key"), v2.getString("expected_signature")))
        assertFalse(JdkCrypto.paytmVerify(v2.getString("string_to_sign") + " ", v2.getString("key"), v2.getString("expected_signature")))
    }

    @Test
    @DisplayName("Eko: a Kotlin signer (JDK HMAC) signs for a keyless client; the requests verify")
    fun ekoDelegatedSigner() = runBlocking {
        val signer = BackOfficeSigner()
        val provider = ekoProvider()
        val report = eko(provider, accessKey = "", signer = signer).use { it.refund(TID, OTP) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        assertEquals(provider.seen.size, signer.calls.size, "one signature per request: ${signer.calls}")
        assertTrue(signer.calls.all { it.provider == "eko" && it.algorithm == SignatureAlgorithm.EKO_SECRET_KEY })
        for (r in provider.seen) {
            val ts = r.header("secret-key-timestamp")!!
            assertEquals(ekoSecretKey(ACCESS_KEY, ts.toLong()), r.header("secret-key"), "verifies with the access key")
            assertEquals(DEVELOPER_KEY, r.header("developer_key"))
        }
    }

    @Test
    @DisplayName("Paytm: a Kotlin signer (JDK AES checksum) signs and verifies for a keyless client")
    fun paytmDelegatedSigner() = runBlocking {
        val signer = BackOfficeSigner()
        val provider = paytmProvider { PAYTM_APPLY_PENDING }
        val report = paytm(provider, merchantKey = "", signer = signer).use { it.refund(paytmApply()) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "answers verified by the signer: $report")
        for (r in provider.seen) {
            val body = r.body.decodeToString()
            assertTrue(verifyPaytmWithKey(paytmSigned(body), paytmSignature(body), PAYTM_KEY), body)
        }
        assertTrue(signer.calls.all { it.algorithm == SignatureAlgorithm.PAYTM_CHECKSUM })

        // A signer that cannot verify answers: they read as untrusted, never as a success.
        val doubting = object : RequestSigner by signer {
            override suspend fun verifyPaytm(rawBody: String, signature: String) = false
        }
        val untrusted = paytm(paytmProvider { PAYTM_APPLY_PENDING }, merchantKey = "", signer = doubting).use { it.refund(paytmApply()) }
        assertTrue(untrusted.outcome.status != RefundStatus.SUCCEEDED, "$untrusted")
    }

    @Test
    @DisplayName("Refund 360: a Kotlin signer (JDK RSA-PSS) signs for a keyless client; the signature verifies")
    fun upiDelegatedSigner() = runBlocking {
        val signer = BackOfficeSigner()
        val provider = upiProvider { UPI_SUCCESS }
        val report = upi(provider, signingKey = "", signer = signer).use { it.refund(upiRefund()) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        val r = provider.moneyMovingSeen.single()
        val input = upiSignatureInput("MERCHANT1", "CHANNEL1", null, null, r.header("x-timestamp")!!.toLong(), r.body)
        assertTrue(upiVerifyPssSignature(input, r.header("x-merchant-signature")!!, upiKey("test_only_merchant_public_spki.pem")))
        assertTrue(signer.calls.single().algorithm == SignatureAlgorithm.RSA_PSS_SHA256)
    }

    @Test
    @DisplayName("a signer that raises: RefundkitException.Signer, and the transport saw nothing")
    fun failingSigner() = runBlocking {
        for (failure in listOf(RefundkitException.Internal("back office unreachable"), IOException("back office unreachable"))) {
            val provider = ekoProvider { json(200, REFUND_OK) }
            val e = assertFailsWith<RefundkitException.Signer> {
                eko(provider, accessKey = "", signer = BackOfficeSigner(failWith = failure)).use { it.refund(TID, OTP) }
            }
            assertTrue("back office unreachable" in e.reason, e.reason)
            assertTrue(provider.seen.isEmpty(), "nothing sent")

            val paytmProvider = paytmProvider { PAYTM_APPLY_PENDING }
            assertFailsWith<RefundkitException.Signer> {
                paytm(paytmProvider, merchantKey = "", signer = BackOfficeSigner(failWith = failure)).use { it.refund(paytmApply()) }
            }
            assertTrue(paytmProvider.seen.isEmpty())
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // 4. Attempt records: crash, resume; a failing store.

    @Test
    @DisplayName("crash after the refund was sent: resume(record) on a new client resolves by inquiry, no new refund")
    fun crashThenResume() = runBlocking {
        val store = MapStore()
        val refundSeen = CompletableDeferred<Unit>()
        // The provider processes the refund; its answer never comes back (the app is killed meanwhile).
        val provider = ekoProvider { refundSeen.complete(Unit); awaitCancellation() }
        val client = eko(provider, store = store)
        val call = async(Dispatchers.Default) { client.refund(TID, OTP) }
        withTimeout(10_000) { refundSeen.await() }
        call.cancel() // the crash
        assertFailsWith<CancellationException> { call.await() }
        client.close()

        // A new process: the store survives, the client is new.
        val records = store.unresolved()
        assertEquals(1, records.size, "the attempt was recorded before it was sent")
        val record = records.single()
        assertTrue(TID in record && OTP !in record && ACCESS_KEY !in record, record)
        val afterRestart = ekoProvider { error("resume must not send the refund") }
        // The crashed client's claim on the record is a lease: until it expires, another client changes nothing.
        val held = assertFailsWith<RefundkitException.ClaimedElsewhere> { eko(afterRestart, store = store).use { it.resume(record) } }
        assertEquals(TID, held.reference)
        assertTrue(afterRestart.seen.isEmpty())
        val afterTheLease = SteppingClock(start = 1_700_000_000_000L + FAST.claimLeaseMs + 60_000)
        val report = eko(afterRestart, store = store, clock = afterTheLease).use { it.resume(record) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        assertEquals(RefundReason.REFUNDED, report.outcome.reason)
        assertEquals(0, report.moneyMovingSends)
        assertTrue(afterRestart.moneyMovingSeen.isEmpty(), "no new money-moving request")
        assertEquals(1, afterRestart.reads.size)
        assertEquals(1, provider.moneyMovingSeen.size + afterRestart.moneyMovingSeen.size)
        assertTrue(store.records.isEmpty(), "a resolved record is removed")
    }

    @Test
    @DisplayName("the record of a lost Paytm apply / Refund 360, resumed on a new client: status only")
    fun resumeFromReport() = runBlocking {
        val store = MapStore()
        // The apply answer is lost and so is every status answer: the refund stays unresolved, recorded.
        val down = FakeProvider(::isPaytmApply) { r, _ -> if (isPaytmApply(r)) lost() else json(503, "busy") }
        val first = paytm(down, store = store).use { it.refund(paytmApply()) }
        assertTrue(first.outcome.status == RefundStatus.INDETERMINATE || first.outcome.status == RefundStatus.PENDING, "$first")
        assertEquals(1, down.moneyMovingSeen.size)
        val record = assertNotNull(first.recordJson)
        assertEquals(listOf(record), store.unresolved())
        val up = paytmProvider { error("resume must not apply again") }
        val report = paytm(up, store = store).use { it.resume(record) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
        assertEquals(0, report.moneyMovingSends)
        assertTrue(up.moneyMovingSeen.isEmpty())
        assertTrue(store.records.isEmpty())

        val upiDown = FakeProvider(::isUpiRefund) { r, _ -> if (isUpiRefund(r)) lost() else json(503, "busy") }
        val upiFirst = upi(upiDown).use { it.refund(upiRefund()) }
        assertTrue(upiFirst.outcome.status != RefundStatus.SUCCEEDED)
        val upiUp = upiProvider { error("resume must not refund again") }
        val upiReport = upi(upiUp).use { it.resume(upiFirst.recordJson!!) }
        assertEquals(RefundStatus.SUCCEEDED, upiReport.outcome.status, "$upiReport")
        assertEquals(0, upiReport.moneyMovingSends)
        assertTrue(upiUp.moneyMovingSeen.isEmpty())
    }

    @Test
    @DisplayName("a store that raises on save: RefundkitException.Store, nothing sent")
    fun failingStore() = runBlocking {
        val store = MapStore(failSave = true)
        val provider = ekoProvider { json(200, REFUND_OK) }
        val e = assertFailsWith<RefundkitException.Store> { eko(provider, store = store).use { it.refund(TID, OTP) } }
        assertTrue("disk full" in e.reason, e.reason)
        assertEquals(1, store.saves.get())
        assertTrue(provider.seen.isEmpty(), "nothing sent")

        val upiProvider = upiProvider { UPI_SUCCESS }
        assertFailsWith<RefundkitException.Store> { upi(upiProvider, store = store).use { it.refund(upiRefund()) } }
        assertTrue(upiProvider.seen.isEmpty())
    }

    @Test
    @DisplayName("the built-in stores: memoryAttemptStore and directoryAttemptStore keep a lost refund's record")
    fun builtinStores() = runBlocking {
        val dir = kotlin.io.path.createTempDirectory("refundkit-store").toFile()
        try {
            for (store in listOf(memoryAttemptStore(), directoryAttemptStore(dir.path))) {
                val down = FakeProvider(::isEkoRefund) { r, _ -> if (isEkoRefund(r)) lost() else json(503, "busy") }
                val first = eko(down, store = store).use { it.refund(TID, OTP) }
                assertEquals(RefundStatus.INDETERMINATE, first.outcome.status, "$first")
                val record = store.unresolved().single()
                val report = eko(ekoProvider { error("no refund on resume") }, store = store).use { it.resume(record) }
                assertEquals(RefundStatus.SUCCEEDED, report.outcome.status)
                assertTrue(store.unresolved().isEmpty())
            }
        } finally {
            dir.deleteRecursively()
        }
    }

    @Test
    @DisplayName("one directoryAttemptStore, two clients: the second gets ClaimedElsewhere while the first holds the tid, then a refund that sends nothing")
    fun claimedElsewhere() = runBlocking {
        val dir = kotlin.io.path.createTempDirectory("refundkit-claims").toFile()
        try {
            val store = directoryAttemptStore(dir.path)
            val refundSeen = CompletableDeferred<Unit>()
            val release = CompletableDeferred<Unit>()
            // The first client's refund is on the wire (held until released), then its answer is lost; Eko's inquiry
            // says "not refunded" (inside the commit window: proof of nothing).
            val notRefunded = json(200, """{"status":0,"tx_status":"3","txstatus_desc":"Refund Pending"}""")
            val firstProvider = FakeProvider(::isEkoRefund) { r, _ ->
                if (isEkoRefund(r)) {
                    refundSeen.complete(Unit)
                    release.await()
                    lost()
                } else {
                    notRefunded
                }
            }
            val holder = eko(firstProvider, store = store)
            val call = async(Dispatchers.Default) { holder.refund(TID, OTP) }
            withTimeout(30_000) { refundSeen.await() }

            val secondProvider = FakeProvider(::isEkoRefund) { r, _ ->
                if (isEkoRefund(r)) error("the second client must never send the refund") else notRefunded
            }
            val busy = assertFailsWith<RefundkitException.ClaimedElsewhere> {
                eko(secondProvider, store = store).use { it.refund(TID, OTP) }
            }
            assertEquals(TID, busy.reference)
            assertTrue(busy.untilMs > 0, "$busy")
            assertTrue(secondProvider.seen.isEmpty(), "nothing was sent")

            release.complete(Unit)
            val first = call.await()
            holder.close()
            assertEquals(RefundStatus.PENDING, first.outcome.status, "$first")
            assertEquals(NextStep.POLL_LATER, first.outcome.nextStep)
            assertNotNull(first.nextCheckAtMs, "when asking again can settle it")
            assertEquals(1, store.unresolved().size, "the record is kept while the commit window is open")

            // The claim was released: a second refund with the same tid is resolved by inquiry, never sent again.
            val again = eko(secondProvider, store = store).use { it.refund(TID, OTP) }
            assertEquals(0, again.moneyMovingSends, "$again")
            assertEquals(RefundStatus.PENDING, again.outcome.status)
            assertTrue(again.outcome.warnings.any { "did not send the refund again" in it }, "${again.outcome.warnings}")
            assertTrue(secondProvider.moneyMovingSeen.isEmpty())
            assertEquals(1, firstProvider.moneyMovingSeen.size)
        } finally {
            dir.deleteRecursively()
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // 5. Logs.

    @Test
    @DisplayName("a java.util.logging LogSink receives lines; none holds a key, the OTP or a signature sent")
    fun logSinkKeepsSecretsOut() = runBlocking {
        val sink = JulSink()
        setLogSink(sink, LogLevel.TRACE)
        val signer = BackOfficeSigner()
        val ekoProvider = ekoProvider()
        val paytmProvider = paytmProvider { PAYTM_APPLY_PENDING }
        val upiProvider = upiProvider()
        val texts = mutableListOf<String>()
        eko(ekoProvider).use { texts += it.refund(TID, OTP).toString(); texts += it.toString() }
        eko(ekoProvider, accessKey = "", signer = signer).use { texts += it.refund(TID, OTP).toString() }
        texts += assertFailsWith<RefundkitException.InvalidInput> { eko(ekoProvider).use { it.refund(TID, "12") } }.toString()
        paytm(paytmProvider).use { texts += it.refund(paytmApply()).toString(); texts += it.toString() }
        upi(upiProvider).use { texts += it.refund(upiRefund()).toString(); texts += it.toString() }
        clearLogSink()

        val lines = synchronized(sink.lines) { sink.lines.toList() }
        assertTrue(lines.size >= 10, "the run logged: $lines")
        assertTrue(lines.any { "succeeded" in it.lowercase() }, "outcomes are logged: $lines")

        val secrets = mutableSetOf(ACCESS_KEY, DEVELOPER_KEY, PAYTM_KEY, OTP)
        secrets += upiKey("test_only_merchant_private_pkcs8.pem").lines().filter { it.isNotBlank() && !it.startsWith("-----") }
        for (r in ekoProvider.seen + paytmProvider.seen + upiProvider.seen) {
            listOf("secret-key", "x-merchant-signature").mapNotNullTo(secrets) { r.header(it) }
            val body = r.body.decodeToString()
            if (body.startsWith("""{"body":""")) secrets += paytmSignature(body)
        }
        assertTrue(secrets.size > 15, "signatures were collected: ${secrets.size}")
        val all = (lines + texts).joinToString("\n")
        for (s in secrets) assertFalse(s in all, "secret leaked: $s")

        // Cleared: nothing more arrives.
        val before = sink.lines.size
        eko(ekoProvider).use { it.refund(TID, OTP) }
        assertEquals(before, sink.lines.size)
    }

    // -----------------------------------------------------------------------------------------------------------
    // 6. Errors by class.

    @Test
    @DisplayName("errors are sealed classes: an exhaustive when, without else")
    fun errorsByClass() = runBlocking {
        fun describe(e: RefundkitException): String = when (e) {
            is RefundkitException.InvalidInput -> "input ${e.field}"
            is RefundkitException.Configuration -> "config ${e.field}"
            is RefundkitException.Unsupported -> "unsupported"
            is RefundkitException.Signer -> "signer"
            is RefundkitException.Store -> "store"
            is RefundkitException.ClaimedElsewhere -> "claimed ${e.reference}"
            is RefundkitException.Internal -> "internal"
        }
        val provider = ekoProvider { json(200, REFUND_OK) }
        val caught = mutableListOf<String>()
        for (call in listOf<suspend () -> Unit>(
            { eko(provider).use { it.refund(TID, "12") } },
            { eko(provider).use { it.refund("", OTP) } },
            { eko(provider, accessKey = "", signer = BackOfficeSigner(IOException("down"))).use { it.refund(TID, OTP) } },
            { eko(provider, store = MapStore(failSave = true)).use { it.refund(TID, OTP) } },
            { eko(provider).use { it.resume("not a record") } },
            { EkoRefunds(ekoUatOptions().copy(baseUrl = "ftp://x"), DEVELOPER_KEY, ACCESS_KEY, provider).close() },
        )) {
            try {
                call()
                caught += "no error"
            } catch (e: RefundkitException) {
                caught += describe(e)
            }
        }
        assertEquals(listOf("input otp", "input tid", "signer", "store", "input record_json", "config base_url"), caught)
        assertTrue(provider.seen.isEmpty())

        // TransportFailure is the transport's own sealed class, thrown by the app and never by the clients.
        val failure: TransportFailure = TransportFailure.NotSent("offline")
        assertEquals("offline", when (failure) {
            is TransportFailure.NotSent -> failure.reason
            is TransportFailure.MaybeProcessed -> "maybe"
        })
    }

    @Test
    @DisplayName("inquiry and sendRefundOtp move no money; RetryPolicy defaults are the documented ones")
    fun readsAndDefaults() = runBlocking {
        val busyOnce = AtomicInteger()
        val provider = FakeProvider({ false }) { _, _ -> if (busyOnce.getAndIncrement() == 0) json(503, "busy") else EKO_INQUIRY_REFUNDED }
        val report = eko(provider).use { it.inquiry(TID) }
        assertEquals(RefundStatus.SUCCEEDED, report.outcome.status)
        assertEquals(2, report.attempts, "an indeterminate read is retried")
        assertEquals(0, report.moneyMovingSends)
        assertNull(report.recordJson)
        assertEquals(RetryPolicy(4, 5, 500, 8000, 30000, 30000, false), RetryPolicy())
    }
}
