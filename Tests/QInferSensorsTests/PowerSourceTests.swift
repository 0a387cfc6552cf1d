import Foundation
import Synchronization
import Testing
@testable import QInferSensors
import QInferTestSupport

@Suite("power sources on fixture sysfs trees")
struct PowerSourceTests {
    func watts(_ source: any PowerSource) throws -> Double {
        guard case .watts(let w) = try source.read() else { throw TestFailure("\(source.label) gave no watts") }
        return w
    }

    @Test("INA3221 through hwmon (JetPack 5): V × I per labelled rail, listed rails summed, values changing underneath")
    func ina3221Hwmon() throws {
        let f = try SysfsFixture()
        let dir = "/sys/bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3"
        f.write("/sys/class/hwmon/hwmon3/name", "ina3221") // the class link, by name
        for (n, label) in [(1, "VDD_IN"), (2, "VDD_CPU_GPU_CV"), (3, "VDD_SOC")] { f.write("\(dir)/in\(n)_label", label) }
        @Sendable func set(_ mA: Int) {
            f.write("\(dir)/in1_input", "5080"); f.write("\(dir)/curr1_input", "\(mA)")
            f.write("\(dir)/in2_input", "5072"); f.write("\(dir)/curr2_input", "400")
            f.write("\(dir)/in3_input", "5064"); f.write("\(dir)/curr3_input", "300")
        }
        set(1000)
        let total = try INA3221HwmonSource(files: f.files, directory: dir, rails: ["VDD_IN"])
        #expect(abs(try watts(total) - 5.08) < 1e-9)
        let compute = try INA3221HwmonSource(files: f.files, directory: dir, rails: ["VDD_CPU_GPU_CV", "VDD_SOC"])
        #expect(abs(try watts(compute) - (5.072 * 0.4 + 5.064 * 0.3)) < 1e-9)
        // A writer changes the current while we read: every reading is one of the values written.
        let step = Atomic<Int>(0)
        let writer = FixtureWriter(interval: .milliseconds(1)) { _ in set(1000 + 10 * (step.add(1, ordering: .relaxed).newValue % 50)) }
        for _ in 0..<200 {
            let w = try watts(total)
            let mA = (w / 5.08 * 1000).rounded()
            #expect(mA >= 1000 && mA <= 1490 && Int(mA) % 10 == 0, "\(w)")
        }
        writer.stop()
        #expect(throws: PowerSourceError.self) { try INA3221HwmonSource(files: f.files, directory: dir, rails: ["VDD_GPU"]) }
        #expect(throws: PowerSourceError.self) { try INA3221HwmonSource(files: f.files, directory: "/sys/class/hwmon/nothing", rails: []) }
        // Found by name through the factory.
        let config = try BoardConfigLoader.parse(BoardConfigTests.minimal.replacingOccurrences(
            of: "{ kind = \"estimate\" }", with: "{ kind = \"ina3221-hwmon\", device_name = \"ina3221\", rails = [\"VDD_IN\"] }"), name: "t")
        f.write("/sys/class/hwmon/hwmon3/in1_label", "VDD_IN"); f.write("/sys/class/hwmon/hwmon3/in1_input", "5000")
        f.write("/sys/class/hwmon/hwmon3/curr1_input", "2000")
        let made = PowerSourceFactory.make(config, files: f.files, estimateCounter: .thisProcess)
        #expect(made.source?.label.contains("/sys/class/hwmon/hwmon3") == true, "\(made.skipped)")
        #expect(abs(try watts(try #require(made.source)) - 10) < 1e-9)
    }

