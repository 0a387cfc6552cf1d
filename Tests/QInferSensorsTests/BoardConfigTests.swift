import Foundation
import Testing
@testable import QInferSensors
import QInferTestSupport

@Suite("board configs")
struct BoardConfigTests {
    static let repoConfigs: String = {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("board-configs").path
    }()

    @Test("every shipped board config parses, and each board is detected from its device-tree model")
    func shipped() throws {
        let all = try BoardConfigLoader.loadAll(directory: Self.repoConfigs)
        #expect(Set(all.keys) == ["rpi3bplus", "rpi4", "rpi5", "jetson-nano", "jetson-orin-nano", "generic-x86"])
        let models = ["Raspberry Pi 3 Model B Plus Rev 1.3": "rpi3bplus", "Raspberry Pi 4 Model B Rev 1.5": "rpi4",
                      "Raspberry Pi 5 Model B Rev 1.0": "rpi5", "NVIDIA Jetson Nano Developer Kit": "jetson-nano",
                      "NVIDIA Jetson Orin Nano Developer Kit": "jetson-orin-nano"]
        for (model, name) in models {
            #expect(try BoardConfigLoader.choose(name: nil, directory: Self.repoConfigs, deviceTreeModel: model).name == name, "\(model)")
        }
        #expect(try BoardConfigLoader.choose(name: "rpi4", directory: Self.repoConfigs, deviceTreeModel: nil).cpu.threads == 4)
        #expect(all["rpi5"]!.power.sources.first?.kind == "rpi5-pmic")
        #expect(all["jetson-orin-nano"]!.power.sources.first?.rails == ["VDD_IN"])
        #if arch(x86_64)
        #expect(try BoardConfigLoader.choose(name: nil, directory: Self.repoConfigs, deviceTreeModel: nil).name == "generic-x86")
        #endif
        #expect(throws: BoardConfigError.self) { try BoardConfigLoader.choose(name: "rpi9", directory: Self.repoConfigs, deviceTreeModel: nil) }
    }

    static let minimal = """
        description = "test"
        [cpu]
        cores = [0]
        threads = 1
        thermal_zones = []
        [power]
        idle_w = 1.0
        active_core_w = 0.5
        sample_hz = 100
        sources = [{ kind = "estimate" }]
        """

    func error(_ text: String) -> String {
        do { _ = try BoardConfigLoader.parse(text, name: "t"); return "" } catch { return error.description }
    }

    @Test("a bad key, type or value is an error that names it")
    func errors() throws {
        #expect(try BoardConfigLoader.parse(Self.minimal, name: "t").power.sample_hz == 100)
        #expect(error("colour = 1\n" + Self.minimal).contains("unknown key 'colour' (known in the top level"))
        #expect(error(Self.minimal + "\ncolour = 1").contains("unknown key 'power.colour' (known in [power]"))
        #expect(error(Self.minimal.replacingOccurrences(of: "idle_w", with: "idle_watts")).contains("unknown key 'power.idle_watts'"))
        #expect(error(Self.minimal.replacingOccurrences(of: "{ kind = \"estimate\" }", with: "{ kind = \"estimate\", pth = \"/x\" }"))
            .contains("unknown key 'power.sources.pth'"))
        #expect(error(Self.minimal.replacingOccurrences(of: "threads = 1", with: "threads = \"four\"")).contains("cpu.threads"))
        #expect(error(Self.minimal.replacingOccurrences(of: "threads = 1", with: "threads = 0")).contains("cpu.threads = 0"))
        #expect(error(Self.minimal.replacingOccurrences(of: "sample_hz = 100", with: "")).contains("missing key 'power.sample_hz'"))
        #expect(try BoardConfigLoader.parse(Self.minimal, name: "t").power.idle_sample_hz == 2, "the default")
        #expect(try BoardConfigLoader.parse(Self.minimal.replacingOccurrences(of: "sample_hz = 100", with: "sample_hz = 100\nidle_sample_hz = 0.5"),
                                            name: "t").power.idle_sample_hz == 0.5)
        #expect(error(Self.minimal.replacingOccurrences(of: "sample_hz = 100", with: "sample_hz = 100\nidle_sample_hz = 500"))
            .contains("power.idle_sample_hz = 500.0 must be > 0 and at most sample_hz (100.0)"))
        #expect(error(Self.minimal.replacingOccurrences(of: "\"estimate\"", with: "\"ina999\"")).contains("kind 'ina999'"))
        #expect(error(Self.minimal.replacingOccurrences(of: "{ kind = \"estimate\" }", with: "{ kind = \"rapl\" }"))
            .contains("needs path or device_name"))
        #expect(error(Self.minimal + "\n[gpio]\nchip = \"c\"\nresult_lines = [1, 1]").contains("result_lines has a line twice"))
        #expect(error("description = ").contains("not valid TOML"))
    }

    @Test("device-tree model: trailing NUL dropped, absent without a device tree")
    func deviceTree() throws {
        let f = try SysfsFixture()
        #expect(BoardConfigLoader.deviceTreeModel(root: f.root) == nil)
        let path = f.root + "/proc/device-tree/model"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data("Raspberry Pi 5 Model B Rev 1.0".utf8) + Data([0]))
        #expect(BoardConfigLoader.deviceTreeModel(root: f.root) == "Raspberry Pi 5 Model B Rev 1.0")
    }
}
