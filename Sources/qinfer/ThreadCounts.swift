// The --threads list: worker counts to measure at, each a whole number in a sane range.
import QInferKernelBench

enum ThreadCounts {
    /// Oversubscribing a small board by more than this says nothing about its kernels and can exhaust memory.
    static let maximum = 256

    /// CPUs this process may use (its affinity mask), so "all cores" means the cores it really gets.
    static var usableCPUs: Int { Int(qkb_usable_cpus()) }

    /// 1 and every usable CPU: the latency case and the throughput case.
    static var defaults: [Int] { usableCPUs > 1 ? [1, usableCPUs] : [1] }

    static func parse(_ values: [String]) throws -> [Int] {
        var result: [Int] = []
        for item in splitList(values) {
            guard let n = Int(item), (1...maximum).contains(n) else { throw ThreadCountError.bad(item) }
            if !result.contains(n) { result.append(n) }
        }
        return result
    }
}

enum ThreadCountError: Error, CustomStringConvertible {
    case bad(String)

    var description: String {
        switch self {
        case .bad(let value):
            return "bad thread count '\(value)' in --threads (expected whole numbers from 1 to \(ThreadCounts.maximum))"
        }
    }
}
