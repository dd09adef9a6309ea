import Foundation

/// The form parameters botocore's own Query serializer writes for `operation` of `service` with
/// `parameters` (JSON, as boto3 takes them): an oracle for Ingot's request encoding where moto does
/// not implement the call.
func botocoreForm(_ service: String, _ operation: String, _ parameters: String) throws -> [String: String] {
    let script = """
        import json, sys
        from botocore import session, serialize
        model = session.get_session().get_service_model(sys.argv[1])
        body = serialize.create_serializer(model.metadata['protocol']).serialize_to_request(json.loads(sys.argv[3]), model.operation_model(sys.argv[2]))['body']
        print(json.dumps({k: str(v) for k, v in body.items()}))
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, service, operation, parameters]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return try JSONDecoder().decode([String: String].self, from: data)
}
