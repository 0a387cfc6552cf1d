import QInferProtocol

extension ModelInfo {
    /// "pn: active 7, previous 8", printed after activate and rollback.
    func activeLine(_ what: String) -> String {
        "\(name): \(what) \(activeVersion ?? "none")" + (previousVersion.map { ", previous \($0)" } ?? "")
    }
}
