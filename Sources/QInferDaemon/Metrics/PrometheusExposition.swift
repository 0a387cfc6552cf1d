import QInferProtocol

/// The text GET /metrics answers with, in base units (seconds, joules, watts, hertz), counters ending in `_total`,
/// latency and energy as classic histograms (BucketLayout), per-model series labelled with the serving version.
/// docs/API.md lists every family.
struct PrometheusExposition {
    struct Build {
        var version: String
        /// The kernel ISA the engine dispatches to (qk_isa_name), "none" when none can be selected.
        var isa: String
        /// The board config's name, "none" without one.
        var board: String
    }

    var build: Build
    var queueDepth: Int
    var inFlight: Int
    var requests: MetricsSnapshot
    var board: BoardStatus?

    var text: String {
        var w = ExpositionWriter()
        w.family("qinferd_build_info", .gauge,
                 "Always 1: the qinferd version, the kernel ISA its engine dispatches to and the board config in use.")
        w.sample("qinferd_build_info", [("version", build.version), ("isa", build.isa), ("board", build.board)], value: 1)
        w.family("qinferd_queue_depth", .gauge, "Inference jobs waiting for a worker or running on one.")
        w.sample("qinferd_queue_depth", [], value: Double(queueDepth))
        w.family("qinferd_requests_in_flight", .gauge,
                 "HTTP requests on the API socket received and not yet answered (a scrape of /v1/metrics counts itself).")
        w.sample("qinferd_requests_in_flight", [], value: Double(inFlight))
        writeRequests(&w)
        if let board { writeBoard(&w, board) }
        return w.text
    }

    private func writeRequests(_ w: inout ExpositionWriter) {
        let served = requests.served
        func labels(_ key: ServedKey) -> [(String, String)] { [("model", key.model), ("version", key.version)] }

        w.family("qinferd_requests_total", .counter, "Inference requests answered, by model and the version that served them.")
        for (key, s) in served { w.sample("qinferd_requests_total", labels(key), count: s.requests) }
        w.family("qinferd_request_errors_total", .counter,
                 "Inference requests for a model that failed (bad input, deadline passed in the queue, engine error).")
        for (model, errors) in requests.errors { w.sample("qinferd_request_errors_total", [("model", model)], count: UInt64(errors)) }
        w.family("qinferd_rejected_total", .counter, "Requests refused because the queue or the connection limit was full.")
        w.sample("qinferd_rejected_total", [], count: UInt64(requests.rejected))

        w.family("qinferd_request_duration_seconds", .histogram,
                 "End-to-end latency of answered inference requests, from arrival to answer.")
        for (key, s) in served { w.histogram("qinferd_request_duration_seconds", labels(key), s.latency) }
        w.family("qinferd_request_phase_seconds_total", .counter,
                 "Time answered requests spent per phase: queue (waiting for a worker), preprocess (decoding and "
                     + "preparing the input), compute (the engine).")
        for (key, s) in served {
            for (phase, seconds) in s.phaseSeconds {
                w.sample("qinferd_request_phase_seconds_total", labels(key) + [("phase", phase)], value: seconds)
            }
        }

        let measured = served.filter { $0.series.energy.count > 0 }
        guard !measured.isEmpty else { return }
        w.family("qinferd_inference_energy_joules", .histogram,
                 "Energy of each inference's compute window (the power source is on qinferd_power_watts).")
        for (key, s) in measured { w.histogram("qinferd_inference_energy_joules", labels(key), s.energy) }
        w.family("qinferd_inference_energy_above_idle_joules_total", .counter,
                 "Energy above the board's idle power over the inferences' compute windows.")
        for (key, s) in measured { w.sample("qinferd_inference_energy_above_idle_joules_total", labels(key), value: s.joulesAboveIdle) }
    }

    private func writeBoard(_ w: inout ExpositionWriter, _ board: BoardStatus) {
        let name = [("board", board.board)]
        if let watts = board.powerWatts {
            w.family("qinferd_power_watts", .gauge, "The board's latest power reading, and where it comes from.")
            w.sample("qinferd_power_watts", name + [("source", board.powerSource ?? ""), ("estimated", "\(board.estimated)")], value: watts)
        }
        if let celsius = board.state.temperatureC {
            w.family("qinferd_cpu_temperature_celsius", .gauge, "The hottest of the board's configured thermal zones.")
            w.sample("qinferd_cpu_temperature_celsius", name, value: celsius)
        }
        if let mhz = board.state.cpuMHz {
            w.family("qinferd_cpu_frequency_hertz", .gauge, "The CPU clock (cpufreq scaling_cur_freq).")
            w.sample("qinferd_cpu_frequency_hertz", name, value: (mhz * 1e6).rounded())
        }
        if let throttled = board.state.throttled {
            w.family("qinferd_throttled", .gauge,
                     "1 while the CPU runs below its maximum clock or the firmware reports throttling, else 0.")
            w.sample("qinferd_throttled", name, value: throttled ? 1 : 0)
        }
    }
}
