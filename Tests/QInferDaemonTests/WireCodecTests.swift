// The /v1 wire codec in QInferProtocol: headers → typed payload (what qinferd reads) and payload → headers (what
// qinfer writes) are inverses, and every malformed header or query is refused with a message that names it.
import QInferInputFormats
import QInferProtocol
import Testing

@Suite("wire codec")
struct WireCodecTests {
    static let formats: [(InputFormat, [Int]?)] = InputFormat.allCases.map { ($0, $0 == .f32 ? [4, 3] : $0 == .npy ? [2, 6] : nil) }

    @Test("headers(for:) and payload(contentType:…) are inverses for every format, JSON included")
    func roundTrip() throws {
        let body: [UInt8] = [1, 2, 3]
        for (format, shape) in Self.formats {
            let sent = InputPayload.file(format, body, shape: shape)
            let headers = try #require(InputMediaType.headers(for: sent))
            func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
            let received = try InputMediaType.payload(contentType: header("content-type"), inputFormat: header(APIHeaders.inputFormat),
                                                      tensorShape: header(APIHeaders.tensorShape), body: body)
            guard case .file(let f, let b, let s) = received else { Issue.record("\(format) came back as \(received)"); continue }
            #expect(f == format && b == body && s == shape, "\(format)")
        }
        let json = try InputMediaType.payload(contentType: "Application/JSON; charset=utf-8", inputFormat: nil, tensorShape: nil, body: body)
        guard case .json(let b) = json else { Issue.record("JSON came back as \(json)"); return }
        #expect(b == body)
        #expect(InputMediaType.headers(for: .json(body))?.first?.1 == "application/json")
    }

    @Test("bad headers are refused with the header named", arguments: [
        ("image/gif", nil, nil, "content type 'image/gif' is not accepted"),
        (nil, nil, nil, "content type '(none)' is not accepted"),
        ("application/octet-stream", nil, nil, "needs its shape"),
        ("application/octet-stream", nil, "1024,x", "X-Tensor-Shape '1024,x' is not a list"),
        ("application/octet-stream", nil, "0,3", "X-Tensor-Shape '0,3' is not a list"),
        ("application/octet-stream", "tiff", nil, "X-Input-Format 'tiff' is not one of"),
        ("image/png", nil, "28,28", "a shape only applies to .f32 and .npy"),
        ("application/json", nil, "3", "X-Tensor-Shape does not apply to a JSON body"),
        ("application/octet-stream", nil, "4611686018427387904,4", "more elements than fit"),
    ] as [(String?, String?, String?, String)])
    func refused(_ contentType: String?, _ format: String?, _ shape: String?, _ expected: String) {
        do {
            let p = try InputMediaType.payload(contentType: contentType, inputFormat: format, tensorShape: shape, body: [])
            Issue.record("accepted as \(p)")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect([400, 415].contains(error.code.status))
        }
    }

    @Test("query options: top_k and outputs parsed, malformed values refused rather than ignored")
    func options() throws {
        #expect(try InferenceOptions(query: [:]) == InferenceOptions())
        #expect(try InferenceOptions(query: ["top_k": "3", "outputs": "true"]) == InferenceOptions(topK: 3, includeOutputs: true))
        #expect(try InferenceOptions(query: ["outputs": "0"]).includeOutputs == false)
        for bad in [["top_k": "0"], ["top_k": "three"], ["top_k": "-1"], ["outputs": "yes"]] {
            #expect(throws: APIFailure.self, "\(bad)") { try InferenceOptions(query: bad) }
        }
        let o = InferenceOptions(topK: 2, includeOutputs: true)
        #expect(try InferenceOptions(query: Dictionary(uniqueKeysWithValues: o.queryItems)) == o)
    }