    @Test("INA3221 through iio (JetPack 4): rail_name_N and in_powerN_input in mW")
    func ina3221IIO() throws {
        let f = try SysfsFixture()
        let dir = "/sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0"
        for (n, name, mW) in [(0, "POM_5V_IN", 2345), (1, "POM_5V_GPU", 120), (2, "POM_5V_CPU", 870)] {
            f.write("\(dir)/rail_name_\(n)", name)
            f.write("\(dir)/in_power\(n)_input", "\(mW)")
        }
        #expect(abs(try watts(try INA3221IIOSource(files: f.files, directory: dir, rails: ["POM_5V_IN"])) - 2.345) < 1e-9)
        #expect(abs(try watts(try INA3221IIOSource(files: f.files, directory: dir, rails: ["POM_5V_GPU", "POM_5V_CPU"])) - 0.99) < 1e-9)
        f.write("\(dir)/in_power0_input", "3000")
        #expect(abs(try watts(try INA3221IIOSource(files: f.files, directory: dir, rails: ["POM_5V_IN"])) - 3) < 1e-9)
        #expect(throws: PowerSourceError.self) { try INA3221IIOSource(files: f.files, directory: dir, rails: ["VDD_IN"]) }
    }

    @Test("INA219/INA226 through hwmon: power1_input in µW")
    func ina2xx() throws {
        let f = try SysfsFixture()
        f.write("/sys/class/hwmon/hwmon2/name", "ina219")
        f.write("/sys/class/hwmon/hwmon2/power1_input", "3450000")
        let s = try INA2xxHwmonSource(files: f.files, directory: "/sys/class/hwmon/hwmon2")
        #expect(abs(try watts(s) - 3.45) < 1e-9)
        f.write("/sys/class/hwmon/hwmon2/power1_input", "not a number")
        #expect(throws: PowerSourceError.self) { try s.read() }
        #expect(throws: PowerSourceError.self) { try INA2xxHwmonSource(files: f.files, directory: "/sys/class/hwmon/hwmon9") }
    }

    static let pmicOutput = """
             3V7_WL_SW_A current(0)=0.00000000A
               3V3_SYS_A current(1)=0.05172429A
               1V8_SYS_A current(2)=0.16787500A
              DDR_VDD2_A current(3)=0.02049000A
                  DDR_VDDQ_A current(4)=0.00000000A
                 1V1_SYS_A current(5)=0.18642000A
                 0V8_SW_A current(6)=0.33966000A
                VDD_CORE_A current(7)=0.74501000A
             3V7_WL_SW_V volt(8)=3.74383500V
               3V3_SYS_V volt(9)=3.31291200V
               1V8_SYS_V volt(10)=1.80073200V
              DDR_VDD2_V volt(11)=1.11080000V
                DDR_VDDQ_V volt(12)=0.60415300V
                 1V1_SYS_V volt(13)=1.10624000V
                 0V8_SW_V volt(14)=0.80220300V
                VDD_CORE_V volt(15)=0.86081600V
                 EXT5V_V volt(24)=5.15368400V
                  BATT_V volt(25)=0.00000000V
        """

    @Test("Raspberry Pi 5 PMIC: vcgencmd pmic_read_adc parsed, each rail A × V, run as a real command")
    func rpi5PMIC() throws {
        let readings = RPi5PMICSource.parse(Self.pmicOutput)
        #expect(readings.count == 8, "EXT5V and BATT have no current: not rails")
        #expect(abs(readings["VDD_CORE"]!.amperes - 0.74501) < 1e-12 && abs(readings["VDD_CORE"]!.volts - 0.860816) < 1e-12)
        let expected = readings.values.reduce(0) { $0 + $1.amperes * $1.volts }
        let f = try SysfsFixture()
        f.write("/pmic.txt", Self.pmicOutput)
        let source = try RPi5PMICSource(command: ["/bin/cat", f.root + "/pmic.txt"], rails: [])
        #expect(abs(try watts(source) - expected) < 1e-9)
        let core = try RPi5PMICSource(command: ["/bin/cat", f.root + "/pmic.txt"], rails: ["VDD_CORE"])
        #expect(abs(try watts(core) - 0.74501 * 0.860816) < 1e-12)
        #expect(throws: PowerSourceError.self) { try RPi5PMICSource(command: ["/bin/cat", f.root + "/pmic.txt"], rails: ["GPU"]) }
        #expect(throws: PowerSourceError.self) { try RPi5PMICSource(command: ["/nonexistent/vcgencmd"], rails: []) }
        #expect(throws: PowerSourceError.self) { try RPi5PMICSource(command: ["/bin/false"], rails: []) }
    }

