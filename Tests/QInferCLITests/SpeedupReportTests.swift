import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import QInferReport
import Testing

/// The report `qinfer bench speedup --report DIR` writes: report.md holds report.json's numbers, says what is missing
/// and when the board throttled; chart.svg is well-formed, escapes names and renders in a real browser.
@Suite("speedup report")
struct SpeedupReportTests {
    @Test("report.md prints exactly report.json's numbers, rounded only as documented")
    func markdownMatchesJSON() throws {
        let dir = try ScratchDirectory()
        try SpeedupReportWriter.write(SpeedupReportFixtures.report(), to: dir.path)
        let markdown = try String(contentsOfFile: "\(dir.path)/report.md", encoding: .utf8)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir.path)/report.json")))
            as? [String: Any])
        let runs = try #require(json["runs"] as? [[String: Any]])
        #expect(runs.count == 3)
        for run in runs {
            let model = try #require(run["model"] as? String)
            let section = ReportMarkdown.section(markdown, model: model)
            #expect(!section.isEmpty, "no section for \(model)")
            let variants = try #require(run["variants"] as? [[String: Any]])
            let rows = ReportMarkdown.table(section, first: "variant")
            #expect(rows.count == variants.count, "\(model): one row per variant")
            for (row, v) in zip(rows, variants) {
                try checkVariantRow(row, v)
            }
            let windows = ReportMarkdown.table(section, first: "variant").isEmpty ? [] : energyWindowRows(section)
            let measured = variants.filter { $0["energy"] != nil }
            #expect(windows.count == measured.count, "\(model): one energy window per measured variant")
            for (row, v) in zip(windows, measured) {
                let e = try #require(v["energy"] as? [String: Any])
                #expect(ReportMarkdown.unescape(row[0]) == v["name"] as? String)
                expectAgrees(row[1], number(e["windowSeconds"]), "window s")
                #expect(Int(row[2]) == e["inferences"] as? Int)
                expectAgrees(row[3], number(e["averageWatts"]), "average W")
                expectAgrees(row[4], number(e["idleWatts"]), "idle W")
                #expect(ReportMarkdown.unescape(row[5]).hasPrefix(e["source"] as? String ?? "?"))
            }
            try checkRatios(section, run: run, variants: variants)
        }
        let before = try #require(json["before"] as? [String: Any]), after = try #require(json["after"] as? [String: Any])
        let temperatures = ReportMarkdown.cells(try #require(markdown.components(separatedBy: "\n")
            .first { $0.hasPrefix("| temperature |") }))
        expectAgrees(String(temperatures[1].dropLast(3)), number(before["temperatureCelsius"]), "temperature before")
        expectAgrees(String(temperatures[2].dropLast(3)), number(after["temperatureCelsius"]), "temperature after")
        #expect(markdown.contains(try #require(json["createdAt"] as? String)), "the date as in the JSON")
        #expect(markdown.contains("![chart](chart.svg)"))
        #expect(markdown.contains("```sh\nqinfer bench speedup models/bipointnet/bipointnet.qpack --report out\n```"))
    }

    private func checkVariantRow(_ row: [String], _ v: [String: Any]) throws {
        #expect(row.count == 10, "\(row)")
        let name = try #require(v["name"] as? String)
        #expect(ReportMarkdown.unescape(row[0]).hasPrefix(name))
        #expect(Int(row[1]) == v["threads"] as? Int)
        #expect(ReportMarkdown.unescape(row[2]) == (v["isa"] as? String ?? "n/a"))
        let latency = try #require(v["latency"] as? [String: Any])
        expectAgrees(row[3], number(latency["medianMicros"]), "\(name) median")
        expectAgrees(row[4], number(latency["p99Micros"]), "\(name) p99")
        #expect(Int(row[5]) == latency["runs"] as? Int)
        expectAgrees(row[6], number(v["inferencesPerSecond"]), "\(name) inferences/s")
        expectAgrees(row[7], number(v["peakRSSBytes"]).map { $0 / 1e6 }, "\(name) peak RSS MB")
        let energy = v["energy"] as? [String: Any]
        let estimated = energy?["estimated"] as? Bool == true
        for (cell, key) in [(row[8], "joulesPerInference"), (row[9], "joulesAboveIdlePerInference")] {
            #expect(cell.hasSuffix(" (estimated)") == estimated, "\(name): estimated marked iff the JSON says so")
            let shown = cell.replacingOccurrences(of: " (estimated)", with: "")
            expectAgrees(shown, energy.flatMap { number($0[key]) }.map { $0 * 1e3 }, "\(name) \(key) in mJ")
        }
    }

    private func energyWindowRows(_ section: [String]) -> [[String]] {
        guard let start = section.firstIndex(where: { $0.hasPrefix("| variant | window s |") }) else { return [] }
        return ReportMarkdown.table(Array(section[start...]), first: "variant")
    }

    private func checkRatios(_ section: [String], run: [String: Any], variants: [[String: Any]]) throws {
        let ratios = try #require(run["ratios"] as? [[String: Any]])
        let lines = section.filter { $0.hasPrefix("- vs ") }
        #expect(lines.count == ratios.count)
        for (line, ratio) in zip(lines, ratios) {
            let shown = line.matches(of: /([0-9][0-9.e+-]*)×/).map { String($0.output.1) }
            let expected = [number(ratio["latency"]), number(ratio["energy"]), number(ratio["energyAboveIdle"])].compactMap { $0 }
            #expect(shown.count == expected.count, "\(line)")
            for (text, value) in zip(shown, expected) { expectAgrees(text, value, "ratio in \(line)") }
            let baseline = variants.first { $0["kind"] as? String == ratio["baseline"] as? String }
            if let name = baseline?["name"] as? String {
                #expect(ReportMarkdown.unescape(line).hasPrefix("- vs \(name):"), "\(line)")
            }
            let latency = number(ratio["latency"]) ?? 0
            #expect(line.contains(latency >= 1 ? "faster" : "slower"))
        }
    }

    @Test("the documented rounding rules, one example each")
    func roundingRules() {
        let f = SpeedupNumberFormat.self
        #expect([133.44, 1121.3, 12345.6, 0.25, 0, -0.0, 2.34567e-5, 1.5e10, .nan, .infinity].map(f.quantity)
                == ["133.4", "1121", "12346", "0.2500", "0", "0", "2.346e-05", "1.500e+10", "n/a", "n/a"])
        #expect([21.8953, 7.25, 1, 0.8123, 0.04123, 1e13].map(f.ratio) == ["21.9", "7.2", "1.0", "0.812", "0.0412", "1.00e+13"])
        #expect(f.celsius(71.34) == "71.3" && f.megabytes(23_456_789) == "23.46" && f.millijoules(0.0012345) == "1.234")
    }

    @Test("missing baselines are listed with their how-to, commands kept as code")
    func missingBaselines() throws {
        let markdown = SpeedupMarkdown.render(SpeedupReportFixtures.report())
        #expect(markdown.contains("**Missing baselines**"))
        #expect(markdown.contains("`--binary-onnx bipointnet.onnx`"))
        #expect(markdown.contains("`python3 -m venv .venv && .venv/bin/pip install onnxruntime`"))
        #expect(markdown.contains("`--python .venv/bin/python`"))
        let solo = ReportMarkdown.section(markdown, model: "solo")
        #expect(solo.contains("Missing baselines: none, every baseline ran."))
        #expect(solo.contains("No energy was measured for this model."))
    }

    @Test("throttling and a large temperature rise are called out; a calm run says it did not throttle")
    func throttling() throws {
        let hot = SpeedupReportFixtures.report(throttledAfter: true, afterCelsius: 71.34)
        let markdown = SpeedupMarkdown.render(hot)
        #expect(markdown.contains("> **⚠ The board throttled during the run"))
        #expect(markdown.contains("from 45.0 °C to 71.3 °C"))
        #expect(markdown.contains("| throttled | no | **yes** |"))
        #expect(SpeedupChart.render(hot).contains("⚠ The board throttled during the run"))

        let calm = SpeedupReportFixtures.report(throttledAfter: false, afterCelsius: 48)
        let calmMarkdown = SpeedupMarkdown.render(calm)
        #expect(!calmMarkdown.contains("⚠"))
        #expect(calmMarkdown.contains("The board did not throttle before or after the run."))
        #expect(calm.boardWarnings.isEmpty)

        var warm = calm
        warm.after.temperatureCelsius = 60
        #expect(SpeedupMarkdown.render(warm).contains("The temperature rose a lot during the run, from 45.0 °C to 60.0 °C"))
        warm.before.throttled = nil
        warm.after.throttled = nil
        warm.after.temperatureCelsius = 46
        #expect(SpeedupMarkdown.render(warm).contains("This board reports no throttling flag"))
    }

    @Test("names that are XML and markdown syntax are escaped; the SVG parses as XML")
    func escaping() throws {
        let report = SpeedupReportFixtures.report()
        let svg = SpeedupChart.render(report)
        #expect(!svg.contains(SpeedupReportFixtures.oddName))
        #expect(svg.contains("a&lt;b&amp;&quot;c&quot;"))
        let text = try parseXML(svg)
        #expect(text.contains(SpeedupReportFixtures.oddName), "the parsed text holds the name as written")

        let markdown = SpeedupMarkdown.render(report)
        #expect(markdown.contains("## Model: a\\<b\\&\"c\""))
        #expect(!markdown.contains("a<b&"))

        var controls = SpeedupReportFixtures.report(runs: [SpeedupReportFixtures.solo])
        controls.runs[0].model = "bell\u{7}\ttab\nnewline"
        controls.before.board = "]]> <!-- &amp;"
        _ = try parseXML(SpeedupChart.render(controls))
    }

    @Test("chart: missing energy is n/a with no bar, long names are cut with the full name kept, extremes stay finite")
    func chartEdgeCases() throws {
        let report = SpeedupReportFixtures.report()
        let svg = SpeedupChart.render(report)
        #expect(svg.contains(">n/a</text>"))
        #expect(svg.contains("…"))
        #expect(svg.contains("<title>\(SpeedupReportFixtures.longName)</title>"))
        #expect(!svg.contains("</title>\(SpeedupReportFixtures.longName)</text>"), "the visible label is truncated")
        #expect(svg.contains("mJ*") && svg.contains("estimated: energy from the CPU-time model"))
        #expect(svg.contains("133.4 µs") && svg.contains("1.234 mJ*"), "values printed as in report.md")
        for bad in ["nan", "inf", "NaN", "-0 "] { #expect(!svg.lowercased().contains("=\"\(bad.lowercased())"), "\(bad)") }
        for legend in ["packed model, qinfer engine", "FP32 twin, onnxruntime", "binary ONNX as float, onnxruntime",
                       "FP32 twin, qinfer FP32 path"] {
            #expect(svg.contains(legend))
        }

        let one = SpeedupChart.render(SpeedupReportFixtures.report(runs: [SpeedupReportFixtures.solo]))
        let empty = SpeedupChart.render(SpeedupReportFixtures.report(runs: []))
        let noVariants = SpeedupChart.render(SpeedupReportFixtures.report(runs: [
            .init(model: "none", variants: [], ratios: [], missing: ["everything"])]))
        for doc in [one, empty, noVariants] { _ = try parseXML(doc) }
        #expect(empty.contains("No model was measured."))
        #expect(try svgHeight(svg) > svgHeight(one), "the chart grows with models")
        #expect(try svgHeight(one) > svgHeight(empty))
        #expect(svg.contains("width=\"900\""))
    }

    @Test("the writer creates DIR, writes the three files atomically and the JSON decodes to the same report")
    func writer() throws {
        let scratch = try ScratchDirectory()
        let dir = "\(scratch.path)/nested/out"
        let report = SpeedupReportFixtures.report()
        let paths = try SpeedupReportWriter.write(report, to: dir)
        #expect(paths == ["\(dir)/report.json", "\(dir)/chart.svg", "\(dir)/report.md"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["chart.svg", "report.json", "report.md"])
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/report.json"))
        #expect(try SpeedupReportJSON.decode(data) == report)
        #expect(String(decoding: data, as: UTF8.self).contains("\"createdAt\" : \"2026-12-07T10:40:00Z\""))
        try SpeedupReportWriter.write(SpeedupReportFixtures.report(runs: []), to: dir + "/")
        #expect(try SpeedupReportJSON.decode(Data(contentsOf: URL(fileURLWithPath: "\(dir)/report.json"))).runs.isEmpty,
                "a second write replaces the first")
    }

    @Test("a path that cannot be written is named in the error and leaves no temporary file")
    func writerErrors() throws {
        let scratch = try ScratchDirectory()
        let file = try scratch.write("plain-file", [1, 2, 3])
        #expect {
            try SpeedupReportWriter.write(SpeedupReportFixtures.report(), to: "\(file)/sub")
        } throws: { error in
            "\(error)".contains("\(file)/sub") && "\(error)".contains("not a directory")
        }

        let dir = "\(scratch.path)/blocked"
        try FileManager.default.createDirectory(atPath: "\(dir)/report.md", withIntermediateDirectories: true)
        #expect {
            try SpeedupReportWriter.write(SpeedupReportFixtures.report(), to: dir)
        } throws: { error in
            (error as? SpeedupReportError)?.path == "\(dir)/report.md"
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(!left.contains { $0.hasPrefix(".") }, "no temporary file left: \(left)")

        var bad = SpeedupReportFixtures.report(runs: [SpeedupReportFixtures.solo])
        bad.runs[0].variants[0].inferencesPerSecond = .nan
        let untouched = "\(scratch.path)/nan"
        #expect(throws: SpeedupReportError.self) { try SpeedupReportWriter.write(bad, to: untouched) }
        #expect(!FileManager.default.fileExists(atPath: untouched), "nothing written when the report cannot be encoded")
    }

    @Test("headless Chromium renders chart.svg to a PNG that is not blank")
    func rendersInBrowser() throws {
        guard let chromium = Chromium.find() else {
            Issue.record("chromium is not installed: `apt-get install -y chromium` (make deps installs it)")
            return
        }
        let dir = try ScratchDirectory()
        try SpeedupReportWriter.write(SpeedupReportFixtures.report(), to: dir.path)
        let png = "\(dir.path)/chart.png"
        let result = try Chromium.screenshot(chromium, url: "file://\(dir.path)/chart.svg", to: png, profile: "\(dir.path)/profile")
        #expect(result.finished, "chromium did not finish within \(Chromium.timeout) s")
        #expect(result.status == 0, "chromium exited with \(result.status)")
        let image = try #require(decodeRGBA(try Data(contentsOf: URL(fileURLWithPath: png))), "\(png) is not a PNG")
        #expect(image.width == 900)
        var colors = Set<UInt32>()
        var sawPacked = false
        for i in stride(from: 0, to: image.pixels.count, by: 4) {
            let (r, g, b) = (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2])
            colors.insert(UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b))
            // The packed model's bar color, #1b9e77, within what color management may shift.
            if abs(Int(r) - 0x1b) < 12 && abs(Int(g) - 0x9e) < 12 && abs(Int(b) - 0x77) < 12 { sawPacked = true }
        }
        #expect(colors.count > 1, "the rendered chart is a single color")
        #expect(sawPacked, "no bar in the packed model's color was drawn")
    }
}

/// The JSON number at `value` (integers included), nil when absent or null.
func number(_ value: Any?) -> Double? {
    (value as? NSNumber)?.doubleValue
}

/// Parses `svg` with Foundation's XML parser; returns its character data, throws when it is not well-formed XML.
func parseXML(_ svg: String) throws -> String {
    final class Collector: NSObject, XMLParserDelegate {
        var text = ""
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    }
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = Collector()
    parser.delegate = collector
    guard parser.parse() else {
        throw SVGParseError(message: "line \(parser.lineNumber): \(parser.parserError.map { "\($0)" } ?? "unknown error")")
    }
    return collector.text
}

struct SVGParseError: Error { let message: String }

/// The height attribute of the root element.
func svgHeight(_ svg: String) throws -> Double {
    let match = try #require(svg.firstMatch(of: /<svg [^>]*height="([0-9.]+)"/))
    return try #require(Double(match.output.1))
}
