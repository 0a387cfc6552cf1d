// The layers `bench kernels` measures: the binary layers of the two models qinferd serves, as the kernels see them.
import Foundation

struct KernelShape {
    enum Kind {
        /// A shared-MLP layer: m points × k input bits against n channels.
        case gemm(m: Int, n: Int, k: Int)
        /// The same, fused with the max over the m points (n floats out), as the engine runs BiPointNet's widest layer.
        case gemmMaxPool(m: Int, n: Int, k: Int)
        /// A 3×3 convolution, pad 1, zero padding, over an h×w×c packed image into n channels.
        case conv3x3(h: Int, w: Int, c: Int, n: Int, stride: Int)
    }

    let name: String
    let kind: Kind

    var kindName: String {
        switch kind {
        case .gemm: return "gemm"
        case .gemmMaxPool: return "gemm+max"
        case .conv3x3: return "conv3x3"
        }
    }

    var isConv: Bool {
        if case .conv3x3 = kind { return true }
        return false
    }

    /// BiPointNet's shared MLP over a 1024-point cloud, and the 3×3 binary convolutions of the shipped IR-Net
    /// (28×28 Fashion-MNIST: 14×14×64 stages, the stride-2 conv into 7×7×128, the 7×7×128 conv), then the wider
    /// CIFAR-style ResNet stages (14×14×128, 7×7×256) a larger camera model has.
    static let catalogue: [KernelShape] = [
        KernelShape(name: "bipointnet-64x64", kind: .gemm(m: 1024, n: 64, k: 64)),
        KernelShape(name: "bipointnet-64x128", kind: .gemm(m: 1024, n: 128, k: 64)),
        KernelShape(name: "bipointnet-128x1024", kind: .gemm(m: 1024, n: 1024, k: 128)),
        KernelShape(name: "bipointnet-128x1024+max", kind: .gemmMaxPool(m: 1024, n: 1024, k: 128)),
        KernelShape(name: "bipointnet-1024x512", kind: .gemm(m: 1024, n: 512, k: 1024)),
        KernelShape(name: "irnet-14x14x64-64", kind: .conv3x3(h: 14, w: 14, c: 64, n: 64, stride: 1)),
        KernelShape(name: "irnet-14x14x64-128s2", kind: .conv3x3(h: 14, w: 14, c: 64, n: 128, stride: 2)),
        KernelShape(name: "irnet-7x7x128-128", kind: .conv3x3(h: 7, w: 7, c: 128, n: 128, stride: 1)),
        KernelShape(name: "resnet-14x14x128-128", kind: .conv3x3(h: 14, w: 14, c: 128, n: 128, stride: 1)),
        KernelShape(name: "resnet-7x7x256-256", kind: .conv3x3(h: 7, w: 7, c: 256, n: 256, stride: 1)),
        KernelShape(name: "resnet-14x14x128-256s2", kind: .conv3x3(h: 14, w: 14, c: 128, n: 256, stride: 2)),
    ]

    /// Shapes whose name contains any of the filters (case-insensitive); a filter matching nothing is an error, as
    /// it is almost always a typo that would otherwise quietly measure less than asked.
    static func select(_ filters: [String]) throws -> [KernelShape] {
        let terms = splitList(filters).map { $0.lowercased() }
        if terms.isEmpty { return catalogue }
        for term in terms {
            if term.isEmpty || !catalogue.contains(where: { $0.name.contains(term) }) {
                throw KernelShapeError.noMatch(term)
            }
        }
        return catalogue.filter { shape in terms.contains { shape.name.contains($0) } }
    }
}

enum KernelShapeError: Error, CustomStringConvertible {
    case noMatch(String)

    var description: String {
        switch self {
        case .noMatch(let term):
            let names = KernelShape.catalogue.map(\.name).joined(separator: ", ")
            return "--shape '\(term)' matches no shape (shapes: \(names))"
        }
    }
}
