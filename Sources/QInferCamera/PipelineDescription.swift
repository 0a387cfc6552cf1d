import Foundation

/// Where the frames leave a user's pipeline description: an appsink named `CameraPipeline.sinkName`, either written
/// by the user (to set its properties) or appended here.
enum PipelineDescription {
    /// The description with our appsink at its end (what PipelineParts tries first).
    static func withAppendedSink(_ description: String) -> String {
        "\(description) ! appsink name=\(CameraPipeline.sinkName)"
    }

    /// The description is checked for the obvious before GStreamer sees it, so those mistakes read as ours.
    static func validate(_ description: String) throws(CameraError) {
        let trimmed = description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw CameraError(.invalidDescription, "the pipeline description is empty") }
        guard !trimmed.hasSuffix("!") else {
            throw CameraError(.invalidDescription, "the pipeline description '\(trimmed)' ends in '!': leave the end open, "
                              + "the appsink '\(CameraPipeline.sinkName)' is appended")
        }
    }
}
