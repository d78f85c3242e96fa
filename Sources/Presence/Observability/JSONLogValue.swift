import Logging

/// A metadata value as JSON: text, or the objects and arrays nested metadata is made of.
enum JSONLogValue: Encodable {
    case string(String)
    case object([String: JSONLogValue])
    case array([JSONLogValue])

    init(_ value: Logger.Metadata.Value) {
        switch value {
        case .string(let text): self = .string(text)
        case .stringConvertible(let value): self = .string(value.description)
        case .dictionary(let fields): self = .object(fields.mapValues(JSONLogValue.init))
        case .array(let values): self = .array(values.map(JSONLogValue.init))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .object(let fields): try container.encode(fields)
        case .array(let values): try container.encode(values)
        }
    }

    /// The value as JSON text: escaped by JSONEncoder, on one line, with sorted keys.
    static func encoded(_ value: JSONLogValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings, arrays and dictionaries of strings always encode.
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
