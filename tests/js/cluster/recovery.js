#!/usr/bin/env node
// The connection state recovery cases of the official @socket.io/redis-streams-adapter
// (test/connection-state-recovery.ts), across two `cluster_node` servers (docs/cluster-node.md) started with
// `--adapter streams --recovery`: the client connects to node A, is forced off (`socket.io.engine.close()`, as
// the official tests do), and its Manager reconnects to node B, sending the `auth` {pid, offset} the official
// socket.io-client sends on any reconnection. Either node may be Rust or Node.
//
//   node tests/js/cluster/recovery.js http://127.0.0.1:PA http://127.0.0.1:PB [--only NAME]
//
// Each case uses names of its own. Every wait is bounded. Prints `ok - NAME` or `not ok - NAME: reason` per
// case, then `recovery suite: P passed, F failed`; exits 0 only if nothing failed.

"use strict";

const { io } = require("socket.io-client");
const { isDeepStrictEqual, inspect } = require("util");

const TEST_TIMEOUT_MS = 10000;
const WAIT_MS = 3000; // for one connection, disconnection, event or ack
const PERSIST_MS = 150; // for node A to store the session of a client that went away
const EXTRA_MS = 200; // after the expected deliveries, to catch extra ones

const USAGE = "usage: node tests/js/cluster/recovery.js URL_A URL_B [--only NAME]";

function usage(message) {
  process.stderr.write(`recovery.js: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const urls = [];
  let only = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--only") {
      if (i + 1 >= argv.length) usage("--only needs a case name (or part of one)");
      only = argv[++i];
    } else if (argv[i] === "-h" || argv[i] === "--help") {
      process.stdout.write(USAGE + "\n");
      process.exit(0);
    } else if (argv[i].startsWith("--")) {
      usage(`unknown option ${argv[i]}`);
    } else {
      urls.push(argv[i].replace(/\/+$/, ""));
    }
  }
  if (urls.length !== 2) usage("two node URLs are needed");
  for (const url of urls) {
    if (!/^https?:\/\/[^/]+:\d+$/.test(url)) usage(`not a node URL like http://127.0.0.1:PORT: ${url}`);
  }
  return { urls, only };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const show = (value) => inspect(value, { depth: 6, breakLength: Infinity });

function fail(message) {
  throw new Error(message);
}

function expectEqual(actual, expected, what) {
  if (!isDeepStrictEqual(actual, expected)) fail(`${what}: got ${show(actual)}, expected ${show(expected)}`);
}

// Resolves with the arguments of the next `event` of `emitter` within `ms`.
function once(emitter, event, ms, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`${what}: no "${event}" within ${ms} ms`));
    }, ms);
    const listener = (...args) => {
      clearTimeout(timer);
      resolve(args);
    };
    emitter.once(event, listener);
  });
}

function randomTag() {
  return Math.random().toString(36).slice(2, 8).padEnd(6, "0");
}

function isOffset(value) {
  return typeof value === "string" && /^[0-9]+-[0-9]+$/.test(value);
}

// Stream entry ids in order: by time, then by sequence.
function offsetBefore(a, b) {
  const [am, as] = a.split("-").map(BigInt);
  const [bm, bs] = b.split("-").map(BigInt);
  return am < bm || (am === bm && as < bs);
}

// The state of one case: every socket it opened, closed at the end.
class Context {
  constructor(urls) {
    [this.a, this.b] = urls;
    this.tag = randomTag();
    this.sockets = [];
  }

  name(base) {
    return `${base}.${this.tag}`;
  }

  // Connects a socket to `url` (+ `nsp`); `recoverable`: with the reconnection options of the official tests.
  async connect(url, { nsp = "/", recoverable = false, manager = null } = {}) {
    const socket = manager
      ? manager.socket(nsp)
      : io(url + (nsp === "/" ? "" : nsp), {
          transports: ["websocket"],
          forceNew: true,
          reconnection: recoverable,
          reconnectionDelay: 20,
          reconnectionDelayMax: 20,
          timeout: WAIT_MS,
        });
    this.sockets.push(socket);
    const connected = once(socket, "connect", WAIT_MS, `connecting to ${url}${nsp}`);
    const refused = once(socket, "connect_error", WAIT_MS + 100, "").then(
      ([err]) => fail(`connecting to ${url}${nsp}: ${err && err.message ? err.message : err}`),
      () => {}
    );
    await Promise.race([connected, refused]);
    return socket;
  }

  // A contract event's ack.
  async call(socket, event, arg) {
    try {
      return await socket.timeout(WAIT_MS).emitWithAck(event, arg);
    } catch (err) {
      fail(`no ack to "${event}" within ${WAIT_MS} ms`);
    }
  }

  // Gives `socket` a stored packet, and so an offset, as the official tests do with `servers[0].emit("init")`.
  async init(socket) {
    const got = once(socket, "init", WAIT_MS, "init");
    await this.call(socket, "broadcast", { rooms: [socket.id], event: "init", args: [] });
    const [offset] = await got;
    if (!isOffset(offset)) fail(`the stored packet "init" carries no stream offset: ${show(offset)}`);
    return offset;
  }

  // Forces `socket` off its node (the official `socket.io.engine.close()`), runs `whileAway`, then lets its
  // Manager reconnect to node B; resolves once the socket is connected again.
  async moveToB(socket, whileAway = async () => {}) {
    const manager = socket.io;
    manager.reconnection(false); // hold the reconnection until `whileAway` is done
    const gone = once(socket, "disconnect", WAIT_MS, "forced disconnection");
    manager.engine.close();
    await gone; // ("forced close" on this side; the server sees its transport close)
    await whileAway();
    await sleep(PERSIST_MS);
    manager.uri = this.b; // the next engine opens to node B
    manager.reconnection(true);
    const back = once(socket, "connect", WAIT_MS, `reconnecting to ${this.b}`);
    socket.connect(); // the Manager opens a new engine; the socket sends CONNECT with {pid, offset}
    await back;
  }

