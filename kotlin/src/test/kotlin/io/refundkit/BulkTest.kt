package io.refundkit

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.DisplayName
import org.junit.jupiter.api.Test
import java.util.Collections
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * Bulk calls from Kotlin (`inquireMany`, `statusMany`, `resumeMany`) against the embedded sandbox: one result per input
 * in input order, per-item errors in place, progress ending at the total. With `builtinTransport()` the batch runs
 * inside Rust: the progress sink is called from a refundkit thread, not the coroutine's.
 */
@DisplayName("bulk calls: many inquiries and status reads in one call")
class BulkTest {
    private companion object {
        val FAST = RetryPolicy(baseDelayMs = 1, maxDelayMs = 5)
    }

    private lateinit var sandbox: Sandbox
    private lateinit var creds: SandboxCredentials

    @BeforeEach
    fun start() {
        sandbox = Sandbox.start(seed = 31L, pollsUntilSuccess = 1)
        creds = sandbox.credentials()
    }

    @AfterEach
    fun stop() {
        sandbox.stop()
        sandbox.close()
    }

    private class Recorder : BulkProgress {
        val calls: MutableList<Pair<Long, Long>> = Collections.synchronizedList(mutableListOf())
        val threads: MutableSet<Long> = Collections.synchronizedSet(mutableSetOf())

        override fun onProgress(done: Long, total: Long) {
            calls.add(done to total)
            threads.add(Thread.currentThread().id)
        }
    }

    @Test
    @DisplayName("inquireMany: results in input order, a bad tid's error in its place, progress to the total")
    fun inquireMany() = runBlocking {
        val eko = EkoRefunds(
            EkoOptions(baseUrl = sandbox.ekoBaseUrl(), initiatorId = creds.ekoInitiatorId, userCode = creds.ekoUserCode),
            creds.ekoDeveloperKey, creds.ekoAccessKey, builtinTransport(), FAST,
        )
        val tids = (0 until 30).map { sandbox.createEkoTransaction(1_000L + it).tid }.toMutableList()
        tids.add(5, "not-a-tid")
        val progress = Recorder()
        val results = eko.use { it.inquireMany(tids, concurrency = 8, progress = progress) }
        assertEquals(tids.size, results.size)
        results.forEachIndexed { i, r ->
            if (i == 5) {
                val error = assertIs<BulkResult.Error>(r).error
                assertEquals("tid", assertIs<RefundkitException.InvalidInput>(error).field)
            } else {
                val report = assertIs<BulkResult.Report>(r).report
                assertEquals(tids[i], report.reference)
                assertEquals(0, report.moneyMovingSends)
            }
        }
        assertEquals(tids.size.toLong() to tids.size.toLong(), progress.calls.last())
        assertTrue(Thread.currentThread().id !in progress.threads, "the batch ran inside Rust, not on this thread")
    }

    @Test
    @DisplayName("statusMany (Paytm): each refunded order reads SUCCEEDED, an unknown refId does not")
    fun paytmStatusMany() = runBlocking {
        val paytm = PaytmRefunds(
            PaytmOptions(mid = creds.paytmMid, environment = PaytmEnvironment.STAGING, baseUrl = sandbox.baseUrl()),
            creds.paytmMerchantKey, builtinTransport(), FAST,
        )
        val queries = (0 until 6).map {
            val order = sandbox.createPaytmOrder(2_000L + it)
            val ref = "K-BULK-$it"
            val report = paytm.refund(
                PaytmRefundApply(orderId = order.orderId, refId = ref, txnId = order.txnId, refundAmountPaise = 2_000L + it),
            )
            assertEquals(RefundStatus.SUCCEEDED, report.outcome.status, "$report")
            PaytmStatusQuery(orderId = order.orderId, refId = ref)
        }
        val results = paytm.use { it.statusMany(queries, concurrency = 4) }
        assertEquals(queries.size, results.size)
        results.forEachIndexed { i, r ->
            val report = assertIs<BulkResult.Report>(r).report
            assertEquals(queries[i].refId, report.reference)
            assertEquals(RefundStatus.SUCCEEDED, report.outcome.status)
            assertEquals(0, report.moneyMovingSends, "status reads move no money")
        }
        assertEquals(queries.size, sandbox.ledger().size, "each refund moved money once")
    }
}
