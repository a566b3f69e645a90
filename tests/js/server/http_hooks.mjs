// HTTP hooks of the sio server under test, with the official socket.io-client (its Node cookie jar
// on: `withCredentials`). The server sets cookies in its `initial_headers` hook and answers
// "requests" with what its handler sees of the handshake request and of the POST that carried the
// event.
// Usage: node http_hooks.mjs <url>
// Exits 1 on the first failure.
import { io } from "socket.io-client";
import assert from "node:assert/strict";

const [url] = process.argv.slice(2);
const TIMEOUT = 10000;

function once(emitter, event) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for "${event}"`)), TIMEOUT);
    emitter.once(event, (...args) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

async function connect(opts) {
  const s = io(url, { forceNew: true, reconnection: false, timeout: TIMEOUT, withCredentials: true, ...opts });
  await Promise.race([
    once(s, "connect"),
    once(s, "connect_error").then(([e]) => {
      throw new Error("connect_error: " + e.message);
    }),
  ]);
  return s;
}

// Polling only: each emit is its own POST, carrying the extra headers as they are at that moment.
{
  const extraHeaders = { "x-seq": "handshake" };
  const s = await connect({ transports: ["polling"], extraHeaders });
  for (const seq of ["1", "2"]) {
    extraHeaders["x-seq"] = seq;
    const seen = await s.timeout(TIMEOUT).emitWithAck("requests");
    assert.equal(seen.transport, "polling");
    assert.equal(seen.handshake.method, "GET");
    assert.equal(seen.handshake.seq, "handshake");
    assert.match(seen.handshake.path, /^\/socket\.io\/\?/);
    assert.equal(seen.handshake.hasAddress, true);
    assert.ok(seen.post, "the handler sees the POST that carried the event");
    assert.equal(seen.post.method, "POST");
    assert.equal(seen.post.seq, seq);
    // The cookies of the handshake answer came back on the POST, from the client's own jar.
    assert.match(seen.post.cookie, /(^|; )backend=node-1(;|$)/);
    assert.match(seen.post.cookie, /(^|; )theme=dark(;|$)/);
    assert.match(seen.post.cookie, new RegExp(`(^|; )io=${s.io.engine.id}(;|$)`));
  }
  s.disconnect();
}

// Polling, then the upgrade: the upgrade request carries the cookies too (checked by the server's
// `headers` hook), and over websocket no request carries an event.
{
  const extraHeaders = { "x-seq": "handshake" };
  const s = await connect({ extraHeaders });
  if (s.io.engine.transport.name !== "websocket") {
    await once(s.io.engine, "upgrade");
  }
  const seen = await s.timeout(TIMEOUT).emitWithAck("requests");
  assert.equal(seen.transport, "websocket");
  assert.equal(seen.handshake.seq, "handshake");
  assert.equal(seen.post, null);
  s.disconnect();
}

// Websocket first: the handshake is the websocket request.
{
  const s = await connect({ transports: ["websocket"], extraHeaders: { "x-seq": "ws" } });
  const seen = await s.timeout(TIMEOUT).emitWithAck("requests");
  assert.equal(seen.handshake.seq, "ws");
  assert.equal(seen.post, null);
  s.disconnect();
}

console.log("http hooks: ok");
process.exit(0);
