import Foundation
import Testing
@testable import QInferSensors
import QInferTestSupport

@Suite("thermal, clock and throttling")
struct ThermalReaderTests {
    func cpu(_ throttled: String?) -> BoardConfig.CPU {
        BoardConfig.CPU(cores: [0], threads: 1, cpufreq: "/sys/devices/system/cpu/cpufreq/policy0",
                        thermal_zones: ["/sys/class/thermal/thermal_zone0", "/sys/class/thermal/thermal_zone1"], throttled: throttled)
    }

    @Test("hottest zone, clock against its maximum, Pi firmware bits")
    func read() throws {
        let f = try SysfsFixture()
        f.write("/sys/class/thermal/thermal_zone0/temp", "48312")
        f.write("/sys/class/thermal/thermal_zone1/temp", "51000")
        f.write("/sys/devices/system/cpu/cpufreq/policy0/scaling_cur_freq", "1800000")
        f.write("/sys/devices/system/cpu/cpufreq/policy0/cpuinfo_max_freq", "1800000")
        var s = ThermalReader(files: f.files, cpu: cpu(nil)).read()
        #expect(s.temperatureC == 51 && s.frequencyMHz == 1800 && s.maxFrequencyMHz == 1800 && s.throttled == false && s.reason == nil)
        f.write("/sys/devices/system/cpu/cpufreq/policy0/scaling_cur_freq", "600000")
        s = ThermalReader(files: f.files, cpu: cpu(nil)).read()
        #expect(s.throttled == true && s.reason == "cpufreq 600 of 1800 MHz")
        f.write("/sys/devices/system/cpu/cpufreq/policy0/scaling_cur_freq", "1800000")
        f.write("/fw/get_throttled", "0x50005")
        s = ThermalReader(files: f.files, cpu: cpu("/fw/get_throttled")).read()
        #expect(s.throttled == true && s.reason == "firmware: under-voltage, throttled")
        f.write("/fw/get_throttled", "0x50000") // only the since-boot bits
        s = ThermalReader(files: f.files, cpu: cpu("/fw/get_throttled")).read()
        #expect(s.throttled == false && s.reason == nil)
        let bare = ThermalReader(files: SysfsFiles(root: f.root + "/nothing"), cpu: cpu(nil)).read()
        #expect(bare == ThermalState())
    }
}

@Suite("thermal monitor")
struct ThermalMonitorTests {
    let cpu = BoardConfig.CPU(cores: [0], threads: 1, cpufreq: nil, thermal_zones: ["/sys/class/thermal/thermal_zone0"],
                              throttled: nil)

    @Test("reads at start, then only when refreshed: answers never read the files")
    func refreshOnly() throws {
        let f = try SysfsFixture()
        f.write("/sys/class/thermal/thermal_zone0/temp", "45000")
        let monitor = ThermalMonitor(reader: ThermalReader(files: f.files, cpu: cpu))
        #expect(monitor.latest.temperatureC == 45)
        f.write("/sys/class/thermal/thermal_zone0/temp", "70500")
        #expect(monitor.latest.temperatureC == 45)
        monitor.refresh()
        #expect(monitor.latest.temperatureC == 70.5)
    }

    @Test("its thread follows the files until stopped")
    func thread() async throws {
        let f = try SysfsFixture()
        f.write("/sys/class/thermal/thermal_zone0/temp", "45000")
        let monitor = ThermalMonitor(reader: ThermalReader(files: f.files, cpu: cpu), interval: .milliseconds(10))
        monitor.start()
        f.write("/sys/class/thermal/thermal_zone0/temp", "81000")
        let deadline = ContinuousClock.now + .seconds(5)
        while monitor.latest.temperatureC != 81 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(monitor.latest.temperatureC == 81)
        monitor.stop()
        try await Task.sleep(for: .milliseconds(50)) // past the last sleep of the thread
        f.write("/sys/class/thermal/thermal_zone0/temp", "30000")
        try await Task.sleep(for: .milliseconds(100))
        #expect(monitor.latest.temperatureC == 81)
    }
}
