import QInferProtocol

/// Where an answer goes besides its caller: the event stream and the board's result lines. HTTP requests and the
/// GPIO trigger use both; a live source chooses (`results`) and names itself in its event lines.
public struct ResultDelivery: Sendable, Equatable {
    public var events: Bool
    public var gpio: Bool
    public var source: SourceMark?

    public init(events: Bool, gpio: Bool, source: SourceMark? = nil) {
        self.events = events; self.gpio = gpio; self.source = source
    }

    public static let everywhere = ResultDelivery(events: true, gpio: true)
}
