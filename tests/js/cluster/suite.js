#!/usr/bin/env node
// The common test list of the official @socket.io/redis-adapter (its test/index.ts), run against three
// `cluster_node` servers (docs/cluster-node.md) through the contract events, with the official socket.io-client.
// The nodes may be Node (tests/js/cluster/node.js) or Rust (the sio-redis `cluster_node` example), mixed.
//
//   node tests/js/cluster/suite.js http://127.0.0.1:P0 http://127.0.0.1:P1 http://127.0.0.1:P2 [--only NAME]
//
// Each test connects one fresh client per node (websocket, forceNew), so no room, data or listener is carried
// from one test to the next, and uses room and event names of its own. Every wait is bounded: a test has a
// time limit, and the whole run has a budget after which the remaining tests are reported as not run.
// Prints `ok - NAME` or `not ok - NAME: reason` per test, then `cluster suite: P passed, F failed`; exits 0 only
// if nothing failed.

"use strict";

const {
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
} = require("./context");
const { isDeepStrictEqual } = require("util");

const USAGE = "usage: node tests/js/cluster/suite.js URL0 URL1 URL2 [--only NAME]";

function parseArgs(argv) {
  const urls = [];
  let only = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--only") {
      if (i + 1 >= argv.length) usage("--only needs a test name (or part of one)");
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
  if (urls.length !== 3) usage("three node URLs are needed");
  for (const url of urls) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch (_) {
      usage(`not a URL: ${url}`);
    }
    if (!["http:", "https:"].includes(parsed.protocol) || !/:\d+$/.test(url)) {
      usage(`not a node URL like http://127.0.0.1:PORT: ${url}`);
    }
  }
  return { urls, only };
}

function usage(message) {
  process.stderr.write(`suite.js: ${message}\n${USAGE}\n`);
  process.exit(2);
}


const tests = [];
function test(name, fn, timeoutMs = TEST_TIMEOUT_MS) {
  tests.push({ name, fn, timeoutMs });
}

// ---------------------------------------------------------------------------------------------------------------
// broadcast

test("broadcast to all clients", async (t) => {
  const event = t.name("test");
  const got = t.record(t.clients, event);
  await t.do(1, "broadcast", { event, args: [1, "2", Buffer.from([3, 4])] });
  await t.expectDeliveries(got, [1, 1, 1], "broadcast from node 1 to all");
  got.forEach(([args], i) => {
    if (args.length !== 3 || args[0] !== 1 || args[1] !== "2" || !isBinary(args[2])) {
      fail(`client ${i} got the arguments ${show(args)}, expected [1, "2", <binary 03 04>]`);
    }
    expectEqual(bytesOf(args[2]), [3, 4], `client ${i}: the binary argument`);
  });
});

test("broadcast to all clients in a namespace", async (t) => {
  const custom = await t.connectCustom();
  const event = t.name("test");
  const gotCustom = t.record(custom, event);
  const gotRoot = t.record(t.clients, event);
  await t.callOn(custom[2], "node 2 /custom", "broadcast", { event }).then((ack) =>
    expectEqual(ack, true, 'node 2 /custom ack to "broadcast"')
  );
  await t.expectDeliveries(gotCustom, [1, 1, 1], "broadcast from node 2 to /custom");
  expectEqual(
    gotRoot.map((g) => g.length),
    [0, 0, 0],
    "deliveries to the clients of / (must get nothing)"
  );
});

test("broadcast to all clients in a room", async (t) => {
  const room1 = t.name("room1");
  await t.join(1, room1);
  await sleep(JOIN_SETTLE_MS);
  const event = t.name("test");
  const got = t.record(t.clients, event);
  await t.do(0, "broadcast", { rooms: [room1], event });
  await t.expectDeliveries(got, [0, 1, 0], "broadcast from node 0 to room1 (client 1 only)");
});

test("broadcast to all clients except in room", async (t) => {
  const room1 = t.name("room1");
  await t.join(1, room1);
  await sleep(JOIN_SETTLE_MS);
  const event = t.name("test");
  const got = t.record(t.clients, event);
  await t.do(2, "broadcast", { except: [room1], event });
  await t.expectDeliveries(got, [1, 0, 1], "broadcast from node 2 except room1 (clients 0 and 2)");
});

