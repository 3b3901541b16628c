// An independent client of the RateLimitService: @grpc/grpc-js with @grpc/proto-loader reading
// the .proto files unpacked from the same Envoy API jar the server's stubs come from.
// Usage: node client.js <protoRoot> <host:port> <requests.json>
// requests.json: [{"call": "ShouldRateLimit", "request": {...proto3 JSON...}}, ...] or
//                [{"call": "Check", "service": "ratelimit"}]
// Prints one JSON line per call: {"ok": <response>} or {"error": {"code": n, "details": "..."}}.
'use strict';
const path = require('path');
const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [protoRoot, address, file] = process.argv.slice(2);
const opts = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true,
  includeDirs: [protoRoot] };
const rls = grpc.loadPackageDefinition(
  loader.loadSync('envoy/service/ratelimit/v3/rls.proto', opts));
const RateLimitService = rls.envoy.service.ratelimit.v3.RateLimitService;
const client = new RateLimitService(address, grpc.credentials.createInsecure());

const calls = JSON.parse(fs.readFileSync(file, 'utf8'));

function one(c) {
  return new Promise((resolve) => {
    client.shouldRateLimit(c.request, { deadline: Date.now() + 10000 }, (err, res) => {
      if (err) {
        resolve({ error: { code: err.code, details: err.details } });
      } else {
        resolve({ ok: res });
      }
    });
  });
}

(async () => {
  for (const c of calls) {
    const r = await one(c);
    process.stdout.write(JSON.stringify(r) + '\n');
  }
  client.close();
})().catch((e) => { console.error(e); process.exit(2); });