    @Test("a file's payload: --format, then the extension, then the content; misplaced shapes refused")
    func files() throws {
        let npy = InputFileWritersForCodec.npyMagic
        guard case .file(.npy, _, nil) = try InputPayload.file(named: "x.bin", bytes: npy) else { Issue.record("npy not sniffed"); return }
        guard case .file(.ply, _, nil) = try InputPayload.file(named: "cloud.PLY", bytes: []) else { Issue.record("extension ignored"); return }
        guard case .file(.f32, _, [2, 3]) = try InputPayload.file(named: "raw", bytes: [], shape: [2, 3]) else { Issue.record("raw f32"); return }
        guard case .json = try InputPayload.file(named: "in.json", bytes: []) else { Issue.record("json"); return }
        #expect(throws: APIFailure.self) { try InputPayload.file(named: "noext", bytes: [0, 1]) }
        #expect(throws: APIFailure.self) { try InputPayload.file(named: "a.png", bytes: [], shape: [2]) }
        #expect(throws: APIFailure.self) { try InputPayload.file(named: "a.raw", bytes: [], format: "bmp") }
        #expect(throws: APIFailure.self) { try InputPayload.file(named: "a.json", bytes: [], shape: [3]) }
    }

    /// Issue 18: `qinfer run` (decodeInput) and the wire (`InputPayload.file`) chose formats and checked shapes with
    /// two copies of the rules, whose messages for a raw float32 file without a shape differed. One rule now: the same
    /// file gets the same format and the same refusal on both paths.
    @Test("qinfer run's decoding and the wire's payload choose the same format and refuse the same shapes alike")
    func onePathForFiles() throws {
        let npy = InputFileWritersForCodec.npyMagic
        let cases: [(name: String, bytes: [UInt8], shape: [Int]?)] = [
            ("x.bin", npy, nil), ("cloud.PLY", [], nil), ("raw", [], [2, 3]), ("x.f32", [], nil), ("x", [], nil), ("a.png", [], [2]),
            ("a.pgm", [], nil), ("scan.xyz", [], [1, 3]), ("x.npy", npy, [2]), ("mystery.bin", [1, 2, 3], [3]),
        ]
        for c in cases {
            let wire: Result<InputFormat, APIFailure>
            do {
                guard case .file(let format, _, _) = try InputPayload.file(named: c.name, bytes: c.bytes, shape: c.shape) else {
                    Issue.record("\(c.name): not a file payload"); continue
                }
                wire = .success(format)
            } catch { wire = .failure(error) }
            let detected = InputFormat.detect(name: c.name, bytes: c.bytes, shape: c.shape)
            let problem = detected?.shapeProblem(c.shape)
            // What decodeInput says of the same file, before any decoding of its (empty or partial) bytes.
            var run: InputError?
            do { _ = try decodeInput(c.bytes, name: c.name, shape: c.shape) } catch { run = error }
            switch wire {
            case .success(let format):
                #expect(format == detected && problem == nil, "\(c.name)")
                // The bytes are empty or partial, so decoding may fail; it must not be on the format or the shape rule.
                #expect(run?.kind != .unknownFormat && run?.kind != .badShape,
                        "\(c.name): the wire takes it, run refuses it by its format or shape: \(run.map(\.description) ?? "")")
            case .failure(let failure):
                if let problem {
                    #expect(failure.message == problem.message && run?.message == problem.message && run?.kind == .badShape,
                            "\(c.name): wire '\(failure.message)', run '\(run?.message ?? "accepted")'")
                } else {
                    #expect(detected == nil && run?.kind == .unknownFormat, "\(c.name): \(failure.message)")
                }
            }
        }
    }

    @Test("JSON tensor bodies decode in the worker: wrong counts and shapes named")
    func jsonBodies() throws {
        let ok = InputPayload.json(Array(#"{"input": [1, 2, 3, 4, 5, 6]}"#.utf8))
        #expect(try ok.decode(modelShape: [2, 3]) == .tensor(Tensor(shape: [2, 3], storage: .float32([1, 2, 3, 4, 5, 6]))))
        do { _ = try ok.decode(modelShape: [4, 3]); Issue.record("6 values filled [4, 3]") } catch {
            #expect(error.message.contains("6 values do not fill shape [4, 3]"))
        }
        do { _ = try InputPayload.json(Array("{".utf8)).decode(modelShape: [1]); Issue.record("accepted '{'") } catch {
            #expect(error.code == .badInput)
        }
    }
}

enum InputFileWritersForCodec {
    /// The first bytes of an .npy file: enough for the signature sniffer.
    static let npyMagic: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
}
