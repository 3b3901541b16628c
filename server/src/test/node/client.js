// An independent client of Sluice's server, driven by NodeClientTest: gRPC through @grpc/grpc-js
// with message types that @grpc/proto-loader (protobufjs) builds at run time from the .proto files
// unpacked from the same Envoy API jar the server's Java stubs are generated from (and
// grpc-java's grpc/health/v1/health.proto); HTTP through Node's own fetch. Nothing here is
// generated from, or shares code with, the server.
//
// Usage: node client.js --protos DIR --grpc HOST:PORT --http HOST:PORT --steps FILE
//
// FILE is a JSON array of steps, run one after another, each with an "id" and one of:
//   {"grpc": "ShouldRateLimit", "request": {...}}  envoy.service.ratelimit.v3.RateLimitService
//   {"grpc": "Check", "request": {...}}            grpc.health.v1.Health
//   {"http": {"method": "POST", "path": "/json", "body": "<text sent as is>"}}
// gRPC requests are proto-loader objects with the .proto field names (keepCase): 64-bit integers
// may be strings, enums are their names, a google.protobuf wrapper is {"value": ...}.
//
// Prints one JSON line per step, in order:
//   {"id", "t0", "t1", "ok": <response>}                   a gRPC answer
//   {"id", "t0", "t1", "error": {"code", "details"}}      a gRPC status other than OK
//   {"id", "t0", "t1", "http": {"status", "contentType", "body"}}
// t0 and t1 are the wall clock (ms since the epoch) just before and after the call. A response is
// the decoded message with every field present (absent messages as null), .proto field names,
// 64-bit integers as strings, enums as names and bytes as base64. Exits 0 when every step ran
// (whatever it answered), 2 on a failure of the client itself.
'use strict';
const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      throw new Error('usage: node client.js --protos DIR --grpc HOST:PORT --http HOST:PORT --steps FILE');
    }
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ['protos', 'grpc', 'http', 'steps']) {
    if (!out[k]) {
      throw new Error('missing --' + k);
    }
  }
  return out;
}

const DEADLINE_MS = 10000;

async function main() {
  const a = args(process.argv.slice(2));
  if (typeof fetch !== 'function') {
    throw new Error('this Node has no global fetch (Node 18 or later is needed): ' + process.version);
  }
  const definition = loader.loadSync(
    ['envoy/service/ratelimit/v3/rls.proto', 'grpc/health/v1/health.proto'],
    { keepCase: true, longs: String, enums: String, bytes: String, defaults: true, oneofs: true,
      includeDirs: [a.protos] });
  const pkg = grpc.loadPackageDefinition(definition);
  const credentials = grpc.credentials.createInsecure();
  const clients = {
    ShouldRateLimit: new pkg.envoy.service.ratelimit.v3.RateLimitService(a.grpc, credentials),
    Check: new pkg.grpc.health.v1.Health(a.grpc, credentials),
  };

  function unary(name, request) {
    const client = clients[name];
    if (!client) {
      throw new Error('unknown gRPC call ' + name);
    }
    return new Promise((resolve) => {
      client[name](request, { deadline: Date.now() + DEADLINE_MS }, (err, res) => {
        if (err) {
          resolve({ error: { code: err.code, details: err.details } });
        } else {
          resolve({ ok: res });
        }
      });
    });
  }

  async function http(h) {
    const res = await fetch('http://' + a.http + h.path, {
      method: h.method || 'GET',
      headers: h.body === undefined ? {} : { 'content-type': 'application/json' },
      body: h.body,
      signal: AbortSignal.timeout(DEADLINE_MS),
    });
    return { http: { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() } };
  }

  const steps = JSON.parse(fs.readFileSync(a.steps, 'utf8'));
  for (const step of steps) {
    const t0 = Date.now();
    let r;
    if (step.grpc) {
      r = await unary(step.grpc, step.request);
    } else if (step.http) {
      r = await http(step.http);
    } else {
      throw new Error('a step needs "grpc" or "http": ' + JSON.stringify(step));
    }
    const t1 = Date.now();
    process.stdout.write(JSON.stringify({ id: step.id, t0, t1, ...r }) + '\n');
  }
  for (const c of Object.values(clients)) {
    c.close();
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(2);
});