test("broadcast to all clients once", async (t) => {
  const [room1, room2, room3] = ["room1", "room2", "room3"].map((r) => t.name(r));
  await t.join(0, room1, room2);
  await t.join(1, room1, room2, room3);
  await t.join(2, room1);
  await sleep(JOIN_SETTLE_MS);
  const event = t.name("test");
  const got = t.record(t.clients, event);
  await t.do(1, "broadcast", { rooms: [room1, room2], except: [room3], event });
  await t.expectDeliveries(
    got,
    [1, 0, 1],
    "broadcast from node 1 to room1+room2 except room3 (clients 0 and 2, once each)"
  );
});

test("broadcast to local clients only", async (t) => {
  const event = t.name("test");
  const got = t.record(t.clients, event);
  await t.do(1, "broadcast", { event, local: true });
  await t.expectDeliveries(got, [0, 1, 0], "local broadcast on node 1 (client 1 only)");
});

test("broadcast to a single client", async (t) => {
  const event = t.name("test");
  const got = t.record(t.clients, event);
  await t.do(2, "broadcast", { rooms: [t.ids[1]], event });
  await t.expectDeliveries(got, [0, 1, 0], "broadcast from node 2 to the socket id of client 1");
});

test("broadcast with multiple acknowledgements", async (t) => {
  const event = t.name("test");
  const got = t.record(t.clients, event, (i, args) => args[args.length - 1](i + 1));
  const res = await t.call(0, "broadcast-ack", { event, timeout_ms: 2000 });
  if (!res || res.ok !== true || !Array.isArray(res.responses)) {
    fail(`broadcast-ack from node 0: got ${show(res)}, expected {ok: true, responses: [1, 2, 3]}`);
  }
  expectEqual([...res.responses].sort(), [1, 2, 3], "the acknowledgements");
  await t.expectDeliveries(got, [1, 1, 1], "deliveries of the broadcast with ack");
});

test("broadcast with multiple acknowledgements (binary content)", async (t) => {
  const event = t.name("test");
  const got = t.record(t.clients, event, (i, args) => args[args.length - 1](Buffer.from([i + 1])));
  const res = await t.call(1, "broadcast-ack", { event, timeout_ms: 2000 });
  if (!res || res.ok !== true || !Array.isArray(res.responses)) {
    fail(`broadcast-ack from node 1: got ${show(res)}, expected {ok: true, responses: [3 buffers]}`);
  }
  res.responses.forEach((r) => {
    if (!isBinary(r)) fail(`an acknowledgement came back as ${show(r)}, not as binary`);
  });
  expectEqual(
    res.responses.map(bytesOf).sort((a, b) => a[0] - b[0]),
    [[1], [2], [3]],
    "the binary acknowledgements"
  );
  await t.expectDeliveries(got, [1, 1, 1], "deliveries of the broadcast with ack");
});

test("broadcast with multiple acknowledgements (no client)", async (t) => {
  const event = t.name("test");
  const got = t.record(t.clients, event);
  const res = await t.call(2, "broadcast-ack", { rooms: [t.name("abc")], event, timeout_ms: 2000 });
  expectEqual(res, { ok: true, responses: [] }, "broadcast-ack from node 2 to an empty room");
  await t.expectDeliveries(got, [0, 0, 0], "deliveries to an empty room");
});

test("broadcast with multiple acknowledgements (timeout)", async (t) => {
  const event = t.name("test");
  const got = t.record(t.clients, event, (i, args) => {
    if (i !== 2) args[args.length - 1](i + 1); // client 2 never answers
  });
  const started = Date.now();
  const res = await t.call(2, "broadcast-ack", { event, timeout_ms: 1000 });
  const elapsed = Date.now() - started;
  if (!res || res.ok !== false || !Array.isArray(res.responses)) {
    fail(`broadcast-ack from node 2: got ${show(res)}, expected {ok: false, responses: [1, 2]}`);
  }
  expectEqual([...res.responses].sort(), [1, 2], "the acknowledgements that came before the timeout");
  if (elapsed < 900) fail(`the timeout of 1000 ms ended after ${elapsed} ms`);
  expectEqual(
    got.map((g) => g.length),
    [1, 1, 1],
    "deliveries of the broadcast with ack"
  );
});

// ---------------------------------------------------------------------------------------------------------------
// socketsJoin

test("socketsJoin: makes all socket instances join the specified room", async (t) => {
  const room1 = t.name("room1");
  await t.do(1, "sockets-join", { room: room1 });
  await t.expectMembers(room1, [true, true, true], "after socketsJoin(room1) from node 1");
});

test("socketsJoin: makes the matching socket instances join the specified room", async (t) => {
  const [room1, room2, room3] = ["room1", "room2", "room3"].map((r) => t.name(r));
  await t.join(0, room1);
  await t.join(2, room1, room3);
  await t.do(1, "sockets-join", { rooms: [room1], except: [room3], room: room2 });
  await t.expectMembers(room2, [true, false, false], "after in(room1).except(room3).socketsJoin(room2) from node 1");
  await t.expectMembers(room1, [true, false, true], "room1 (unchanged)");
});

