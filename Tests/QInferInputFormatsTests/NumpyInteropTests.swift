import Foundation
import Testing
@testable import QInferInputFormats

/// Runs numpy (when `python3 -c 'import numpy'` works) to write arrays of every accepted dtype, several
/// shapes and all three format versions, then checks the decoder reads exactly the values numpy wrote.
@Suite("npy against live numpy")
struct NumpyInteropTests {
    static let numpyAvailable: Bool = run(["-c", "import numpy"]) == 0

    @discardableResult
    static func run(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Values are (i mod 97) × 0.5 − 20 in C order, representable exactly in every dtype used here
    /// (integer dtypes get the integer part via the same formula with × 1 and − 48).
    static let script = #"""
import sys, numpy as np
out = sys.argv[1]
cases = []
for version in [(1, 0), (2, 0), (3, 0)]:
    for shape in [(5,), (2, 3), (2, 3, 4), (), (0, 3), (1, 1, 7, 3)]:
        n = int(np.prod(shape))
        i = np.arange(n)
        for dtype in ['<f4', '>f4', '<f8', '|u1', '|i1']:
            if dtype in ('|u1',):
                a = (i % 97 + 100).astype(dtype).reshape(shape)
            elif dtype == '|i1':
                a = (i % 97 - 48).astype(dtype).reshape(shape)
            else:
                a = ((i % 97) * 0.5 - 20).astype(dtype).reshape(shape)
            name = '%s/v%d_%s_%s.npy' % (out, version[0], dtype.replace('<', 'le').replace('>', 'be').replace('|', ''), 'x'.join(map(str, shape)) or 'scalar')
            with open(name, 'wb') as f:
                np.lib.format.write_array(f, a, version=version)
with open(out + '/fortran.npy', 'wb') as f:
    np.lib.format.write_array(f, np.asfortranarray(np.zeros((2, 3), '<f4')))
np.save(out + '/bool.npy', np.zeros(3, bool))
np.save(out + '/uint16.npy', np.zeros(3, '<u2'))
"""#

    @Test(.enabled(if: numpyAvailable, "numpy is not importable")) func decodesWhatNumpyWrites() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qinfer-npy-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(Self.run(["-c", Self.script, directory.path]) == 0)

        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("v") }
        #expect(files.count == 3 * 6 * 5)
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(file)))
            let parts = file.dropLast(4).split(separator: "_")
            let dtype = parts[1]
            let shape = parts[2] == "scalar" ? [] : parts[2].split(separator: "x").map { Int($0)! }
            let n = shape.reduce(1, *)
            guard let t = tensor(bytes, name: file) else { continue }
            #expect(t.shape == shape, "\(file)")
            switch dtype {
            case "u1": #expect(t.storage == .uint8((0..<n).map { UInt8($0 % 97 + 100) }), "\(file)")
            case "i1": #expect(t.storage == .float32((0..<n).map { Float($0 % 97 - 48) }), "\(file)")
            default: #expect(t.storage == .float32((0..<n).map { Float($0 % 97) * 0.5 - 20 }), "\(file)")
            }
        }
        for (file, field) in [("fortran.npy", "fortran_order"), ("bool.npy", "descr"), ("uint16.npy", "descr")] {
            let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(file)))
            expectFailure(bytes, nil, name: file, kind: .unsupported, field: field)
        }
    }
}
