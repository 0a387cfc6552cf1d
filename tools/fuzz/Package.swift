// swift-tools-version:6.0
// libFuzzer harness for the .qpack reader (tools/fuzz/README.md). A package of its own so that the main package's
// plain `swift build` never sees an executable without a main or the sanitizer flags the harness needs.
import PackageDescription

let package = Package(
    name: "qpack-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "qinferd", path: "../.."),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // The libFuzzer target; build it with -sanitize=fuzzer and -parse-as-library (run-qpack-fuzz.sh).
        .executableTarget(
            name: "QPackFuzz",
            dependencies: [
                "CLibFuzzerDriver", "QPackReseal", .product(name: "QInferModel", package: "qinferd"),
                // Each mutation's choices come from the seed libFuzzer hands it, so runs replay.
                .product(name: "QInferRandom", package: "qinferd"),
            ]
        ),
        // Declarations of the libFuzzer functions QPackFuzz calls (its driver and its built-in mutations).
        .target(name: "CLibFuzzerDriver"),
        // Writes the seed corpus (small valid models covering every op and both binary output kinds); also reseals
        // a finding's checksum so it reproduces outside the harness.
        .executableTarget(
            name: "QPackSeeds",
            dependencies: ["QPackReseal", .product(name: "QInferModel", package: "qinferd")]
        ),
        // The checksum rewrite shared by both: the harness uses it to get mutated inputs past the SHA-256 check.
        .target(
            name: "QPackReseal",
            dependencies: [
                .product(name: "QInferModel", package: "qinferd"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
