// The client bundle (`serveClient`): every request is sent to the official socket.io server and to the sio
// server under test, and the answers must agree (status, the headers the official server sets, the body once
// decoded). Usage: node client_bundle.mjs <sio base url>
// Prints one line per case; exits 1 on the first difference.
import { createServer, request } from "node:http";
import { gunzipSync, inflateSync } from "node:zlib";
import { Server } from "socket.io";
import assert from "node:assert/strict";

const sio = process.argv[2];
const TIMEOUT = 10000;

const official = createServer();
const io = new Server(official);
await new Promise((resolve) => official.listen(0, "127.0.0.1", resolve));
const node = `http://127.0.0.1:${official.address().port}`;

// A raw request: no automatic Accept-Encoding, no decoding, a bounded wait.
function send(base, path, { method = "GET", headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.setTimeout(TIMEOUT, () => req.destroy(new Error(`timeout: ${method} ${base}${path}`)));
    req.on("error", reject);
    req.end();
  });
}

function decoded({ headers, body }) {
  switch (headers["content-encoding"]) {
    case "gzip": return gunzipSync(body);
    case "deflate": return inflateSync(body);
    default: return body;
  }
}

const SHOWN = ["content-type", "cache-control", "etag", "content-encoding"];
const version = JSON.parse(
  await (await import("node:fs/promises")).readFile(new URL("../node_modules/socket.io/package.json", import.meta.url)),
).version;

async function same(path, opts = {}) {
  const [a, b] = await Promise.all([send(node, path, opts), send(sio, path, opts)]);
  const label = `${opts.method || "GET"} ${path} ${JSON.stringify(opts.headers || {})}`;
  assert.equal(b.status, a.status, `${label}: status`);
  for (const h of SHOWN) assert.equal(b.headers[h], a.headers[h], `${label}: ${h}`);
  assert.ok(decoded(b).equals(decoded(a)), `${label}: body (${decoded(b).length} vs ${decoded(a).length} bytes)`);
  console.log(`ok ${label} -> ${a.status} ${a.headers["content-type"] || ""} ${a.headers["content-encoding"] || ""}`);
  return b;
}

try {
  for (const file of [
    "socket.io.js", "socket.io.js.map", "socket.io.min.js", "socket.io.min.js.map",
    "socket.io.esm.min.js", "socket.io.esm.min.js.map", "socket.io.msgpack.min.js", "socket.io.msgpack.min.js.map",
  ]) {
    const res = await same(`/socket.io/${file}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.etag, `"${version}"`);
    assert.ok(res.body.length > 1000);
  }
  // Conditional requests: the version tag, strong or weak, and nothing else.
  const ok304 = await same("/socket.io/socket.io.min.js", { headers: { "if-none-match": `"${version}"` } });
  assert.equal(ok304.status, 304);
  assert.equal(ok304.body.length, 0);
  assert.equal((await same("/socket.io/socket.io.js", { headers: { "if-none-match": `W/"${version}"` } })).status, 304);
  assert.equal((await same("/socket.io/socket.io.js", { headers: { "if-none-match": `"0.0.0"` } })).status, 200);
  assert.equal((await same("/socket.io/socket.io.js", { headers: { "if-none-match": `"0.0.0", "${version}"` } })).status, 200);
  // Content codings, as npm `accepts` negotiates them (brotli is left out: sio does not offer it).
  for (const accept of ["gzip", "deflate", "gzip, deflate", "deflate, gzip", "gzip;q=0.5, deflate", "identity", "gzip;q=0"]) {
    await same("/socket.io/socket.io.js", { headers: { "accept-encoding": accept } });
  }
  await same("/socket.io/socket.io.esm.min.js.map", { headers: { "accept-encoding": "gzip, deflate" } });
  // A query string, other methods.
  await same("/socket.io/socket.io.min.js?v=4");
  assert.equal((await same("/socket.io/socket.io.js", { method: "HEAD" })).body.length, 0);
  await same("/socket.io/socket.io.js", { method: "POST" });
  // Anything else under the path is the engine's: a 400 "Transport unknown".
  assert.equal((await same("/socket.io/socket.io.foo.js")).status, 400);
  assert.equal((await same("/socket.io/dist/socket.io.js")).status, 400);
  assert.equal((await same("/socket.io/")).status, 400);
} finally {
  io.close();
  official.close();
}
