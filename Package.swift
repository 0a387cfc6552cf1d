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
        .library(name: "QInferKernels", targets: ["QInferKernels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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
        .target(
            name: "QInferKernelBench",
            dependencies: ["QInferKernels", "CBLAS"],
            cSettings: [.unsafeFlags(["-std=c11", "-ffp-contract=off"])]
        ),
        .executableTarget(
            name: "qinfer",
            dependencies: [
                "QInferKernels", "QInferKernelBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "QInferKernelsTests", dependencies: ["QInferKernels"]),
    ]
)