  close() {
    for (const s of this.sockets) {
      s.removeAllListeners();
      s.io.reconnection(false);
      s.disconnect();
      if (s.io.engine) s.io.engine.close();
    }
    this.sockets = [];
  }
}

const tests = [];
function test(name, fn) {
  tests.push({ name, fn });
}

test("should restore the session", async (t) => {
  const room = t.name("room1");
  const data = { name: "alice", n: 42, list: [1, "two", null], nested: { ok: true } };
  const socket = await t.connect(t.a, { recoverable: true });
  expectEqual(socket.recovered, false, "recovered on the first connection");
  const id = socket.id;
  await t.call(socket, "join", room);
  await t.call(socket, "set-data", data);
  await t.init(socket);

  await t.moveToB(socket);

  expectEqual(socket.recovered, true, "recovered on node B");
  expectEqual(socket.id, id, "socket id on node B");
  const found = (await t.call(socket, "fetch", { rooms: [room] })).filter((s) => s.id === id);
  expectEqual(found.length, 1, `sockets ${id} in ${room}`);
  expectEqual([...found[0].rooms].sort(), [id, room].sort(), "rooms after recovery");
  expectEqual(found[0].data, data, "data after recovery");
});

test("should restore any missed packets", async (t) => {
  const [room1, room2, event] = [t.name("room1"), t.name("room2"), t.name("myEvent")];
  const helper = await t.connect(t.a);
  const helperCustom = await t.connect(t.a, { nsp: "/custom", manager: helper.io });
  const socket = await t.connect(t.a, { recoverable: true });
  await t.call(socket, "join", room1);
  const initOffset = await t.init(socket);

  const received = [];
  socket.on(event, (...args) => received.push(args));

  const id = socket.id; // (a disconnected socket has none)
  await t.moveToB(socket, async () => {
    // while the client is away (from node A, where it was)
    await t.call(helper, "broadcast", { rooms: [id], event, args: [1] }); // socket.emit
    await t.call(helper, "broadcast", { event, args: [2] });
    await t.call(helper, "broadcast", { rooms: [room1], event, args: [3] });
    // not for the client: room mismatch, excluded, other namespace
    await t.call(helper, "broadcast", { rooms: [room2], event, args: [4] });
    await t.call(helper, "broadcast", { except: [room1], event, args: [5] });
    await t.call(helperCustom, "broadcast", { event, args: [6] });
  });

  expectEqual(socket.recovered, true, "recovered on node B");
  expectEqual(socket.id, id, "socket id on node B");
  await sleep(EXTRA_MS);
  expectEqual(
    received.map((args) => args[0]),
    [1, 2, 3],
    "missed events (value of each)"
  );
  const offsets = received.map((args) => args[args.length - 1]);
  for (const [i, args] of received.entries()) {
    if (args.length !== 2 || !isOffset(args[1])) fail(`missed event ${i} is not [value, offset]: ${show(args)}`);
  }
  const all = [initOffset, ...offsets];
  expectEqual(new Set(all).size, 4, `distinct offsets among ${show(all)}`);
  for (let i = 1; i < all.length; i++) {
    if (!offsetBefore(all[i - 1], all[i])) fail(`offsets out of order: ${show(all)}`);
  }
  expectEqual(socket._lastOffset, offsets[2], "the client's last offset");
});

test("should fail to restore an unknown session (invalid session ID)", async (t) => {
  const socket = await t.connect(t.a, { recoverable: true });
  const id = socket.id;
  await t.init(socket); // a valid offset, so that only the session id is unknown
  socket._pid = "abc";
  await t.moveToB(socket);
  expectEqual(socket.recovered, false, "recovered");
  if (socket.id === id) fail(`kept its id ${id}`);
});

test("should fail to restore an unknown session (invalid offset)", async (t) => {
  const socket = await t.connect(t.a, { recoverable: true });
  const id = socket.id;
  await t.init(socket);
  socket._lastOffset = "abc";
  await t.moveToB(socket);
  expectEqual(socket.recovered, false, "recovered");
  if (socket.id === id) fail(`kept its id ${id}`);
});

async function runTest(urls, { fn }) {
  const t = new Context(urls);
  let timer;
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS} ms`)), TEST_TIMEOUT_MS);
  });
  const body = fn(t);
  body.catch(() => {}); // a body still running after the timeout must not end the process
  try {
    await Promise.race([body, timeout]);
    return null;
  } catch (err) {
    return String(err && err.message ? err.message : err).replace(/\s*\n\s*/g, " ");
  } finally {
    clearTimeout(timer);
    t.close();
  }
}

async function main() {
  const { urls, only } = parseArgs(process.argv.slice(2));
  const selected = only ? tests.filter((t) => t.name.toLowerCase().includes(only.toLowerCase())) : tests;
  if (selected.length === 0) usage(`no case name contains "${only}"`);
  let passed = 0;
  let failed = 0;
  for (const entry of selected) {
    const reason = await runTest(urls, entry);
    if (reason === null) {
      passed++;
      process.stdout.write(`ok - ${entry.name}\n`);
    } else {
      failed++;
      process.stdout.write(`not ok - ${entry.name}: ${reason}\n`);
    }
    await sleep(50);
  }
  process.stdout.write(`recovery suite: ${passed} passed, ${failed} failed\n`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`recovery.js: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
