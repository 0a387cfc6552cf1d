// `qinfer models [NAME]`: the served models, or one model's versions.
import ArgumentParser
import QInferClient
import QInferProtocol

struct DaemonModels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List the models a running qinferd serves, or the versions of one.")

    @Argument(help: "A model name: list its versions.") var name: String?
    @OptionGroup var daemon: DaemonOptions

    func validate() throws { if let name { try validateName(name, "model name") } }

    func run() throws {
        try daemon.perform { client in
            if let name {
                let (info, response) = try client.call(ModelInfo.self, DaemonRequest(.GET, APIPaths.model(name)))
                print(daemon.json ? response.text : Self.versions(info))
            } else {
                let (list, response) = try client.call(ModelList.self, DaemonRequest(.GET, APIPaths.models))
                print(daemon.json ? response.text : Self.models(list))
            }
        }
    }

    static func versions(_ info: ModelInfo) -> String {
        var table = TextTable([.init(title: "VERSION", alignment: .left), .init(title: "ACTIVE", alignment: .left),
                               .init(title: "TASK", alignment: .left), .init(title: "INPUT", alignment: .left),
                               .init(title: "LABELS", alignment: .right), .init(title: "SIZE", alignment: .right),
                               .init(title: "SHA256", alignment: .left), .init(title: "SOURCE", alignment: .left)])
        for v in info.versions {
            table.append([v.version, v.active ? "*" : "", v.task, shapeText(v.inputShape), "\(v.labels)", byteCount(v.bytes),
                          String(v.sha256.prefix(12)), v.source])
        }
        return "\(info.name): active \(info.activeVersion ?? "none")"
            + (info.previousVersion.map { ", previous \($0) (qinfer rollback \(info.name))" } ?? "") + "\n" + table.render()
    }

    static func models(_ list: ModelList) -> String {
        if list.models.isEmpty { return "qinferd serves no model (qinfer push FILE.qpack --name NAME)" }
        var table = TextTable([.init(title: "NAME", alignment: .left), .init(title: "ACTIVE", alignment: .left),
                               .init(title: "PREVIOUS", alignment: .left), .init(title: "VERSIONS", alignment: .left),
                               .init(title: "TASK", alignment: .left), .init(title: "INPUT", alignment: .left),
                               .init(title: "SOURCE", alignment: .left)])
        for m in list.models {
            let active = m.versions.first { $0.active } ?? m.versions.last
            table.append([m.name, m.activeVersion ?? "-", m.previousVersion ?? "-", m.versions.map(\.version).joined(separator: ","),
                          active?.task ?? "-", active.map { shapeText($0.inputShape) } ?? "-", active?.source ?? "-"])
        }
        return table.render()
    }

    /// "64×3".
    private static func shapeText(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }
}
