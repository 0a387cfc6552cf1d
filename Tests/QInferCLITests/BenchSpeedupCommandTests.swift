import Foundation
import QInferTestSupport
import Testing

/// `qinfer bench speedup` on the built binary, against the real onnxruntime of the project's venv (make test creates
/// it before the Swift tests) and without it. A tiny PointNet fixture stands in for a shipped model, its own ONNX as
/// the "twin", so a run takes a fraction of a second; the numbers are whatever the machine gives.
@Suite("qinfer bench speedup")
struct BenchSpeedupCommandTests {
    static let fixture = repoRoot.appendingPathComponent("Tests/QInferONNXTests/Fixtures/models/pointnet_relu_librapb/model.onnx").path
    static var repoRoot: URL {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) && dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir
    }

    /// A model directory as shipped: tiny.qpack, tiny-fp32.onnx (the twin), tiny.onnx (the binary ONNX).
    private func modelDir(_ dir: ScratchDirectory) throws -> String {
        let onnx = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.fixture)))
        try FileManager.default.createDirectory(atPath: "\(dir.path)/tiny", withIntermediateDirectories: true)
        _ = try dir.write("tiny/tiny-fp32.onnx", onnx)
        _ = try dir.write("tiny/tiny.onnx", onnx)
        let qpack = "\(dir.path)/tiny/tiny.qpack"
        let pack = try runQInfer(["pack", Self.fixture, "-o", qpack])
        try #require(pack.status == 0, "\(pack.err)")
        return qpack
    }

    /// The runs of the report `--json` prints (the same document as report.json).
    private func json(_ out: String) throws -> [[String: Any]] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "not JSON: \(out)")
        #expect(report["before"] is [String: Any] && report["after"] is [String: Any])
        return try #require(report["runs"] as? [[String: Any]])
    }

    @Test("with onnxruntime: the packed model, the twin in onnxruntime and in the engine, the binary ONNX, and ratios")
    func withONNXRuntime() throws {
        let python = Self.repoRoot.appendingPathComponent(".venv/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "no \(python): run `make python-deps` first")
        let dir = try ScratchDirectory()
        let qpack = try modelDir(dir)
        let r = try runQInfer(["bench", "speedup", qpack, "--binary-onnx", "\(dir.path)/tiny/tiny.onnx", "--python", python,
                               "--seconds", "0.05", "--rounds", "2", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let runs = try json(r.out)
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        let variants = try #require(run["variants"] as? [[String: Any]])
        #expect(variants.map { $0["kind"] as? String } == ["packed", "onnxruntime_twin", "onnxruntime_binary", "engine_twin"])
        for v in variants {
            let latency = try #require(v["latency"] as? [String: Any])
            #expect((latency["medianMicros"] as? Double ?? 0) > 0 && (latency["runs"] as? Int ?? 0) > 0, "\(v)")
            #expect((v["inferencesPerSecond"] as? Double ?? 0) > 0 && (v["peakRSSBytes"] as? Int ?? 0) > 1_000_000, "\(v)")
        }
        #expect(variants[1]["name"] as? String == "FP32 twin in onnxruntime 1.32.0")
        // Energy from the board config beside this build (generic-x86 here: RAPL where readable, else the estimate).
        for v in variants {
            let energy = try #require(v["energy"] as? [String: Any], "no energy for \(v["kind"] ?? "")")
            #expect((energy["joulesPerInference"] as? Double ?? 0) > 0)
            // The estimate counts the runner's own CPU time, so even 50 ms of work shows above idle (a sensor's
            // reading of so short a window may not).
            if energy["estimated"] as? Bool == true {
                #expect((energy["joulesAboveIdlePerInference"] as? Double ?? -1) > 0, "work above idle is seen: \(energy)")
            }
        }
        let ratios = try #require(run["ratios"] as? [[String: Any]])
        #expect(ratios.map { $0["baseline"] as? String } == ["onnxruntime_twin", "onnxruntime_binary", "engine_twin"])
        #expect(ratios.allSatisfy { ($0["latency"] as? Double ?? 0) > 0 && ($0["energy"] as? Double ?? 0) > 0 })
        #expect((run["missing"] as? [String])?.isEmpty == true)

        let table = try runQInfer(["bench", "speedup", qpack, "--python", python, "--seconds", "0.05", "--rounds", "1"])
        #expect(table.status == 0, "\(table.err)")
        // A debug build of the tiny fixture may well lose to onnxruntime: either wording, as report.md words it.
        #expect(table.out.contains("× faster than the FP32 twin in onnxruntime")
                || table.out.contains("× the speed (slower) of the FP32 twin in onnxruntime"), "\(table.out)")
    }

    @Test("without onnxruntime it still runs the engine's variants and says which baseline is missing and how to add it")
    func withoutONNXRuntime() throws {
        let dir = try ScratchDirectory()
        let qpack = try modelDir(dir)
        let r = try runQInfer(["bench", "speedup", qpack, "--python", "/bin/false", "--seconds", "0.05", "--rounds", "1", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let run = try #require(try json(r.out).first)
        #expect((run["variants"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["packed", "engine_twin"])
        let missing = try #require(run["missing"] as? [String])
        #expect(missing.count == 1 && missing[0].contains("cannot import onnxruntime") && missing[0].contains("pip install onnxruntime"),
                "\(missing)")
    }

    @Test("--all runs every model directory; a model without a twin lists the twin as missing")
    func allDirectories() throws {
        let dir = try ScratchDirectory()
        _ = try modelDir(dir)
        try FileManager.default.createDirectory(atPath: "\(dir.path)/lone", withIntermediateDirectories: true)
        let lone = "\(dir.path)/lone/lone.qpack"
        let pack = try runQInfer(["pack", Self.fixture, "-o", lone])
        try #require(pack.status == 0, "\(pack.err)")
        let r = try runQInfer(["bench", "speedup", "--all", dir.path, "--python", "/bin/false", "--seconds", "0.05", "--rounds", "1", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let runs = try json(r.out)
        #expect(runs.compactMap { ($0["model"] as? String).map { ($0 as NSString).lastPathComponent } } == ["lone.qpack", "tiny.qpack"])
        let loneRun = try #require(runs.first)
        #expect((loneRun["variants"] as? [[String: Any]])?.count == 1)
        #expect((loneRun["missing"] as? [String])?.contains { $0.contains("no *-fp32.onnx beside") } == true)
    }

    @Test("--report writes report.md, chart.svg and report.json with the numbers of --json")
    func reportDirectory() throws {
        let dir = try ScratchDirectory()
        let qpack = try modelDir(dir)
        let out = "\(dir.path)/report"
        let r = try runQInfer(["bench", "speedup", qpack, "--python", "/bin/false", "--seconds", "0.05", "--rounds", "1",
                               "--report", out, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/report.json"))) as? [String: Any])
        let printed = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(NSDictionary(dictionary: written).isEqual(to: printed), "report.json equals --json")
        let markdown = try String(contentsOfFile: "\(out)/report.md", encoding: .utf8)
        #expect(markdown.contains("chart.svg") && markdown.contains("FP32 twin in qinfer"))
        #expect(FileManager.default.fileExists(atPath: "\(out)/chart.svg"))
    }

    @Test("a power sensor (a fixture INA226 reading a constant 4.5 W): energy is that power over each window, not estimated")
    func sensorEnergy() throws {
        let dir = try ScratchDirectory()
        let qpack = try modelDir(dir)
        try FileManager.default.createDirectory(atPath: "\(dir.path)/hwmon0", withIntermediateDirectories: true)
        _ = try dir.write("hwmon0/power1_input", Array("4500000\n".utf8)) // µW
        try FileManager.default.createDirectory(atPath: "\(dir.path)/boards", withIntermediateDirectories: true)
        _ = try dir.write("boards/fixture.toml", Array("""
            description = "fixture board"
            detect = []
            [cpu]
            cores = []
            threads = 1
            thermal_zones = []
            [power]
            idle_w = 3.0
            active_core_w = 1.0
            sample_hz = 200
            sources = [{ kind = "ina2xx-hwmon", path = "\(dir.path)/hwmon0" }]
            """.utf8))
        let r = try runQInfer(["bench", "speedup", qpack, "--board-configs", "\(dir.path)/boards", "--board", "fixture",
                               "--python", "/bin/false", "--seconds", "0.2", "--rounds", "2", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let run = try #require(try json(r.out).first)
        for v in try #require(run["variants"] as? [[String: Any]]) {
            let e = try #require(v["energy"] as? [String: Any], "\(v)")
            #expect(e["estimated"] as? Bool == false && (e["source"] as? String ?? "").contains("ina2xx-hwmon"))
            let watts = try #require(e["averageWatts"] as? Double), idle = try #require(e["idleWatts"] as? Double)
            #expect(abs(watts - 4.5) < 1e-6 && abs(idle - 4.5) < 1e-6, "the fixture's constant 4.5 W: \(e)")
            let perInference = try #require(e["joulesPerInference"] as? Double)
            let window = try #require(e["windowSeconds"] as? Double), n = try #require(e["inferences"] as? Int)
            #expect(abs(perInference * Double(n) - 4.5 * window) < 1e-9 * max(1, 4.5 * window), "J = W × s: \(e)")
            #expect(abs(e["joulesAboveIdlePerInference"] as? Double ?? 1) < 1e-9, "a constant reading is all idle: \(e)")
        }
    }

    @Test("bad arguments and files fail with a message naming the problem")
    func badArguments() throws {
        let dir = try ScratchDirectory()
        let qpack = try modelDir(dir)
        let other = try dir.write("other.onnx", try [UInt8](Data(contentsOf: Self.repoRoot.appendingPathComponent(
            "Tests/QInferONNXTests/Fixtures/models/irnet_relu_maxpool/model.onnx"))))
        for (args, message) in [
            (["bench", "speedup"], "give one or more .qpack models"),
            (["bench", "speedup", "\(dir.path)/none.qpack"], "none.qpack: no such file"),
            (["bench", "speedup", qpack, "--twin", "\(dir.path)/none.onnx"], "--twin"),
            (["bench", "speedup", qpack, "--twin", other, "--python", "/bin/false", "--seconds", "0.05", "--rounds", "1"], "is not"),
            (["bench", "speedup", qpack, "--seconds", "0"], "--seconds"),
            (["bench", "speedup", qpack, qpack, "--twin", other], "give one model"),
            (["bench", "speedup", qpack, "--board", "no-such-board", "--python", "/bin/false", "--seconds", "0.05"], "no board config 'no-such-board'"),
        ] {
            let r = try runQInfer(args)
            #expect(r.status != 0, "\(args) succeeded")
            #expect(r.err.contains(message), "\(args): stderr was \(r.err)")
        }
    }
}
