import ArgumentParser

/// What users type before argument-parser sees it: global options placed before the subcommand, as
/// `ingot --store X images list` (argument-parser only takes a subcommand's options after it), and a
/// mistyped subcommand, which gets a suggestion instead of a bare "unexpected argument".
enum CommandLineShape {
    /// The options every subcommand takes (GlobalOptions, and `--region` where a command has it) that
    /// take a value.
    static let valuedGlobals: Set<String> = ["--store", "--caller-account", "--at", "--output", "--cloud", "--endpoint-url", "--profile", "--region"]
    /// Global flags.
    static let flagGlobals: Set<String> = ["--debug"]

    /// `arguments` (without the program name) with the global options found before the first
    /// subcommand moved after the subcommand path (before a `--` if there is one).
    static func movingLeadingGlobals(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var i = 0
        while i < arguments.count {
            let token = arguments[i]
            let name = token.split(separator: "=", maxSplits: 1).first.map(String.init) ?? token
            if flagGlobals.contains(token) {
                leading.append(token)
                i += 1
            } else if valuedGlobals.contains(name) {
                if token.contains("=") || i + 1 >= arguments.count {
                    leading.append(token)
                    i += 1
                } else {
                    leading += [token, arguments[i + 1]]
                    i += 2
                }
            } else {
                break
            }
        }
        guard !leading.isEmpty, i < arguments.count else { return arguments }
        var rest = Array(arguments[i...])
        let end = rest.firstIndex(of: "--") ?? rest.count
        rest.insert(contentsOf: leading, at: end)
        return rest
    }

    /// A one-line error for the first word that should name a subcommand and does not, with the
    /// closest names; nil when the subcommand path is well formed.
    static func unknownSubcommand(_ arguments: [String], root: any ParsableCommand.Type) -> String? {
        var command = root
        var path = [root._commandName]
        for token in arguments {
            if token.hasPrefix("-") { return nil }
            let children = command.configuration.subcommands
            guard !children.isEmpty else { return nil }
            if let next = children.first(where: { $0._commandName == token || $0.configuration.aliases.contains(token) }) {
                command = next
                path.append(token)
                continue
            }
            if token == "help" { return nil }
            let names = children.map { $0._commandName }
            let close = names.filter { distance($0, token) <= 2 || $0.hasPrefix(token) || token.hasPrefix($0) }
                .sorted { distance($0, token) < distance($1, token) }
            let hint = close.isEmpty ? "" : "; did you mean \(close.prefix(3).map { "'\($0)'" }.joined(separator: " or "))?"
            return "'\(token)' is not a subcommand of \(path.joined(separator: " "))\(hint) (`\(path.joined(separator: " ")) --help` lists them: \(names.joined(separator: ", ")))"
        }
        return nil
    }

    /// Levenshtein distance, for suggestions among a few short names.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
