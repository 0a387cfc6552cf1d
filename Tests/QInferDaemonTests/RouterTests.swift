// The route table: each (method, template) declared once, admin routes exactly the ones that change the store or the
// configuration, and matching that gives 404, 405 with the allowed methods, or 400 for a parameter that is no name.
import NIOHTTP1
@testable import QInferDaemon
import QInferProtocol
import Testing

@Suite("router")
struct RouterTests {
    let router = Router.api

    @Test("every method and template is declared once")
    func unique() {
        let keys = router.routes.map { "\($0.method.rawValue) \($0.template)" }
        #expect(Set(keys).count == keys.count, "\(keys)")
    }

    @Test("admin routes are the writes: PUT, DELETE and the POSTs other than inference")
    func admin() {
        for route in router.routes where route.template.hasPrefix("/v1/") {
            let writes = route.method == .PUT || route.method == .DELETE || (route.method == .POST && !route.template.hasSuffix("/infer"))
            #expect((route.access == .admin) == writes, "\(route.method) \(route.template)")
        }
    }

    @Test("matching: parameters, 405 with the allowed methods, 404, and 400 for a bad name")
    func matching() throws {
        guard case .found(let r, let p) = try router.match(.POST, "/v1/models/pn/versions/7/infer") else {
            Issue.record("no match"); return
        }
        #expect(r.template == "/v1/models/{name}/versions/{version}/infer" && p == ["name": "pn", "version": "7"])
        guard case .found(_, let q) = try router.match(.GET, "/v1/models/pn/") else { Issue.record("trailing slash"); return }
        #expect(q == ["name": "pn"])
        guard case .methodNotAllowed(let allowed) = try router.match(.POST, "/v1/models/pn") else { Issue.record("POST model"); return }
        #expect(Set(allowed.map(\.rawValue)) == ["GET", "PUT", "DELETE"])
        guard case .notFound = try router.match(.GET, "/v1/nothing") else { Issue.record("404"); return }
        guard case .notFound = try router.match(.GET, "/v1/models/pn/infer/more") else { Issue.record("404 deep"); return }
        do { _ = try router.match(.GET, "/v1/models/..hidden"); Issue.record("accepted ..hidden") } catch {
            #expect(error.code == .badRequest && error.message.contains("'..hidden' is not a valid model name"))
        }
        do { _ = try router.match(.DELETE, "/v1/models/pn/versions/-x"); Issue.record("accepted -x") } catch {
            #expect(error.message.contains("'-x' is not a valid version"))
        }
    }
}
