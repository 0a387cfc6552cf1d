// Whether onnxruntime can run here, and with what: a Python that imports onnxruntime and numpy, and the runner
// script. Without them `bench speedup` still runs the engine's variants and says which baseline is missing and how
// to add it.
import Foundation

struct ONNXRuntimeProbe {
    let python: String?
    let runner: String?

    enum Outcome {
        case available(python: String, runner: String, version: String)
        case missing(String)
    }

    func probe() -> Outcome {
        guard let script = runner ?? Self.installedRunner() else {
            return .missing("onnxruntime: tools/bench/ort_runner.py not found beside this qinfer or in /usr/share/qinferd; name it with --ort-runner")
        }
        guard FileManager.default.fileExists(atPath: script) else { return .missing("onnxruntime: --ort-runner \(script): no such file") }
        guard let interpreter = python ?? Self.onPath("python3") else {
            return .missing("onnxruntime: no python3 on PATH; install Python 3 and `pip install onnxruntime numpy`, or name a venv's python with --python")
        }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: interpreter)
        check.arguments = ["-c", "import numpy, onnxruntime; print(onnxruntime.__version__)"]
        let out = Pipe()
        check.standardOutput = out
        check.standardError = FileHandle.nullDevice
        do { try check.run() } catch { return .missing("onnxruntime: cannot run \(interpreter) (\(error.localizedDescription)); name a Python with --python") }
        let version = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        check.waitUntilExit()
        guard check.terminationStatus == 0, !version.isEmpty else {
            return .missing("onnxruntime: \(interpreter) cannot import onnxruntime and numpy; `\(interpreter) -m pip install onnxruntime numpy` (tools/bench/requirements.txt pins the versions; aarch64 wheels are on PyPI), or name a venv's python with --python")
        }
        return .available(python: interpreter, runner: script, version: version)
    }

    /// The runner in a build tree (…/.build/<config>/qinfer → …/tools/bench) or where a package installs it.
    static func installedRunner() -> String? {
        let dir = (SpeedupPlan.selfExecutable() as NSString).deletingLastPathComponent
        let candidates = ["\(dir)/../../../tools/bench/ort_runner.py", "\(dir)/../share/qinferd/ort_runner.py",
                          "/usr/share/qinferd/ort_runner.py"]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }.map { ($0 as NSString).standardizingPath }
    }

    static func onPath(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
