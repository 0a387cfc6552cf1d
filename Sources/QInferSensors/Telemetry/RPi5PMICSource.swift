// Raspberry Pi 5: the PMIC's ADCs through `vcgencmd pmic_read_adc`, one line per reading:
//     3V3_SYS_A current(1)=0.06051000A
//     3V3_SYS_V volt(9)=3.31291200V
// A rail's power is its _A current times its _V voltage; the listed rails (default: every rail with both) are
// summed. This is the SoC-side power the PMIC supplies, not the 5 V input (EXT5V_V has no current reading).
import Foundation

public final class RPi5PMICSource: PowerSource {
    public let label: String
    public let isEstimate = false
    private let command: [String]
    private let rails: [String]

    public init(command: [String], rails: [String]) throws(PowerSourceError) {
        self.command = command
        self.rails = rails
        label = "rpi5-pmic \(rails.isEmpty ? "all rails" : rails.joined(separator: "+")) (\(command.joined(separator: " ")))"
        _ = try read() // a board without vcgencmd fails here, at start
    }

    public func read() throws(PowerSourceError) -> PowerReading {
        let output = try Self.run(command)
        return .watts(try Self.totalWatts(Self.parse(output), rails: rails))
    }

    /// Rail name → (amperes, volts) for every rail with both readings.
    public static func parse(_ text: String) -> [String: (amperes: Double, volts: Double)] {
        var amps: [String: Double] = [:], volts: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, let eq = parts[1].firstIndex(of: "=") else { continue }
            let name = String(parts[0])
            var value = parts[1][parts[1].index(after: eq)...]
            guard let unit = value.popLast(), let v = Double(value) else { continue }
            if unit == "A" && name.hasSuffix("_A") { amps[String(name.dropLast(2))] = v }
            if unit == "V" && name.hasSuffix("_V") { volts[String(name.dropLast(2))] = v }
        }
        var out: [String: (Double, Double)] = [:]
        for (rail, a) in amps { if let v = volts[rail] { out[rail] = (a, v) } }
        return out
    }

    static func totalWatts(_ readings: [String: (amperes: Double, volts: Double)], rails: [String]) throws(PowerSourceError) -> Double {
        guard !readings.isEmpty else { throw PowerSourceError("pmic_read_adc printed no rail with both a current and a voltage") }
        let wanted = rails.isEmpty ? readings.keys.sorted() : rails
        var watts = 0.0
        for rail in wanted {
            guard let r = readings[rail] else {
                throw PowerSourceError("pmic_read_adc has no rail '\(rail)' (there: \(readings.keys.sorted().joined(separator: ", ")))")
            }
            watts += r.amperes * r.volts
        }
        return watts
    }

    private static func run(_ command: [String]) throws(PowerSourceError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0].hasPrefix("/") ? command[0] : "/usr/bin/env")
        process.arguments = command[0].hasPrefix("/") ? Array(command.dropFirst()) : command
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw PowerSourceError("cannot run \(command.joined(separator: " ")): \(error.localizedDescription)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PowerSourceError("\(command.joined(separator: " ")) exited with status \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