test("socketsJoin: makes the given socket instance join the specified room", async (t) => {
  const room3 = t.name("room3");
  await t.do(2, "sockets-join", { rooms: [t.ids[1]], room: room3 });
  await t.expectMembers(room3, [false, true, false], "after in(<client 1>).socketsJoin(room3) from node 2");
});

// ---------------------------------------------------------------------------------------------------------------
// socketsLeave

test("socketsLeave: makes all socket instances leave the specified room", async (t) => {
  const room1 = t.name("room1");
  await t.join(0, room1);
  await t.join(2, room1);
  await t.expectMembers(room1, [true, false, true], "before socketsLeave");
  await t.do(2, "sockets-leave", { room: room1 });
  await t.expectMembers(room1, [false, false, false], "after socketsLeave(room1) from node 2");
});

test("socketsLeave: makes the matching socket instances leave the specified room", async (t) => {
  const [room1, room2] = ["room1", "room2"].map((r) => t.name(r));
  await t.join(0, room1, room2);
  await t.join(1, room1, room2);
  await t.join(2, room2);
  await t.expectMembers(room2, [true, true, true], "before socketsLeave");
  await t.do(1, "sockets-leave", { rooms: [room1], room: room2 });
  await t.expectMembers(room2, [false, false, true], "after in(room1).socketsLeave(room2) from node 1");
  await t.expectMembers(room1, [true, true, false], "room1 (unchanged)");
});

test("socketsLeave: makes the given socket instance leave the specified room", async (t) => {
  const room3 = t.name("room3");
  await t.join(0, room3);
  await t.join(1, room3);
  await t.join(2, room3);
  await t.expectMembers(room3, [true, true, true], "before socketsLeave");
  await t.do(0, "sockets-leave", { rooms: [t.ids[1]], room: room3 });
  await t.expectMembers(room3, [true, false, true], "after in(<client 1>).socketsLeave(room3) from node 0");
});

// ---------------------------------------------------------------------------------------------------------------
// disconnectSockets

test("disconnectSockets: makes all socket instances disconnect", async (t) => {
  const reasons = t.record(t.clients, "disconnect");
  // the client of node 1 is disconnected too, so its ack may never come: do not wait for it
  t.clients[1].emit("disconnect-sockets", {}, () => {});
  await t.expectDeliveries(reasons, [1, 1, 1], "disconnect events after disconnectSockets() from node 1");
  expectEqual(
    reasons.map((r) => r[0][0]),
    ["io server disconnect", "io server disconnect", "io server disconnect"],
    "the disconnect reasons"
  );
});

// ---------------------------------------------------------------------------------------------------------------
// fetchSockets

function checkFetched(sockets, expected, what) {
  // expected: {id: [rooms]} ; the order of sockets and of rooms is free
  if (!Array.isArray(sockets)) fail(`${what}: got ${show(sockets)}, expected an array of sockets`);
  const ids = sockets.map((s) => s && s.id);
  expectEqual([...ids].sort(), Object.keys(expected).sort(), `${what}: the socket ids`);
  for (const s of sockets) {
    if (!Array.isArray(s.rooms)) fail(`${what}: socket ${s.id} has the rooms ${show(s.rooms)}, not an array`);
    expectEqual([...s.rooms].sort(), [...expected[s.id]].sort(), `${what}: the rooms of ${s.id}`);
  }
}

test("fetchSockets: returns all socket instances", async (t) => {
  const sockets = await t.call(2, "fetch", {});
  const expected = Object.fromEntries(t.ids.map((id) => [id, [id]]));
  checkFetched(sockets, expected, "fetchSockets() from node 2");
});

test("fetchSockets: returns a single socket instance, with its data, on every node", async (t) => {
  const data = t.ids.map((_id, i) => ({ index: i, name: `client ${i}`, tag: t.tag, list: [i, "x"] }));
  await Promise.all(t.clients.map((_c, i) => t.do(i, "set-data", data[i])));
  for (let node = 0; node < 3; node++) {
    const sockets = await t.call(node, "fetch", { rooms: [t.ids[1]] });
    checkFetched(sockets, { [t.ids[1]]: [t.ids[1]] }, `in(<client 1>).fetchSockets() from node ${node}`);
    expectEqual(sockets[0].data, data[1], `node ${node}: the data of client 1`);
    const all = await t.call(node, "fetch", {});
    checkFetched(all, Object.fromEntries(t.ids.map((id) => [id, [id]])), `fetchSockets() from node ${node}`);
    for (const s of all) {
      expectEqual(s.data, data[t.ids.indexOf(s.id)], `node ${node}: the data of ${s.id}`);
    }
  }
});

