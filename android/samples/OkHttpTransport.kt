// An HttpTransport on OkHttp 4 for the `mobile` build of refundkit (which has no built-in transport). Copy it into
// your app. tests/android-check.sh compiles it against the generated Android API and OkHttp 4.12.
package com.example.refunds

import io.refundkit.Header
import io.refundkit.HttpMethod
import io.refundkit.HttpRequest
import io.refundkit.HttpResponse
import io.refundkit.HttpTransport
import io.refundkit.TransportFailure
import kotlinx.coroutines.suspendCancellableCoroutine
import okhttp3.Call
import okhttp3.Callback
import okhttp3.Headers
import okhttp3.MediaType.Companion.toMediaTypeOrNull
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import java.io.IOException
import java.net.ConnectException
import java.net.UnknownHostException
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/**
 * Sends each request exactly as refundkit built it: method, URL, headers in order, the signed body bytes.
 * refundkit decides what may be repeated, so OkHttp must neither retry nor follow redirects.
 */
class OkHttpTransport(client: OkHttpClient = OkHttpClient()) : HttpTransport {
    private val client = client.newBuilder()
        .retryOnConnectionFailure(false)
        .followRedirects(false)
        .followSslRedirects(false)
        .build()

    override suspend fun send(request: HttpRequest): HttpResponse {
        val headers = Headers.Builder().apply { request.headers.forEach { add(it.name, it.value) } }.build()
        val body = when (request.method) {
            HttpMethod.GET -> null
            HttpMethod.POST -> request.body.toRequestBody(headers["Content-Type"]?.toMediaTypeOrNull())
        }
        val call = client.newCall(
            Request.Builder().url(request.url).headers(headers).method(request.method.name, body).build(),
        )
        return suspendCancellableCoroutine { cont ->
            cont.invokeOnCancellation { call.cancel() }
            call.enqueue(object : Callback {
                override fun onFailure(call: Call, e: IOException) = cont.resumeWithException(failure(e))

                override fun onResponse(call: Call, response: Response) = response.use {
                    try {
                        cont.resume(
                            HttpResponse(
                                status = it.code,
                                headers = it.headers.map { (name, value) -> Header(name, value) },
                                body = it.body?.bytes() ?: ByteArray(0),
                            ),
                        )
                    } catch (e: IOException) {
                        // The provider answered, so the request arrived: the body was cut off.
                        cont.resumeWithException(TransportFailure.MaybeProcessed("answer cut off: $e"))
                    }
                }
            })
        }
    }

    /** NotSent only when the request provably never left (no DNS answer, connection refused); else MaybeProcessed. */
    private fun failure(e: IOException): TransportFailure = when (e) {
        is UnknownHostException, is ConnectException -> TransportFailure.NotSent(e.toString())
        else -> TransportFailure.MaybeProcessed(e.toString())
    }
}
