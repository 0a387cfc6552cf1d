// swift-tools-version:6.0
// qinferd: binarized neural network inference for ARM Linux boards.
// Targets whose issues come later (Model, Engine, ONNX, Board, Protocol, qinferd) are added with them;
// dependencies flow one way: executables → engine/protocol/board → model → kernels.
import PackageDescription

let package = Package(
    name: "qinferd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "qinfer", targets: ["qinfer"]),
        .executable(name: "qinferd", targets: ["qinferd"]),
        .library(name: "QInferKernels", targets: ["QInferKernels"]),
        // Used by tools/fuzz, a separate package so the main build never links libFuzzer.
        .library(name: "QInferModel", targets: ["QInferModel"]),
        .library(name: "QInferRandom", targets: ["QInferRandom"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // Hot loops only: bit-packing, binary GEMM/conv, output transforms. One file per family and ISA.
        .target(
            name: "QInferKernels",
            cSettings: [.unsafeFlags(["-std=c11", "-ffp-contract=off"])],
            linkerSettings: [.linkedLibrary("pthread")]
        ),
        // Benchmark-only C: roofline loops and the FP32 peer. Kept out of QInferKernels so the daemon never links it.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        // No auto-vectorization: the scalar and popcnt rooflines must stay on general registers to be those ISAs'
        // ceilings (clang's SLP vectorizer packs their independent chains into SSE2/NEON otherwise).
        .target(
            name: "QInferKernelBench",
            dependencies: ["QInferKernels", "CBLAS"],
            cSettings: [.unsafeFlags(["-std=c11", "-ffp-contract=off", "-fno-vectorize", "-fno-slp-vectorize"])]
        ),
        .executableTarget(
            name: "qinfer",
            dependencies: [
                "QInferKernels", "QInferKernelBench", "QInferModel", "QInferEngine", "QInferInputFormats", "QInferONNX", "QInferProtocol",
                "QInferRandom",
                // The speedup report: its data model and report.md, chart.svg, report.json (`bench speedup --report`).
                "QInferReport",
                // The board's power, thermal state and config for `qinfer bench speedup` (no libsystemd, no libgpiod).
                "QInferSensors",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The daemon client (models, infer, push, events, bench daemon); `bench daemon`'s load generator runs its
                // keep-alive connections on an event loop group of its own.
                "QInferClient",
                // keygen and sign: key files and signing a .qpack.
                "QInferSigning",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                // Latency percentiles of `qinfer bench daemon`.
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // The .qpack format: writer, validating reader over a read-only mapping, metadata, graph IR.
        .target(
            name: "QInferModel",
            dependencies: ["QInferKernels", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Model signing's key files (Ed25519 public key lines, PKCS#8 private keys, the daemon's trusted-key directory) and
        // the signer; the signature slot itself is QInferModel's (SignatureSlot), since the reader checks it.
        .target(name: "QInferSigning", dependencies: ["QInferModel", .product(name: "Crypto", package: "swift-crypto")]),
        // Input files for `qinfer run` and the infer endpoint (npy, f32, xyz/pts, ply, pcd, pgm/ppm, png) → plain values.
        .target(name: "QInferInputFormats", dependencies: ["CPNG"]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        // Execution plans over one arena, preprocessing.
        .target(name: "QInferEngine", dependencies: ["QInferModel", "QInferKernels", "QInferInputFormats"]),
        // The seeded generator behind every reproducible random input (CLI, tests, fuzz harness); depends on nothing.
        .target(name: "QInferRandom"),
        // `qinfer bench speedup`'s report: the data model and its three renderings (report.md, chart.svg, report.json),
        // written atomically. A library rather than part of qinfer so the tests can import it; Foundation and AtomicFile only.
        .target(name: "QInferReport", dependencies: ["QInferModel"]),
        .testTarget(name: "QInferKernelsTests", dependencies: ["QInferKernels", "QInferRandom"]),
        .testTarget(name: "QInferEngineTests",
                    dependencies: ["QInferEngine", "QInferModel", "QInferKernels", "CHeapStats", "QInferTestSupport",
                                   "QInferRandom"]),
        .testTarget(name: "QInferCLITests",
                    dependencies: ["QInferReport", "QInferEngine", "QInferModel", "QInferInputFormats", "QInferTestSupport", "QInferRandom", "CPNG", "QInferONNX",
                                   "QInferSigning", .product(name: "Crypto", package: "swift-crypto"),
                                   .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Test-only Swift: random models of both families, writers for every input file format, and the float
        // reference executor the engine is tested against (kept out of the shipped binaries).
        .target(name: "QInferTestSupport", dependencies: ["QInferModel", "QInferKernels", "QInferRandom", "QInferInputFormats", "CPNG",
                                                         "QInferEngine"],
                path: "Tests/QInferTestSupport"),
        .testTarget(name: "QInferInputFormatsTests", dependencies: ["QInferInputFormats", "QInferRandom", "CPNG"]),
        .testTarget(name: "QInferModelTests", dependencies: ["QInferModel", "QInferKernels", "CHeapStats",
                                                           .product(name: "Crypto", package: "swift-crypto")]),
        // ONNX import; Generated/ holds the committed protobuf types (tools/onnx/regenerate-onnx-swift.sh).
        .target(name: "QInferONNX", dependencies: ["QInferModel", "QInferKernels", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .testTarget(name: "QInferONNXTests",
                    dependencies: ["QInferONNX", "QInferModel", "QInferEngine", "QInferInputFormats", "QInferKernels",
                                   "QInferRandom", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                    exclude: ["Fixtures"]),
        // The socket API's wire types, paths and error codes, shared by the daemon and the CLI (knows no engine).
        // Owns the wire codec too (content types, X-Input-Format, X-Tensor-Shape, query options → one typed request), so it
        // names the input formats; the decoding itself runs where the request is served.
        .target(name: "QInferProtocol", dependencies: ["QInferInputFormats"]),
        // qinferd's client: HTTP/1.1 over its Unix socket (blocking requests, newline-delimited streams, keep-alive
        // connections for load), with the socket resolution and connect errors said once. Connecting is one protocol
        // (DaemonTransport) so another transport (ssh dial-stdio) can slide in under it.
        .target(name: "QInferClient", dependencies: [
            "QInferProtocol",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // Against a small NIO server in the test process and real socket paths: connect errors, error bodies, streams.
        .testTarget(name: "QInferClientTests", dependencies: [
            "QInferClient", "QInferProtocol", "QInferInputFormats", "QInferTestSupport",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // The daemon's parts as a library: model store, scheduler, statistics, HTTP over the Unix socket.
        .target(name: "QInferDaemon", dependencies: [
            "QInferEngine", "QInferModel", "QInferInputFormats", "QInferKernels", "QInferProtocol",
            // Trusted keys for signed uploads.
            "QInferSigning",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .executableTarget(name: "qinferd", dependencies: [
            "QInferDaemon", "QInferProtocol", "QInferBoard", "QInferSensors", .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log"),
            // kind = "camera" sources (CameraSource, registered with LiveSources): links GStreamer into qinferd only.
            "QInferCamera", "QInferModel",
        ]),
        // libsystemd (sd_notify, sd_listen_fds, sd_watchdog_enabled, sd_journal_sendv): module map only, Linux only.
        .systemLibrary(name: "CSystemd", path: "Sources/CSystemd", pkgConfig: "libsystemd",
                       providers: [.apt(["libsystemd-dev"])]),
        // libgpiod 1.6 (Debian bookworm's v1 API): module map only, Linux only.
        .systemLibrary(name: "CGPIOD", path: "Sources/CGPIOD", pkgConfig: "libgpiod",
                       providers: [.apt(["libgpiod-dev"])]),
        // Plain sysfs, /proc and firmware readers both executables link: Config/ (board configs in TOML), Telemetry/
        // (power and energy sources, the CPU-time counters and estimate, thermal, cpufreq, the sampler). No libsystemd,
        // no libgpiod, so `qinfer` can read a board's power without them.
        // QInferModel for Duration.seconds only, written once there for every module (a downward edge: board → model).
        .target(name: "QInferSensors", dependencies: ["QInferModel", .product(name: "TOMLKit", package: "TOMLKit")]),
        // qinferd's board support: Systemd/ (notify, watchdog, socket activation, socket binding, journald), GPIO/
        // (libgpiod) and BoardRuntime, which runs the sensors around inferences.
        .target(name: "QInferBoard", dependencies: [
            .target(name: "CSystemd", condition: .when(platforms: [.linux])),
            .target(name: "CGPIOD", condition: .when(platforms: [.linux])),
            // BoardRuntime reports in the API's telemetry types.
            "QInferProtocol", "QInferSensors",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The built qinferd and qinfer on real sockets: every endpoint, hot swaps under load, kill -9, quarantine, bad
        // requests, a second uid, sd_notify, socket activation, draining. Needs `swift build` output next to the bundle.
        .testTarget(name: "IntegrationTests",
                    dependencies: ["QInferProtocol", "QInferTestSupport", "QInferModel", "QInferEngine", "QInferInputFormats",
                                   "QInferRandom", .product(name: "Crypto", package: "swift-crypto")]),
        // The daemon in-process with a board runtime on fixture sysfs and in-memory GPIO: busy line, result lines and
        // trigger edges against real inferences.
        .testTarget(name: "QInferDaemonTests",
                    dependencies: ["QInferDaemon", "QInferBoard", "QInferSensors", "QInferProtocol", "QInferTestSupport", "QInferRandom",
                                   // The /v2 tests read the shipped test sets and preprocess a frame as the engine does.
                                   "QInferInputFormats", "QInferModel", "QInferEngine",
                                   // A signed upload among the OpenAPI samples (the signer field, bad_signature).
                                   "QInferSigning", .product(name: "Crypto", package: "swift-crypto"),
                                   .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "QInferBoardTests",
                    dependencies: ["QInferBoard", "QInferProtocol", "QInferTestSupport", .product(name: "Logging", package: "swift-log")]),
        // Sensors on fixture sysfs and /proc trees: board configs, power sources, CPU-time counters, the sampler, thermal.
        .testTarget(name: "QInferSensorsTests", dependencies: ["QInferSensors", "QInferTestSupport"]),
        // Test helper for QInferBoardTests: a process that inherits LISTEN_FDS sockets or bootstraps logging.
        .executableTarget(name: "qinferd-activation-probe",
                          dependencies: ["QInferBoard", .product(name: "Logging", package: "swift-log")],
                          path: "Tests/ActivationProbe"),
        // Test-only C: heap statistics for the "loading allocates little" and "no allocation per inference" tests.
        .target(name: "CHeapStats", path: "Tests/CHeapStats"),
        // GStreamer 1.x (core, app, base, video): module map and a shim of static inline helpers for what Swift cannot
        // call (variadics, GLib macros). Debian: libgstreamer1.0-dev, libgstreamer-plugins-base1.0-dev.
        .systemLibrary(name: "CGStreamer", path: "Sources/CGStreamer", pkgConfig: "gstreamer-app-1.0",
                       providers: [.apt(["libgstreamer1.0-dev", "libgstreamer-plugins-base1.0-dev"])]),
        // Camera frames through a GStreamer pipeline ending in an appsink (issue 21), converted to a model's input by
        // the engine's own preprocessing. Linked by qinferd (camera sources), not by qinfer or QInferDaemon.
        .target(name: "QInferCamera", dependencies: [
            "CGStreamer", "QInferEngine", "QInferInputFormats", "QInferModel",
        ]),
        // Real pipelines (videotestsrc, PNG sequences through pngdec) into the shipped IR-Net; needs gstreamer1.0-plugins-base
        // and -good.
        .testTarget(name: "QInferCameraTests",
                    dependencies: ["QInferCamera", "QInferEngine", "QInferModel", "QInferInputFormats", "QInferTestSupport",
                                   "CGStreamer"]),
    ]
)
