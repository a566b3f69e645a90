// Drives the sio server under test with the official socket.io-client through every feature.
// Usage: node interop.mjs <base url> <polling|websocket|upgrade|msgpack>
// Prints one line per case; exits 1 on the first failure.
import { io } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";
import assert from "node:assert/strict";

const [base, mode = "upgrade"] = process.argv.slice(2);
const TIMEOUT = 10000;

const transportOpts =
  mode === "polling" ? { transports: ["polling"] }
  : mode === "websocket" ? { transports: ["websocket"] }
  : mode === "msgpack" ? { parser: msgpackParser }
  : {};

const open = [];
function connect(nsp = "/", extra = {}) {
  const s = io(base + nsp, { forceNew: true, reconnection: false, timeout: TIMEOUT, ...transportOpts, ...extra });
  open.push(s);
  return s;
}

function once(emitter, event) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for "${event}"`)), TIMEOUT);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}

async function connected(nsp = "/", extra = {}) {
  const s = connect(nsp, extra);
  if (!s.connected) {
    await Promise.race([
      once(s, "connect"),
      once(s, "connect_error").then(([e]) => { throw new Error("connect_error: " + e.message); }),
    ]);
  }
  if (mode === "upgrade" || mode === "msgpack") {
    const engine = s.io.engine;
    if (engine.transport.name !== "websocket") await once(engine, "upgrade");
    assert.equal(engine.transport.name, "websocket");
  }
  return s;
}

const ack = (s, ...args) => s.timeout(TIMEOUT).emitWithAck(...args);
const bytes = (...b) => Buffer.from(b);
const isBinary = (v) => Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
const toArr = (v) => Array.from(new Uint8Array(v.buffer ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v));

const cases = [];
const test = (name, fn) => cases.push([name, fn]);

test("connect to main namespace: 20-char id, CONNECT answered", async () => {
  const s = await connected();
  assert.equal(typeof s.id, "string");
  assert.equal(s.id.length, 20);
  const [transport, upgraded] = await new Promise((resolve) => s.emit("conn", (...a) => resolve(a)));
  const expected = mode === "polling" ? "polling" : "websocket";
  assert.equal(transport, expected);
  assert.equal(upgraded, mode === "upgrade" || mode === "msgpack");
});

test("emit with many arguments and binary, echoed back", async () => {
  const s = await connected();
  const p = once(s, "echo-args");
  s.emit("echo-args", 1, "2", { 3: "4", 5: Uint8Array.from([6]) }, [true, null], bytes(7, 8));
  const args = await p;
  assert.equal(args.length, 5);
  assert.equal(args[0], 1);
  assert.equal(args[1], "2");
  assert.equal(args[2][3], "4");
  assert.ok(isBinary(args[2][5]));
  assert.deepEqual(toArr(args[2][5]), [6]);
  assert.deepEqual(args[3], [true, null]);
  assert.deepEqual(toArr(args[4]), [7, 8]);
});

test("ack with callback, any arguments, binary gives BINARY_ACK", async () => {
  const s = await connected();
  const answer = await new Promise((resolve) => s.emit("ack-args", { foo: "bar" }, "baz", bytes(1, 2, 3), (...a) => resolve(a)));
  assert.deepEqual(answer[0], { foo: "bar" });
  assert.equal(answer[1], "baz");
  assert.deepEqual(toArr(answer[2]), [1, 2, 3]);
});

test("ack with timeout (emitWithAck)", async () => {
  const s = await connected();
  const r = await s.timeout(5000).emitWithAck("request", { foo: "bar" }, "baz");
  assert.deepEqual(r, { status: "ok", arg1: { foo: "bar" }, arg2: "baz" });
});

test("client-side ack timeout when the server does not answer", async () => {
  const s = await connected();
  await assert.rejects(s.timeout(300).emitWithAck("no-answer", 1), /operation has timed out/);
  assert.equal(await ack(s, "ping"), "pong");
});

test("typed handler arguments; bad arguments reach the error handler", async () => {
  const s = await connected();
  const all = await new Promise((resolve) => s.emit("typed", "abc", 7, (...a) => resolve(a)));
  assert.deepEqual(all, ["abc", 14]);
  const p = once(s, "handler-error");
  s.emit("typed", { not: "a string" }, "x");
  const [err] = await p;
  assert.equal(err.event, "typed");
  assert.match(err.message, /invalid arguments/);
});

test("server emit_with_ack to the client, and its timeout", async () => {
  const s = await connected();
  s.on("ask", (n, cb) => cb(n * 2));
  s.on("ignored", () => {});
  assert.deepEqual(await ack(s, "server-ack", 21), { answer: 42 });
  assert.deepEqual(await ack(s, "server-ack-timeout"), { error: "timeout" });
});

test("catch-all listeners on the server (incoming and outgoing), acks excluded", async () => {
  const s = await connected();
  s.emit("anything", 1, "two");
  await ack(s, "ack-args", "x");
  const seen = await ack(s, "any-log");
  assert.deepEqual(seen.incoming.slice(0, 2), [["anything", [1, "two"]], ["ack-args", ["x"]]]);
  s.emit("echo-args", "out");
  await once(s, "echo-args");
  const seen2 = await ack(s, "any-log");
  assert.ok(seen2.outgoing.some(([e, a]) => e === "echo-args" && a[0] === "out"));
});

test("client catch-all sees server events", async () => {
  const s = await connected();
  const got = new Promise((resolve) => s.onAny((ev, ...args) => { if (ev === "echo-args") resolve([ev, args]); }));
  s.emit("echo-args", 9);
  assert.deepEqual(await got, ["echo-args", [9]]);
});

test("rooms: join several, to(room) excludes sender, io.to includes it, except", async () => {
  const a = await connected();
  const b = await connected();
  const c = await connected();
  const room = "r-" + Math.random();
  assert.deepEqual((await ack(a, "join", [room, room + "-x"])).sort(), [a.id, room, room + "-x"].sort());
  await ack(b, "join", room);
  // socket.to(room): b gets it, a (sender) and c (not in room) do not
  const gotB = once(b, "room-msg");
  let wrong = false;
  const flag = () => { wrong = true; };
  a.on("room-msg", flag); c.on("room-msg", flag);
  await ack(a, "to-room", room, "hi");
  assert.deepEqual(await gotB, ["hi"]);
  await ack(a, "ping");
  await ack(c, "ping");
  a.off("room-msg", flag); c.off("room-msg", flag);
  // io.to(room): a and b
  const both = Promise.all([once(a, "room-msg"), once(b, "room-msg")]);
  await ack(c, "io-to-room", room, "all");
  assert.deepEqual(await both, [["all"], ["all"]]);
  // io.except(room): c only
  const gotC = once(c, "except-msg");
  a.on("except-msg", flag); b.on("except-msg", flag);
  await ack(c, "except-room", room, "not you");
  assert.deepEqual(await gotC, ["not you"]);
  // chained rooms deduplicated: a is in both rooms, receives once
  let count = 0;
  a.on("multi", () => count++);
  const gotMulti = once(a, "multi");
  await ack(c, "to-rooms", [room, room + "-x"], "once");
  await gotMulti;
  await ack(a, "ping");
  assert.equal(count, 1);
  await ack(a, "leave", room);
  assert.deepEqual((await ack(a, "rooms")).sort(), [a.id, room + "-x"].sort());
  assert.equal(wrong, false);
});

test("broadcast from a socket reaches everyone but the sender", async () => {
  const a = await connected();
  const b = await connected();
  let self = false;
  a.on("bcast", () => { self = true; });
  const p = once(b, "bcast");
  await ack(a, "broadcast", "hello");
  assert.deepEqual(await p, ["hello"]);
  await ack(a, "ping");
  assert.equal(self, false);
});

test("broadcast with ack collects every answer", async () => {
  const room = "ack-" + Math.random();
  const a = await connected();
  const b = await connected();
  for (const [s, v] of [[a, "A"], [b, "B"]]) {
    await ack(s, "join", room);
    s.on("bcast-ask", (cb) => cb(v));
  }
  const answers = await ack(a, "broadcast-ack", room);
  assert.deepEqual(answers.sort(), ["A", "B"]);
});

test("server-side operations: fetchSockets, socketsJoin, socketsLeave, disconnectSockets", async () => {
  const room = "ops-" + Math.random();
  const a = await connected();
  const b = await connected();
  await ack(a, "set-data", { name: "alice" });
  await ack(a, "join", room);
  await ack(b, "join", room);
  const fetched = await ack(a, "fetch", room);
  assert.deepEqual(fetched.map((f) => f.id).sort(), [a.id, b.id].sort());
  assert.ok(fetched.some((f) => f.data && f.data.name === "alice"));
  await ack(a, "sockets-join", room, room + "-2");
  assert.ok((await ack(b, "rooms")).includes(room + "-2"));
  await ack(a, "sockets-leave", room, room + "-2");
  assert.ok(!(await ack(b, "rooms")).includes(room + "-2"));
  const pa = once(a, "disconnect");
  const pb = once(b, "disconnect");
  const c = await connected();
  await ack(c, "disconnect-room", room);
  assert.equal((await pa)[0], "io server disconnect");
  assert.equal((await pb)[0], "io server disconnect");
});

test("remote socket handle: emit and emit_with_ack through fetch_sockets", async () => {
  const a = await connected();
  a.on("remote-ask", (x, cb) => cb(x + 1));
  const p = once(a, "remote-hello");
  assert.deepEqual(await ack(a, "remote-ops"), { answer: 2 });
  assert.deepEqual(await p, ["hi"]);
});

test("connect middleware error becomes connect_error with message and data", async () => {
  const s = connect("/", { auth: { token: "bad" } });
  const [err] = await once(s, "connect_error");
  assert.equal(err.message, "unauthorized");
  assert.deepEqual(err.data, { code: 42 });
  const s2 = connect("/admin", { auth: { token: "nope" } });
  const [err2] = await once(s2, "connect_error");
  assert.equal(err2.message, "admins only");
  assert.deepEqual(err2.data, { required: "admin" });
  const s3 = await connected("/admin", { auth: { token: "admin" } });
  assert.equal(await ack(s3, "whoami"), "/admin");
});

test("unknown namespace is refused with Invalid namespace", async () => {
  const s = connect("/nope");
  const [err] = await once(s, "connect_error");
  assert.equal(err.message, "Invalid namespace");
});

test("several namespaces multiplexed over one connection", async () => {
  const m = io(base, { reconnection: false, forceNew: true, ...transportOpts, auth: { token: "admin" } });
  open.push(m);
  await once(m, "connect");
  const admin = m.io.socket("/admin", { auth: { token: "admin" } });
  open.push(admin);
  if (!admin.connected) await once(admin, "connect");
  assert.equal(m.io.engine.id, admin.io.engine.id);
  assert.equal(await ack(admin, "whoami"), "/admin");
  assert.deepEqual(await ack(m, "ack-args", 1), 1);
});

test("dynamic namespaces, and a broadcast on the parent reaches every child", async () => {
  const d1 = await connected("/dyn-1");
  const d2 = await connected("/dyn-2");
  assert.equal(await ack(d1, "whoami"), "/dyn-1");
  const p = Promise.all([once(d1, "parent-msg"), once(d2, "parent-msg")]);
  const m = await connected();
  await ack(m, "parent-broadcast", "to all children");
  assert.deepEqual(await p, [["to all children"], ["to all children"]]);
});

test("per-packet middleware rejects an event with an error event", async () => {
  const s = await connected();
  const p = once(s, "handler-error");
  s.emit("forbidden", 1);
  const [err] = await p;
  assert.equal(err.event, "forbidden");
  assert.match(err.message, /not allowed/);
});

test("reserved event names cannot be emitted", async () => {
  const s = await connected();
  assert.equal(await ack(s, "emit-reserved"), "\"disconnect\" is a reserved event name");
});

test("handshake details", async () => {
  const s = await connected("/", { auth: { token: "t1" }, query: { q: "v w" }, extraHeaders: { "x-test": "yes" } });
  const h = await ack(s, "handshake");
  assert.deepEqual(h.auth, { token: "t1" });
  assert.equal(h.query.q, "v w");
  assert.equal(h.query.EIO, "4");
  assert.equal(h.address, "127.0.0.1");
  assert.equal(h.secure, false);
  assert.ok(h.issued > 0);
  assert.ok(h.url.startsWith("/socket.io/"));
  assert.equal(typeof h.time, "string");
  if (mode !== "websocket") assert.equal(h.headers["x-test"], "yes");
});

test("disconnect reasons: client namespace disconnect, server namespace disconnect", async () => {
  const a = await connected();
  const id = a.id;
  a.disconnect();
  const b = await connected();
  let reason;
  for (let i = 0; i < 200 && !reason; i++) {
    reason = await ack(b, "reason-of", id);
    if (!reason) await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(reason, { disconnecting: "client namespace disconnect", disconnect: "client namespace disconnect", roomsInDisconnecting: true });
  const p = once(b, "disconnect");
  b.emit("server-disconnect");
  assert.equal((await p)[0], "io server disconnect");
});

test("transport close reason when the connection drops", async () => {
  const a = await connected();
  const id = a.id;
  a.io.engine.close();
  const b = await connected();
  let reason;
  for (let i = 0; i < 200 && !reason; i++) {
    reason = await ack(b, "reason-of", id);
    if (!reason) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(reason.disconnect, "transport close");
});

test("server-side emit on a single server: no other server answers", async () => {
  const s = await connected();
  assert.deepEqual(await ack(s, "server-side-emit"), { responses: [] });
});

let failed = false;
for (const [name, fn] of cases) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failed = true;
    console.log(`FAIL - ${name}: ${e && e.stack || e}`);
    break;
  } finally {
    while (open.length) open.pop().disconnect();
  }
}
console.log(failed ? "FAILED" : `ALL ${cases.length} PASSED (${mode})`);
process.exit(failed ? 1 : 0);
