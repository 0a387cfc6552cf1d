import ArgumentParser
import QInferProtocol

/// Refuses a model name or version the API would refuse, before anything is sent (they are path segments).
func validateName(_ value: String, _ what: String) throws {
    guard APIPaths.isValidName(value) else {
        throw ValidationError("\(what) '\(value)' is not valid (1–64 of A–Z a–z 0–9 . _ -, not starting with . or -)")
    }
}
