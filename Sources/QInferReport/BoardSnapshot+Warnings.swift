// A Pi that throttles mid-run halves its numbers, and a board that heated a lot may have been about to. The report
// says so in words at the top instead of leaving two table cells for the reader to compare.
extension SpeedupReport {
    /// A temperature rise from before to after the runs that is called out as large (°C).
    public static let largeTemperatureRise = 10.0

    /// What about the board's state makes the numbers doubtful, one sentence each; empty when nothing does.
    /// Sentences quote only numbers from the snapshots, rounded as SpeedupNumberFormat prints them.
    public var boardWarnings: [String] {
        var warnings: [String] = []
        switch (before.throttled, after.throttled) {
        case (true?, _):
            warnings.append("The board was already throttled before the run: its clock was lowered, so every "
                            + "number here understates it. Let it cool (or improve its cooling and power supply) and run again.")
        case (_, true?):
            warnings.append("The board throttled during the run: its clock was lowered part of the way through, so "
                            + "these numbers understate it. Let it cool (or improve its cooling) and run again.")
        default:
            break
        }
        if let t0 = before.temperatureCelsius, let t1 = after.temperatureCelsius, t0.isFinite, t1.isFinite,
           t1 - t0 >= Self.largeTemperatureRise {
            warnings.append("The temperature rose a lot during the run, from \(SpeedupNumberFormat.celsius(t0)) °C to "
                            + "\(SpeedupNumberFormat.celsius(t1)) °C: a board near its limit throttles, and later variants "
                            + "ran hotter than earlier ones.")
        }
        for (when, snapshot) in [("before", before), ("after", after)] {
            if let governor = snapshot.governor, governor != "performance" {
                warnings.append("The CPU frequency governor was \"\(governor)\" \(when) the run, not \"performance\": "
                                + "clocks may have ramped up and down between variants.")
                break
            }
        }
        return warnings
    }
}
