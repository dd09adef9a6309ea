import ArgumentParser
import Foundation
import IngotCore
import IngotLocal

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create the local store (with Amazon's base images in every region).")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Seed a realistic demo account (golden images in us-east-1, eu-west-1, ap-southeast-2).") var demo = false
    @Option(help: "The store's own account id.") var account: String = AccountID.defaultLocal.rawValue

    func run() async throws {
        global.bootstrapLogging()
        let account = try AccountID(account, field: "account")
        let clock = try global.clock()
        let path = global.storePath
        if FileManager.default.fileExists(atPath: path) {
            throw IngotError.invalid("store", "\(path) already exists; remove it or pass another --store")
        }
        let store = try Store(path: path, create: true, account: account)
        let cloud = LocalCloud(store: store, clock: clock)
        try await cloud.seedCatalog()
        if demo {
            try await cloud.seedDemo()
            try await cloud.seedDemoFleet()
        }
        Output.line("created \(path) (account \(store.account))\(demo ? " with the demo account" : "")")
    }
}
