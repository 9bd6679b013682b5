// Loading of the shared conformance vectors (../../../tests/vectors, see its README.md) and a small checker that
// reports every mismatch with the vector file and case name.
import Foundation
import XCTest
import RefundKit

/// A JSON value. Decoded with `JSONDecoder` so that 64-bit integers (e.g. `9223372036854775807` paise) stay exact and
/// a key present with `null` can be told apart from an absent key.
enum JSON: Decodable, Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSON].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSON].self))
        }
    }

    subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    var intValue: Int64? { if case .int(let i) = self { return i }; return nil }
    var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    var arrayValue: [JSON]? { if case .array(let a) = self { return a }; return nil }
    var objectValue: [String: JSON]? { if case .object(let o) = self { return o }; return nil }
    var isNull: Bool { self == .null }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return String(reflecting: s)
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { "\(String(reflecting: $0)): \(o[$0]!.description)" }.joined(separator: ", ") + "}"
        }
    }
}

/// A malformed vector (missing or mistyped key): reported as a failure of that case.
struct VectorError: Error, CustomStringConvertible, Sendable {
    let description: String
    init(_ description: String) { self.description = description }
}

extension JSON {
    func required(_ key: String) throws -> JSON {
        guard let v = self[key] else { throw VectorError("vector lacks `\(key)`") }
        return v
    }
    func string(_ key: String) throws -> String {
        guard let s = try required(key).stringValue else { throw VectorError("`\(key)` is not a string") }
        return s
    }
    func int(_ key: String) throws -> Int64 {
        guard let i = try required(key).intValue else { throw VectorError("`\(key)` is not an integer") }
        return i
    }
    func array(_ key: String) throws -> [JSON] {
        guard let a = try required(key).arrayValue else { throw VectorError("`\(key)` is not an array") }
        return a
    }
    func object(_ key: String) throws -> [String: JSON] {
        guard let o = try required(key).objectValue else { throw VectorError("`\(key)` is not an object") }
        return o
    }
}

enum Vectors {
    /// `$REFUNDKIT_VECTORS`, else `tests/vectors` of the repository this file is in.
    static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["REFUNDKIT_VECTORS"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        // <repo>/swift/Tests/RefundKitTests/VectorSupport.swift -> <repo>/tests/vectors
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("tests", isDirectory: true).appendingPathComponent("vectors", isDirectory: true)
    }

    /// `$REFUNDKIT_KEYS`, else `core/tests/data/upi360_keys` of the repository this file is in: the TEST-ONLY keys
    /// the vectors' key fields name (they live in the core crate, which embeds them in its own tests).
    static var keysDirectory: URL {
        if let env = ProcessInfo.processInfo.environment["REFUNDKIT_KEYS"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("core/tests/data/upi360_keys", isDirectory: true)
    }

    static func load(_ name: String) throws -> JSON {
        let url = directory.appendingPathComponent(name)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw VectorError("cannot read \(url.path) (set REFUNDKIT_VECTORS to the vectors directory): \(error)")
        }
        return try JSONDecoder().decode(JSON.self, from: data)
    }
}

/// Collects the mismatches of one case.
final class Checks {
    private(set) var problems: [String] = []

    func fail(_ message: String) { problems.append(message) }

    func equal<T: Equatable>(_ what: String, _ actual: T, _ expected: T) {
        if actual != expected { fail("\(what): got \(String(reflecting: actual)), expected \(String(reflecting: expected))") }
    }

    /// `expected` is a JSON string, or `null` meaning "absent".
    func optionalString(_ what: String, _ actual: String?, _ expected: JSON) {
        switch expected {
        case .null: if let actual { fail("\(what): got \(String(reflecting: actual)), expected absent") }
        case .string(let s):
            if actual != s { fail("\(what): got \(actual.map { String(reflecting: $0) } ?? "nothing"), expected \(String(reflecting: s))") }
        default: fail("\(what): vector value \(expected) is neither a string nor null")
        }
    }

