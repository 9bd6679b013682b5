package io.refundkit

import org.json.JSONArray
import org.json.JSONObject
import java.io.File
import kotlin.test.fail

/** Loading `tests/vectors/` (its README is the contract) and mapping their JSON onto the generated API. */
object Vectors {
    /** Set by Surefire (pom.xml); the fallback serves runs from an IDE with `kotlin/` as the working directory. */
    val dir: File = File(System.getProperty("refundkit.vectors") ?: "../tests/vectors").absoluteFile

    fun load(name: String): Any {
        val file = File(dir, name)
        check(file.isFile) { "vector file not found: $file" }
        val text = file.readText(Charsets.UTF_8)
        return if (text.trimStart().startsWith("[")) JSONArray(text) else JSONObject(text)
    }

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
}
