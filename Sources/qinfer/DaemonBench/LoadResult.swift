import Histogram
import QInferProtocol

/// What a load run measured: counts, the client's round trips and the daemon's own telemetry per answer, µs.
struct LoadResult {
    var requests = 0
    var failures = 0
    /// The first failure's status and body, for the error message.
    var firstFailure: String?
    var seconds = 0.0
    /// Client-side round trip.
    var roundTrip = Self.histogram()
    /// The daemon's telemetry (infer requests only): compute, time queued for a worker, decoding and preprocessing,
    /// and its total.
    var compute = Self.histogram()
    var queue = Self.histogram()
    var preprocess = Self.histogram()
    var serverTotal = Self.histogram()
    /// Each answer's round trip minus its own compute time: socket, HTTP, JSON, queue and preprocessing.
    var overhead = Self.histogram()

    var requestsPerSecond: Double { seconds > 0 ? Double(requests) / seconds : 0 }

    /// Up to a minute, three significant digits.
    private static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    }

    mutating func record(_ t: Telemetry, roundTrip: Duration) {
        _ = overhead.record(UInt64(max(roundTrip.wholeMicroseconds - t.computeMicros, 0)))
        _ = compute.record(UInt64(max(t.computeMicros, 0)))
        _ = queue.record(UInt64(max(t.queueMicros, 0)))
        _ = preprocess.record(UInt64(max(t.preprocessMicros, 0)))
        _ = serverTotal.record(UInt64(max(t.totalMicros, 0)))
    }

    mutating func add(_ other: LoadResult) {
        requests += other.requests
        failures += other.failures
        firstFailure = firstFailure ?? other.firstFailure
        roundTrip.add(other.roundTrip)
        compute.add(other.compute)
        queue.add(other.queue)
        preprocess.add(other.preprocess)
        serverTotal.add(other.serverTotal)
        overhead.add(other.overhead)
    }
}