    /// `expected` is a JSON integer, or `null` meaning "absent".
    func optionalInt(_ what: String, _ actual: Int64?, _ expected: JSON) {
        switch expected {
        case .null: if let actual { fail("\(what): got \(actual), expected absent") }
        case .int(let i):
            if actual != i { fail("\(what): got \(actual.map { String($0) } ?? "nothing"), expected \(i)") }
        default: fail("\(what): vector value \(expected) is neither an integer nor null")
        }
    }

    /// `expected` is a JSON bool, or `null` meaning "absent".
    func optionalBool(_ what: String, _ actual: Bool?, _ expected: JSON) {
        switch expected {
        case .null: if let actual { fail("\(what): got \(actual), expected absent") }
        case .bool(let b):
            if actual != b { fail("\(what): got \(actual.map { String($0) } ?? "nothing"), expected \(b)") }
        default: fail("\(what): vector value \(expected) is neither a bool nor null")
        }
    }
}

/// Runs `check` on every case, reports each mismatch as an XCTest failure naming the file and the case, and returns
/// (passed, total).
@discardableResult
func runVectorCases(
    file: String,
    cases: [JSON],
    name: (JSON, Int) -> String,
    check: (JSON, Checks) throws -> Void,
    sourceFile: StaticString = #filePath,
    line: UInt = #line
) -> (passed: Int, total: Int) {
    var passed = 0
    for (index, testCase) in cases.enumerated() {
        let checks = Checks()
        do {
            try check(testCase, checks)
        } catch {
            checks.fail("unexpected error: \(String(reflecting: error))")
        }
        if checks.problems.isEmpty {
            passed += 1
        } else {
            let caseName = name(testCase, index)
            for problem in checks.problems {
                XCTFail("\(file) [\(caseName)]: \(problem)", file: sourceFile, line: line)
            }
        }
    }
    XCTAssertFalse(cases.isEmpty, "\(file): no cases", file: sourceFile, line: line)
    print("vectors: \(file): \(passed)/\(cases.count) cases passed")
    return (passed, cases.count)
}

func caseName(_ testCase: JSON, _ index: Int) -> String {
    testCase["name"]?.stringValue ?? "#\(index)"
}

/// `collectOtpOrResendLater` -> `collect_otp_or_resend_later`: the vectors' spelling of enum values.
func snakeCase<T>(_ value: T) -> String {
    var out = ""
    for ch in String(describing: value) {
        if ch.isUppercase {
            if !out.isEmpty { out.append("_") }
            out.append(contentsOf: ch.lowercased())
        } else {
            out.append(ch)
        }
    }
    return out
}

/// The vectors' error kind and field of an error thrown by refundkit.
func errorKindAndField(_ error: Error) -> (kind: String, field: String?) {
    switch error as? RefundkitError {
    case .InvalidInput(let field, _)?: return ("invalid_input", field)
    case .Configuration(let field, _)?: return ("configuration", field)
    case .Unsupported?: return ("unsupported", nil)
    case .Internal?: return ("internal", nil)
    case .Signer?: return ("signer", nil)
    case .Store?: return ("store", nil)
    case .ClaimedElsewhere?: return ("claimed_elsewhere", nil)
    case nil: return ("not a RefundkitError: \(String(reflecting: error))", nil)
    }
}

func utf8Text(_ data: Data) -> String {
    String(data: data, encoding: .utf8).map { String(reflecting: $0) } ?? "<\(data.count) bytes, not UTF-8>"
}

