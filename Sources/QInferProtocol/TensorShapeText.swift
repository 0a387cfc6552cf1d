import Foundation

/// A tensor shape as the API and the CLI write it: `1024,3` (X-Tensor-Shape, --shape). Parsed here only.
public enum TensorShapeText {
    /// Positive integers separated by commas; `what` names the source in the error ("X-Tensor-Shape", "--shape").
    public static func parse(_ text: String, what: String) throws(APIFailure) -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count <= 8, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw APIFailure(.badInput, "\(what) '\(text)' is not a list of 1 to 8 positive integers, e.g. 1024,3")
        }
        let shape = parts.map { $0! }
        guard elementCount(shape) != nil else { throw APIFailure(.badInput, "\(what) '\(text)' has more elements than fit in memory") }
        return shape
    }

    public static func format(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: ",") }

    /// The product of the dimensions, nil when it overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            count = p
        }
        return count
    }
}
