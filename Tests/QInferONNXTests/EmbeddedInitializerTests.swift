import Foundation
import Testing
import QInferONNX

@Suite struct EmbeddedInitializerTests {
    private func load(_ tensors: [Onnx_TensorProto]) throws -> ONNXModelFile {
        try ONNXModelFile(bytes: TestModels.bytes(TestModels.model(initializers: tensors)), source: "embedded.onnx")
    }

    @Test func rawDataOfEachTypeIsLittleEndian() throws {
        let floats: [Float] = [1.5, -0.0, .infinity, -3.25e-8, 1e30, 7]
        var i64 = TestModels.tensor("i64", dims: [3], type: .int64)
        i64.rawData = TestModels.littleEndianBytes([Int64.min, -1, 0x0102_0304_0506_0708])
        var i32 = TestModels.tensor("i32", dims: [2, 2], type: .int32)
        i32.rawData = TestModels.littleEndianBytes([Int32.min, -7, 0, Int32.max])
        // One byte pattern spelled out by hand, so a consistent byte-order mistake in both helpers cannot hide.
        var one = TestModels.tensor("one", dims: [], type: .float)
        one.rawData = Data([0x00, 0x00, 0x80, 0x3F])

        let file = try load([TestModels.rawFloat("f", dims: [2, 3], floats), i64, i32, one])
        #expect(try file.initializer(named: "f") == ONNXTensor(name: "f", shape: [2, 3], data: .float32(floats)))
        #expect(try file.initializer(named: "i64").data == .int64([Int64.min, -1, 0x0102_0304_0506_0708]))
        #expect(try file.initializer(named: "i32") ==
                ONNXTensor(name: "i32", shape: [2, 2], data: .int32([Int32.min, -7, 0, Int32.max])))
        let scalar = try file.initializer(named: "one")
        #expect(scalar.shape == [])
        #expect(scalar.data == .float32([1]))
        #expect(try file.initializers().map(\.name) == ["f", "i64", "i32", "one"])
    }

    @Test func typedFields() throws {
        var f = TestModels.tensor("f", dims: [2], type: .float)
        f.floatData = [0.25, -8]
        var i64 = TestModels.tensor("i64", dims: [1, 3], type: .int64)
        i64.int64Data = [1, -2, 3]
        var i32 = TestModels.tensor("i32", dims: [1], type: .int32)
        i32.int32Data = [-42]

        let tensors = try load([f, i64, i32]).initializers()
        #expect(tensors == [
            ONNXTensor(name: "f", shape: [2], data: .float32([0.25, -8])),
            ONNXTensor(name: "i64", shape: [1, 3], data: .int64([1, -2, 3])),
            ONNXTensor(name: "i32", shape: [1], data: .int32([-42])),
        ])
        #expect(tensors[0].data.float32 == [0.25, -8])
        #expect(tensors[0].data.int64 == nil)
        #expect(tensors[1].elementCount == 3)
    }

    @Test func emptyTensorNeedsNoData() throws {
        let t = TestModels.tensor("e", dims: [0, 4], type: .int64)
        #expect(try load([t]).initializer(named: "e") == ONNXTensor(name: "e", shape: [0, 4], data: .int64([])))
    }

    @Test func missingDataIsRefused() throws {
        let t = TestModels.tensor("w", dims: [2, 2], type: .float)
        #expect(onnxError { try load([t]).initializer(named: "w") } == .missingData(tensor: "w", elements: 4))
    }

    @Test func rawDataSizeMustMatchShape() throws {
        let short = TestModels.rawFloat("w", dims: [2, 3], [1, 2, 3, 4, 5])
        #expect(onnxError { try load([short]).initializer(named: "w") }
                == .sizeMismatch(tensor: "w", field: "raw_data (bytes)", expected: 24, actual: 20))
        var ragged = TestModels.tensor("r", dims: [1], type: .int64)
        ragged.rawData = Data([1, 2, 3])
        #expect(onnxError { try load([ragged]).initializer(named: "r") }
                == .sizeMismatch(tensor: "r", field: "raw_data (bytes)", expected: 8, actual: 3))
    }

    @Test func typedFieldCountMustMatchShape() throws {
        var t = TestModels.tensor("w", dims: [3], type: .int32)
        t.int32Data = [1, 2]
        #expect(onnxError { try load([t]).initializer(named: "w") }
                == .sizeMismatch(tensor: "w", field: "int32_data (elements)", expected: 3, actual: 2))
    }

    @Test func dataGivenTwiceIsRefused() throws {
        var t = TestModels.rawFloat("w", dims: [1], [1])
        t.floatData = [1]
        #expect(onnxError { try load([t]).initializer(named: "w") }
                == .conflictingData(tensor: "w", fields: ["raw_data", "float_data"]))
    }

    @Test func typedFieldOfAnotherTypeIsRefused() throws {
        var t = TestModels.tensor("w", dims: [2], type: .float)
        t.int64Data = [1, 2]
        #expect(onnxError { try load([t]).initializer(named: "w") }
                == .unsupportedStorage(tensor: "w", reason: "a FLOAT (1) tensor cannot take its values from int64_data"))
    }

    @Test(arguments: [
        (Onnx_TensorProto.DataType.float16, "FLOAT16 (10)"),
        (.double, "DOUBLE (11)"),
        (.string, "STRING (8)"),
        (.uint8, "UINT8 (2)"),
        (.bool, "BOOL (9)"),
        (.undefined, "UNDEFINED (0)"),
    ])
    func unsupportedTypesNameTensorAndType(type: Onnx_TensorProto.DataType, name: String) throws {
        var t = TestModels.tensor("bad", dims: [1], type: type)
        t.rawData = Data(count: 8)
        let error = onnxError { try load([t]).initializer(named: "bad") }
        #expect(error == .unsupportedDataType(tensor: "bad", dataType: name))
        #expect(error?.description.contains("'bad'") == true)
    }

    @Test func unknownTypeNumber() throws {
        var t = TestModels.tensor("odd", dims: [1], type: .float)
        t.dataType = 999
        #expect(onnxError { try load([t]).initializer(named: "odd") }
                == .unsupportedDataType(tensor: "odd", dataType: "unknown data type 999"))
    }

    @Test func negativeAndOverflowingDimensions() throws {
        let negative = TestModels.rawFloat("n", dims: [2, -1], [])
        #expect(onnxError { try load([negative]).initializer(named: "n") }
                == .invalidShape(tensor: "n", dims: [2, -1], reason: "negative dimension"))
        let huge = TestModels.rawFloat("h", dims: [Int64.max, 4], [])
        #expect(onnxError { try load([huge]).initializer(named: "h") }
                == .invalidShape(tensor: "h", dims: [Int64.max, 4], reason: "element count overflows"))
        let bytesOverflow = TestModels.rawFloat("b", dims: [Int64.max / 2], [])
        #expect(onnxError { try load([bytesOverflow]).initializer(named: "b") }
                == .invalidShape(tensor: "b", dims: [Int64.max / 2], reason: "byte size overflows"))
    }

    @Test func segmentedTensorIsRefused() throws {
        var t = TestModels.rawFloat("seg", dims: [1], [1])
        t.segment.begin = 0
        t.segment.end = 1
        #expect(onnxError { try load([t]).initializer(named: "seg") }
                == .unsupportedStorage(tensor: "seg", reason: "segmented tensors are not supported"))
    }

    @Test func externalKeysWithoutExternalLocationAreRefused() throws {
        var t = TestModels.external("w", dims: [1], [("location", "w.bin")])
        t.clearDataLocation()
        t.rawData = TestModels.littleEndianBytes([Float(1)])
        let error = onnxError { try load([t]).initializer(named: "w") }
        guard case .invalidExternalData(tensor: "w", _)? = error else {
            Issue.record("expected invalidExternalData, got \(String(describing: error))")
            return
        }
    }

    @Test func constantNodeValueResolvesThroughTheSameCode() throws {
        var model = TestModels.model(initializers: [])
        var attr = Onnx_AttributeProto()
        attr.name = "value"
        attr.t = TestModels.rawFloat("", dims: [2], [3, 4])
        var constant = Onnx_NodeProto()
        constant.opType = "Constant"
        constant.output = ["c"]
        constant.attribute = [attr]
        model.graph.node.insert(constant, at: 0)
        let file = try ONNXModelFile(bytes: TestModels.bytes(model))
        let value = try file.resolve(file.model.graph.node[0].attribute[0].t)
        #expect(value == ONNXTensor(name: "", shape: [2], data: .float32([3, 4])))
    }
}
