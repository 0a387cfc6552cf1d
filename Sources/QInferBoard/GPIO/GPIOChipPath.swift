/// How libgpiod 1.6's gpiod_chip_open_lookup reads a chip description, so errors (and the in-memory backend) can
/// name the device path it ends up opening.
///
/// The rules: all digits → /dev/gpiochipN; a "/dev/…" path → that path; anything else → a chip whose label matches,
/// else /dev/<name>.
public enum GPIOChipPath {
    public enum Form: Sendable, Equatable {
        case number(UInt)
        case path
        /// "gpiochipN": a kernel chip name, not worth a label lookup in messages.
        case name
        /// Anything else: a label (e.g. "pinctrl-bcm2711") or a name under /dev.
        case labelOrName
    }

    public static func form(of chip: String) -> Form {
        if !chip.isEmpty, chip.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return .number(UInt(chip) ?? UInt.max) }
        if chip.hasPrefix("/dev/") { return .path }
        if chip.hasPrefix("gpiochip") { return .name }
        return .labelOrName
    }

    /// The device file libgpiod opens for `chip` when no chip carries it as a label.
    public static func devicePath(for chip: String) -> String {
        switch form(of: chip) {
        case .number(let number): "/dev/gpiochip\(number)"
        case .path: chip
        case .name, .labelOrName: "/dev/" + chip
        }
    }
}
