// Fixed-point number text for tables and JSON, independent of the locale.
import Foundation

/// x with exactly `digits` decimals ("12.50"); non-finite values are "-".
func fixed(_ x: Double, digits: Int) -> String {
    guard x.isFinite else { return "-" }
    return String(format: "%.\(digits)f", locale: Locale(identifier: "en_US_POSIX"), x)
}
