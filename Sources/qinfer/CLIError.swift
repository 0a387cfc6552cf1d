/// A failure while doing the work (bad model, bad input), as opposed to bad arguments: printed as
/// "Error: …" without the usage text ArgumentParser adds to a ValidationError.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
