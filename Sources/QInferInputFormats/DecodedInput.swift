/// What an input file decoded to; the engine picks the preprocessing from the case.
public enum DecodedInput: Equatable, Sendable {
    case pointCloud(PointCloud)
    case frame(Frame)
    case tensor(Tensor)
}