    @Test("RAPL: energy_uj unwrapped across max_energy_range_uj")
    func raplWrap() throws {
        let f = try SysfsFixture()
        let zone = "/sys/class/powercap/intel-rapl:0"
        f.write("\(zone)/name", "package-0")
        f.write("\(zone)/max_energy_range_uj", "1000000")
        f.write("\(zone)/energy_uj", "900000")
        let s = try RAPLSource(files: f.files, directory: zone)
        func joules() throws -> Double {
            guard case .joules(let j) = try s.read() else { throw TestFailure("RAPL gave no joules") }
            return j
        }
        #expect(try joules() == 0)
        f.write("\(zone)/energy_uj", "950000")
        #expect(abs(try joules() - 0.05) < 1e-12)
        f.write("\(zone)/energy_uj", "20000") // wrapped: 50000 to the top, then 20000
        #expect(abs(try joules() - 0.12) < 1e-12)
        f.write("\(zone)/energy_uj", "20000")
        #expect(abs(try joules() - 0.12) < 1e-12)
        #expect(throws: PowerSourceError.self) { try RAPLSource(files: f.files, directory: "/sys/class/powercap/intel-rapl:9") }
    }

    @Test("CPU-time estimate: idle power over wall time + active power over /proc/stat busy time, as joules, labelled")
    func estimate() throws {
        let f = try SysfsFixture()
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        // user nice system idle iowait irq softirq steal
        f.write("/proc/stat", "cpu  100 0 50 1000 10 0 0 0 0 0\ncpu0 50 0 25 500 5 0 0 0 0 0\n")
        let now = Mutex(ContinuousClock.now)
        let s = try CPUTimeEstimateSource(counter: .system, files: f.files, idleWatts: 2, activeCoreWatts: 1.5,
                                          clock: { now.withLock { $0 } })
        #expect(s.isEstimate && s.label == "estimate: 2.0 W idle + 1.5 W per busy core (busy time of every CPU, /proc/stat)")
        #expect(try joules(s) == 0, "the first reading starts the count")
        // 1.5 s later, 1.5 cores' worth of busy ticks (user+system+irq+softirq+steal) and idle/iowait ticks that do not count.
        now.withLock { $0 += .milliseconds(1500) }
        let busy = Int(1.5 * 1.5 * hz)
        f.write("/proc/stat", "cpu  \(100 + busy / 2) 0 \(50 + busy - busy / 2 - 2) 9999 999 1 1 0 0 0\n")
        #expect(abs(try joules(s) - (2 * 1.5 + 1.5 * Double(busy) / hz)) < 1e-9)
        for bad in ["intr 0", "cpu  12 x 3 4 5", "cpu  12 3"] { // not the cpu line, not a number, too few fields
            f.write("/proc/stat", bad)
            let error = #expect(throws: PowerSourceError.self) { try s.read() }
            #expect(error?.description.contains(f.root + "/proc/stat") == true, "\(bad): \(String(describing: error))")
        }
    }

    func joules(_ source: any PowerSource) throws -> Double {
        guard case .joules(let j) = try source.read() else { throw TestFailure("\(source.label) gave no joules") }
        return j
    }

    @Test("the system counter parses this machine's /proc/stat, and its busy ticks only grow")
    func realProcStat() throws {
        let a = try #require(SystemCPUTime.busyTicks(SysfsFiles()))
        var x = 0.0
        for i in 0..<2_000_000 { x += Double(i).squareRoot() } // some user time
        let b = try #require(SystemCPUTime.busyTicks(SysfsFiles()))
        #expect(a > 0 && b >= a && x > 0)
    }
}