test("fetchSockets: returns the socket instances matching rooms and except", async (t) => {
  const [room1, room2, room3] = ["room1", "room2", "room3"].map((r) => t.name(r));
  const [id0, id1, id2] = t.ids;
  await t.join(0, room1, room2);
  await t.join(1, room1);
  await t.join(2, room1, room3);
  checkFetched(
    await t.call(1, "fetch", { rooms: [room1], except: [room3] }),
    { [id0]: [id0, room1, room2], [id1]: [id1, room1] },
    "in(room1).except(room3).fetchSockets() from node 1"
  );
  checkFetched(
    await t.call(0, "fetch", { rooms: [room2, room3] }),
    { [id0]: [id0, room1, room2], [id2]: [id2, room1, room3] },
    "in([room2, room3]).fetchSockets() from node 0"
  );
  checkFetched(await t.call(2, "fetch", { except: [room1] }), {}, "except(room1).fetchSockets() from node 2");
});

// ---------------------------------------------------------------------------------------------------------------
// serverSideEmit

test("serverSideEmit: sends an event to other server instances", async (t) => {
  const args = ["world", 1, "2", { tag: t.tag }];
  await t.do(0, "server-side-emit", { event: "hello", args });
  const last = [null, null, null];
  const deadline = Date.now() + DELIVERY_WAIT_MS;
  for (;;) {
    [last[1], last[2]] = await Promise.all([t.call(1, "last-hello"), t.call(2, "last-hello")]);
    if (isDeepStrictEqual(last[1], args) && isDeepStrictEqual(last[2], args)) break;
    if (Date.now() >= deadline) break;
    await sleep(50);
  }
  expectEqual(last[1], args, 'the last "hello" of node 1');
  expectEqual(last[2], args, 'the last "hello" of node 2');
  await sleep(EXTRA_MS);
  last[0] = await t.call(0, "last-hello");
  if (isDeepStrictEqual(last[0], args)) fail('node 0 got its own "hello"');
});

test("serverSideEmit: sends an event and receives a response from the other server instances", async (t) => {
  const res = await t.call(2, "server-side-emit-ack", { event: "ping", args: [], timeout_ms: 2000 }, 7000);
  expectEqual(res, { ok: true, responses: ["pong", "pong"] }, 'serverSideEmit("ping") with ack from node 2');
}, 8000);

test("serverSideEmit: sends an event but timeout if one server does not respond", async (t) => {
  // No node answers this event. Node's classic adapter gives up after its requestsTimeout, the sharded one
  // (ClusterAdapter) after a fixed 5000 ms.
  const event = t.name("nobody-answers");
  const res = await t.call(1, "server-side-emit-ack", { event, args: [t.tag], timeout_ms: 1000 }, 7000);
  expectEqual(res, { ok: false, responses: [] }, `serverSideEmit("${event}") with ack from node 1`);
}, 8000);

test("serverCount: every node counts 3 servers", async (t) => {
  const counts = await Promise.all([0, 1, 2].map((i) => t.call(i, "server-count")));
  expectEqual(counts, [3, 3, 3], "server-count on nodes 0, 1, 2");
});

// ---------------------------------------------------------------------------------------------------------------

async function runTest(urls, { name, fn, timeoutMs }) {
  const t = new Context(urls);
  let timer;
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  const body = (async () => {
    await t.connect();
    await fn(t);
  })();
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
  if (selected.length === 0) usage(`no test name contains "${only}"`);

  const started = Date.now();
  let passed = 0;
  let failed = 0;
  for (const entry of selected) {
    if (Date.now() - started > SUITE_BUDGET_MS) {
      failed++;
      process.stdout.write(`not ok - ${entry.name}: not run, the suite budget of ${SUITE_BUDGET_MS} ms is spent\n`);
      continue;
    }
    const reason = await runTest(urls, entry);
    if (reason === null) {
      passed++;
      process.stdout.write(`ok - ${entry.name}\n`);
    } else {
      failed++;
      process.stdout.write(`not ok - ${entry.name}: ${reason}\n`);
    }
    await sleep(50); // let the servers see the disconnects of this test's clients
  }
  process.stdout.write(`cluster suite: ${passed} passed, ${failed} failed\n`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`suite.js: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
