// The only rounding between report.json and what a person reads in report.md and chart.svg. report.json keeps every
// number unrounded; report.md and the chart print them with these rules, so each printed number can be checked
// against the JSON (the tests do): it is the JSON value rounded to the digits shown, never a number computed anew.
//
// - Measured quantities (µs, inferences/s, MB, mJ, W, s): 4 significant digits in plain decimals, the integer part
//   never rounded away (1121.3 → "1121", 12345.6 → "12346"); scientific notation with 4 significant digits
//   ("1.234e-05") below 1e-4 and from 1e9 up, where plain decimals would be all zeros or unreadably long.
// - Ratios: 1 decimal from 1 up ("21.9"), 3 significant digits below 1 ("0.812"), so a loss never prints as "0.0",
//   and from 10^6 up, where a ratio means a broken measurement rather than a speedup ("1.00e+13").
// - Temperatures: 1 decimal, °C.
// - Counts (threads, runs, inferences) as they are.
// - Units: memory in MB = 10^6 bytes, energy in mJ = 10^-3 J.
// - Non-finite values print as "n/a".
import Foundation

/// Text for report numbers, independent of the locale.
public enum SpeedupNumberFormat {
    /// A measured quantity: 4 significant digits (see the rules at the top of this file).
    public static func quantity(_ x: Double) -> String { significant(x, digits: 4) }

    /// A ratio, without the "×".
    public static func ratio(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        if abs(x) >= 1e6 { return significant(x, digits: 3) }
        return abs(x) >= 1 ? decimals(x, 1) : significant(x, digits: 3)
    }

    /// A temperature in °C, without the unit.
    public static func celsius(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        return decimals(x, 1)
    }

    /// Bytes as MB (10^6 bytes), 4 significant digits.
    public static func megabytes(_ bytes: Int) -> String { quantity(Double(bytes) / 1e6) }

    /// Joules as mJ, 4 significant digits.
    public static func millijoules(_ joules: Double) -> String { quantity(joules * 1e3) }

    static func significant(_ x: Double, digits: Int) -> String {
        guard x.isFinite else { return "n/a" }
        if x == 0 { return "0" }
        let magnitude = Int(floor(log10(abs(x))))
        if magnitude < -4 || magnitude >= 9 {
            // Lowercased: Foundation's %e prints "E" with some locales on Linux.
            return String(format: "%.\(digits - 1)e", locale: posix, x).lowercased()
        }
        return decimals(x, max(0, digits - 1 - magnitude))
    }

    static func decimals(_ x: Double, _ places: Int) -> String {
        String(format: "%.\(places)f", locale: posix, x)
    }

    private static let posix = Locale(identifier: "en_US_POSIX")
}
