// What the cluster suite's tests share (tests/js/cluster/suite.js): its time limits, assertions, and the
// Context of a test (one fresh client per node, contract calls, recorded deliveries).

"use strict";

const { io } = require("socket.io-client");
const { isDeepStrictEqual, inspect } = require("util");

const TEST_TIMEOUT_MS = 4000; // per test, unless the test says otherwise
const SUITE_BUDGET_MS = 40000; // no test starts after this
const CONNECT_TIMEOUT_MS = 3000;
const CALL_TIMEOUT_MS = 3000; // a contract event's ack
const SETTLE_MS = 200; // after connecting, like the official setup() (sharded dynamic-private subscriptions)
const JOIN_SETTLE_MS = 100; // after socket.join (sharded dynamic mode subscribes to the room channel)
const EXTRA_MS = 200; // after the expected deliveries, to catch extra or duplicate ones
const DELIVERY_WAIT_MS = 2000; // for the expected deliveries
const ROOMS_WAIT_MS = 1500; // for a remote socketsJoin/socketsLeave to show

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function show(value) {
  return inspect(value, { depth: 6, breakLength: Infinity, maxArrayLength: 20 });
}

function fail(message) {
  throw new Error(message);
}

function expectEqual(actual, expected, what) {
  if (!isDeepStrictEqual(actual, expected)) {
    fail(`${what}: got ${show(actual)}, expected ${show(expected)}`);
  }
}

// Polls `predicate` every 10 ms until it holds or `ms` have passed; returns whether it held.
async function waitFor(predicate, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (predicate()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(10);
  }
}