extension JSON {
    /// An optional string key: absent or `null` ⇒ nil; anything else but a string is a malformed vector.
    func optionalString(_ key: String) throws -> String? {
        guard let v = self[key], !v.isNull else { return nil }
        guard let s = v.stringValue else { throw VectorError("`\(key)` is not a string") }
        return s
    }
    /// An optional integer key: absent or `null` ⇒ nil.
    func optionalInt(_ key: String) throws -> Int64? {
        guard let v = self[key], !v.isNull else { return nil }
        guard let i = v.intValue else { throw VectorError("`\(key)` is not an integer") }
        return i
    }
    /// An optional bool key: absent or `null` ⇒ nil.
    func optionalBool(_ key: String) throws -> Bool? {
        guard let v = self[key], !v.isNull else { return nil }
        guard let b = v.boolValue else { throw VectorError("`\(key)` is not a bool") }
        return b
    }
    /// Throws when the object has a key outside `known` (a vector key this harness would silently ignore).
    func requireOnlyKeys(_ known: Set<String>, _ what: String) throws {
        guard let o = objectValue else { throw VectorError("\(what) is not an object") }
        let unknown = o.keys.filter { !known.contains($0) }
        if !unknown.isEmpty { throw VectorError("unknown \(what) keys \(unknown.sorted())") }
    }
}

/// `default_config` of a vector file overridden key by key by the case's `config`.
func mergedConfig(_ file: JSON, _ testCase: JSON) throws -> JSON {
    var config = try file.object("default_config")
    if let over = testCase["config"] {
        guard let o = over.objectValue else { throw VectorError("`config` is not an object") }
        for (key, value) in o { config[key] = value }
    }
    return .object(config)
}

/// `[[name, value], ...]` as headers.
func vectorHeaders(_ value: JSON?) throws -> [Header] {
    try (value?.arrayValue ?? []).map { pair -> Header in
        guard let p = pair.arrayValue?.compactMap(\.stringValue), p.count == 2 else {
            throw VectorError("a header is not a [name, value] pair")
        }
        return Header(name: p[0], value: p[1])
    }
}

/// Compares a built request with an `expect` of the request vectors (`method`, `url`, exact ordered `headers`,
/// exact `body`). `placeholders` maps a header name to a check of a header whose expected value is a placeholder
/// (UPI's randomized `<PSS>` signature); such a header must be present, at the same position, and pass the check.
func checkRequest(
    _ request: HttpRequest, _ expected: JSON, _ checks: Checks,
    extraKeys: Set<String> = [],
    placeholders: [String: (String) -> String?] = [:]
) throws {
    try expected.requireOnlyKeys(Set(["method", "url", "headers", "body"]).union(extraKeys), "expect")
    let method: String
    switch request.method {
    case .get: method = "GET"
    case .post: method = "POST"
    }
    checks.equal("method", method, try expected.string("method"))
    checks.equal("url", request.url, try expected.string("url"))
    let expectedHeaders = try vectorHeaders(try expected.required("headers"))
    checks.equal("header count", request.headers.count, expectedHeaders.count)
    for (i, (actual, want)) in zip(request.headers, expectedHeaders).enumerated() {
        if let placeholder = placeholders[want.name], actual.name == want.name {
            if let problem = placeholder(actual.value) { checks.fail("header \(i) \(want.name): \(problem)") }
        } else if actual != want {
            checks.fail("header \(i): got [\(actual.name), \(actual.value)], expected [\(want.name), \(want.value)]")
        }
    }
    let expectedBody = try expected.string("body")
    if request.body != Data(expectedBody.utf8) {
        checks.fail("body: got \(utf8Text(request.body)), expected \(String(reflecting: expectedBody))")
    }
}

/// Checks an `expect_error` (`{kind, field?}`) against a thrown refundkit error.
func checkExpectedError(_ error: Error, _ expectedError: JSON, _ checks: Checks) throws {
    try expectedError.requireOnlyKeys(["kind", "field"], "expect_error")
    let (kind, field) = errorKindAndField(error)
    checks.equal("error kind", kind, try expectedError.string("kind"))
    if let expectedField = expectedError["field"] {
        checks.optionalString("error field", field, expectedField)
    }
}

/// Data of a `[0-255, ...]` JSON array.
func byteArray(_ value: JSON) throws -> Data {
    guard let a = value.arrayValue else { throw VectorError("random_bytes is not an array") }
    return Data(try a.map { b -> UInt8 in
        guard let i = b.intValue, let u = UInt8(exactly: i) else { throw VectorError("random byte \(b) is not 0-255") }
        return u
    })
}
