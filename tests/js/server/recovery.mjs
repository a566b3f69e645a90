// Connection state recovery of the sio server under test, with the official socket.io-client.
// Usage: node recovery.mjs <url of a server with recovery> <url of one with a 1 s maxDisconnectionDuration> <websocket|polling>
// Exits 1 on the first failure.
import { io } from "socket.io-client";
import assert from "node:assert/strict";

const [base, shortBase, mode = "websocket"] = process.argv.slice(2);
const TIMEOUT = 10000;
const open = [];

function connect(url, extra = {}) {
  const s = io(url, {
    forceNew: true,
    transports: [mode],
    reconnection: false,
    timeout: TIMEOUT,
    ...extra,
  });
  open.push(s);
  return s;
}

function once(emitter, event) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for "${event}"`)), TIMEOUT);
    emitter.once(event, (...args) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

async function connected(s) {
  if (!s.connected) {
    await Promise.race([
      once(s, "connect"),
      once(s, "connect_error").then(([e]) => {
        throw new Error("connect_error: " + e.message);
      }),
    ]);
  }
  return s;
}

const ack = (s, ...args) => s.timeout(TIMEOUT).emitWithAck(...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// the events "m" a socket receives, without the offset the server appends
function collect(s) {
  const got = [];
  s.on("m", (...args) => {
    assert.equal(typeof args[args.length - 1], "string", "the offset is the last argument");
    got.push(args.length > 1 ? args[0] : null);
  });
  return got;
}

async function until(what, check) {
  const deadline = Date.now() + TIMEOUT;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timeout waiting until " + what);
    await sleep(20);
  }
}

// drops `s` at the transport level and waits until the server saw it go
async function dropTransport(s, observer) {
  const id = s.id;
  const closed = once(s, "disconnect");
  s.io.engine.close();
  await closed;
  await until("the server saw the disconnection", async () => !(await ack(observer, "connected-ids")).includes(id));
}

async function recovers() {
  const a = await connected(connect(base));
  assert.equal(a.recovered, false, "a first connection is not a recovery");
  const got = collect(a);
  await ack(a, "join", "r1");
  await ack(a, "set-data", { name: "a" });
  const b = await connected(connect(base));
  await ack(b, "broadcast", { arg: 0 });
  await until("a received the first broadcast", () => got.length === 1);
  const before = await ack(a, "state");
  const id = a.id;

  await dropTransport(a, b);
  await ack(b, "broadcast", { arg: 1 });
  await ack(b, "broadcast", { to: "r1", arg: 2 });
  await ack(b, "broadcast", { to: "r2", arg: "not for a: r2" });
  await ack(b, "broadcast", { except: "r1", arg: "not for a: except r1" });
  await ack(b, "emit-to", id, "not for a: socket gone");
  await ack(b, "broadcast", { to: id, arg: 3 });
  await ack(b, "broadcast", { arg: 4 });

  a.connect();
  await connected(a);
  assert.equal(a.recovered, true, "recovered");
  assert.equal(a.id, id, "same id");
  await until("the missed events arrived", () => got.length >= 5);
  assert.deepEqual(got, [0, 1, 2, 3, 4], "missed events in order");
  const after = await ack(a, "state");
  assert.equal(after.recovered, true);
  assert.equal(after.id, id);
  assert.deepEqual(after.rooms, before.rooms, "rooms kept");
  assert.ok(after.rooms.includes("r1"));
  assert.deepEqual(after.data, { name: "a" }, "data kept");
  assert.equal(after.middlewareRuns, before.middlewareRuns, "a recovered socket skips the middlewares");

  // events after the recovery still flow, and a second drop recovers again
  await ack(b, "broadcast", { arg: 5 });
  await until("a received the next broadcast", () => got.length === 6);
  await dropTransport(a, b);
  await ack(b, "broadcast", { to: "r1", arg: 6 });
  a.connect();
  await connected(a);
  assert.equal(a.recovered, true, "recovered twice");
  assert.equal(a.id, id);
  await until("the second missed event arrived", () => got.length === 7);
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6]);

  // an explicit disconnection is not recoverable
  a.disconnect();
  await until("the server saw the disconnection", async () => !(await ack(b, "connected-ids")).includes(id));
  a.connect();
  await connected(a);
  assert.equal(a.recovered, false, "not recovered after io client disconnect");
  assert.notEqual(a.id, id);
  console.log("ok recovery", mode);
}

async function unknownSession() {
  const c = await connected(connect(base, { auth: { pid: "unknown-private-id", offset: "1" } }));
  assert.equal(c.recovered, false);
  const state = await ack(c, "state");
  assert.equal(state.recovered, false);
  assert.deepEqual(state.rooms, [c.id], "a fresh session");
  console.log("ok unknown pid", mode);
}

async function expired() {
  const a = await connected(connect(shortBase));
  const got = collect(a);
  const b = await connected(connect(shortBase));
  await ack(b, "broadcast", { arg: 0 });
  await until("a received the first broadcast", () => got.length === 1);
  const id = a.id;
  await dropTransport(a, b);
  await ack(b, "broadcast", { arg: 1 });
  await sleep(2500); // past maxDisconnectionDuration (1 s)
  a.connect();
  await connected(a);
  assert.equal(a.recovered, false, "an expired session is not recovered");
  assert.notEqual(a.id, id);
  console.log("ok expired", mode);
}

try {
  await recovers();
  await unknownSession();
  await expired();
} finally {
  for (const s of open) s.disconnect();
}
process.exit(0);