function isBinary(value) {
  return Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function bytesOf(value) {
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  return [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
}

function randomTag() {
  // 6 base-36 characters: room names built from it never have the 20 characters of a socket id
  return Math.random().toString(36).slice(2, 8).padEnd(6, "0");
}

// Connects one socket. `manager` given: a socket of another namespace on the same connection.
function connectSocket(url, nsp, manager) {
  return new Promise((resolve, reject) => {
    // (a Manager's socket connects by itself: autoConnect)
    const socket = manager
      ? manager.socket(nsp)
      : io(url + (nsp === "/" ? "" : nsp), {
          transports: ["websocket"],
          forceNew: true,
          reconnection: false,
          timeout: CONNECT_TIMEOUT_MS,
        });
    const timer = setTimeout(() => {
      cleanup();
      socket.disconnect();
      reject(new Error(`could not connect to ${url}${nsp}: no CONNECT within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    const onConnect = () => {
      cleanup();
      resolve(socket);
    };
    const onError = (err) => {
      cleanup();
      socket.disconnect();
      reject(new Error(`could not connect to ${url}${nsp}: ${err && err.message ? err.message : err}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off("connect", onConnect);
      socket.off("connect_error", onError);
    };
    socket.on("connect", onConnect);
    socket.on("connect_error", onError);
  });
}

// The state of one test: a client per node on `/` (and on `/custom` when asked), names of its own.
class Context {
  constructor(urls) {
    this.urls = urls;
    this.tag = randomTag();
    this.clients = [];
    this.custom = [];
    this.probes = 0;
  }

  async connect() {
    const settled = await Promise.allSettled(this.urls.map((url) => connectSocket(url, "/")));
    this.clients = settled.map((s) => (s.status === "fulfilled" ? s.value : null));
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    this.ids = this.clients.map((c) => c.id);
    if (new Set(this.ids).size !== 3 || this.ids.some((id) => typeof id !== "string" || id === "")) {
      fail(`the clients got no distinct socket ids: ${show(this.ids)}`);
    }
    await sleep(SETTLE_MS);
  }

  async connectCustom() {
    const settled = await Promise.allSettled(
      this.clients.map((c, i) => connectSocket(this.urls[i], "/custom", c.io))
    );
    this.custom = settled.map((s) => (s.status === "fulfilled" ? s.value : null));
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    await sleep(SETTLE_MS);
    return this.custom;
  }

  close() {
    for (const s of [...this.custom, ...this.clients]) {
      if (!s) continue;
      s.removeAllListeners();
      s.disconnect();
      if (s.io && s.io.engine) s.io.engine.close();
    }
    this.custom = [];
    this.clients = [];
  }

  // A name of this test (rooms, events), so nothing from another test or run can match it.
  name(base) {
    return `${base}.${this.tag}`;
  }

  // Emits a contract event from `socket` and resolves with its ack (rejects when none comes in time).
  async callOn(socket, label, event, arg, timeoutMs = CALL_TIMEOUT_MS) {
    try {
      const op = socket.timeout(timeoutMs);
      return arg === undefined ? await op.emitWithAck(event) : await op.emitWithAck(event, arg);
    } catch (err) {
      fail(`${label}: no ack to "${event}" within ${timeoutMs} ms (${err && err.message ? err.message : err})`);
    }
  }

  // Emits a contract event on `/` from the client of node `i`.
  call(i, event, arg, timeoutMs) {
    return this.callOn(this.clients[i], `node ${i}`, event, arg, timeoutMs);
  }

  // Like call(), but the ack must be `true`.
  async do(i, event, arg) {
    const ack = await this.call(i, event, arg);
    expectEqual(ack, true, `node ${i} ack to "${event}"`);
  }

  // Makes the client of node `i` join the rooms (socket.join on its node).
  async join(i, ...rooms) {
    for (const room of rooms) await this.do(i, "join", room);
  }

  // Records each delivery of `event` to each of `sockets`: a list of argument lists per socket.
  record(sockets, event, onEvent) {
    const got = sockets.map(() => []);
    sockets.forEach((s, i) =>
      s.on(event, (...args) => {
        got[i].push(args);
        if (onEvent) onEvent(i, args);
      })
    );
    return got;
  }

  // Waits for the expected number of deliveries per socket, then EXTRA_MS more, and checks the exact counts.
  async expectDeliveries(got, expected, what) {
    await waitFor(() => got.every((g, i) => g.length >= expected[i]), DELIVERY_WAIT_MS);
    await sleep(EXTRA_MS);
    const counts = got.map((g) => g.length);
    if (!isDeepStrictEqual(counts, expected)) {
      fail(`${what}: deliveries per client ${show(counts)}, expected ${show(expected)}`);
    }
  }

  // Whether the socket of each node is in `room`, asked on each node with a local broadcast to the room: its
  // event reaches the client before the ack of "broadcast" (same connection, packets in order).
  async membership(room) {
    const event = this.name(`probe${++this.probes}`);
    const got = this.record(this.clients, event);
    try {
      await Promise.all(
        this.clients.map((_c, i) => this.do(i, "broadcast", { rooms: [room], event, local: true }))
      );
      await sleep(50);
      return got.map((g) => g.length > 0);
    } finally {
      this.clients.forEach((c) => c.off(event));
    }
  }

  // Waits (bounded) until the membership of `room` is `expected` ([bool] per node) and fails if it never is.
  async expectMembers(room, expected, what) {
    await sleep(EXTRA_MS);
    const deadline = Date.now() + ROOMS_WAIT_MS;
    let seen;
    for (;;) {
      seen = await this.membership(room);
      if (isDeepStrictEqual(seen, expected)) return;
      if (Date.now() >= deadline) break;
      await sleep(100);
    }
    fail(`${what}: sockets in ${room} per node ${show(seen)}, expected ${show(expected)}`);
  }
}


module.exports = {
  TEST_TIMEOUT_MS,
  SUITE_BUDGET_MS,
  JOIN_SETTLE_MS,
  EXTRA_MS,
  DELIVERY_WAIT_MS,
  sleep,
  show,
  fail,
  expectEqual,
  isBinary,
  bytesOf,
  Context,
};
