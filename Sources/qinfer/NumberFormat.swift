// Fixed-point number text for tables and JSON, independent of the locale.
import Foundation

/// x with exactly `digits` decimals ("12.50"); non-finite values are "-".
func fixed(_ x: Double, digits: Int) -> String {
    guard x.isFinite else { return "-" }
    return String(format: "%.\(digits)f", locale: Locale(identifier: "en_US_POSIX"), x)
}

/// "12.2 KB"-style sizes for tables.
func byteCount(_ n: Int) -> String {
    if n < 1024 { return "\(n) B" }
    if n < 1 << 20 { return fixed(Double(n) / 1024, digits: 1) + " KB" }
    return fixed(Double(n) / Double(1 << 20), digits: 1) + " MB"
}

/// Microseconds as milliseconds with two decimals ("1.25").
func milliseconds(_ micros: Int) -> String { fixed(Double(micros) / 1000, digits: 2) }
