// Drives the sio server under test with socket.io-client 2.x (Engine.IO revision 3, Socket.IO
// protocol v4), as old clients still connect.
// Usage: node legacy_eio3.js <base url> <polling|websocket|websocket-base64|upgrade|refused>
// In Node the client has no XHR2: over polling it asks for base64 (`b64=1`) and gets text payloads
// (binary payloads are driven by legacy_eio3_xhr2.js).
// Prints one line per case; exits 1 on the first failure.
"use strict";
const io = require("socket.io-client-v2");
const { io: ioV4 } = require("socket.io-client");
const assert = require("node:assert/strict");

const [base, mode] = process.argv.slice(2);
const TIMEOUT = 10000;

const transportOpts = {
  polling: { transports: ["polling"] },
  websocket: { transports: ["websocket"] },
  // `b64=1` on the websocket: binary as `b4<base64>` text messages both ways.
  "websocket-base64": { transports: ["websocket"], forceBase64: true },
  upgrade: {},
  refused: {},
}[mode];
if (!transportOpts) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}

const open = [];
function connect(nsp = "/", extra = {}) {
  const s = io(base + nsp, { forceNew: true, reconnection: false, timeout: TIMEOUT, ...transportOpts, ...extra });
  open.push(s);
  return s;
}

// The first of `events` the emitter fires, as [event, args]; fails after TIMEOUT.
function first(emitter, ...events) {
  return new Promise((resolve, reject) => {
    const handlers = [];
    const done = () => {
      clearTimeout(timer);
      handlers.forEach(([e, h]) => emitter.off(e, h));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timeout waiting for ${events.join(" or ")}`));
    }, TIMEOUT);
    for (const event of events) {
      const h = (...args) => {
        done();
        resolve([event, args]);
      };
      handlers.push([event, h]);
      emitter.on(event, h);
    }
  });
}
const once = async (emitter, event) => (await first(emitter, event))[1];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A connected socket and the server's `hello` (what it sees of the socket).
async function connected(nsp = "/", extra = {}) {
  const s = connect(nsp, extra);
  const hello = once(s, "hello");
  const [event, args] = await first(s, "connect", "connect_error", "error");
  assert.equal(event, "connect", `${event}: ${JSON.stringify(args)}`);
  if (mode === "upgrade" && s.io.engine.transport.name !== "websocket") {
    await once(s.io.engine, "upgrade");
  }
  return [s, (await hello)[0]];
}

const bytes = (...b) => Buffer.from(b);
const toArr = (v) => Array.from(Buffer.isBuffer(v) ? v : new Uint8Array(v.buffer ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v));
const expectedTransport = mode === "polling" ? "polling" : "websocket";

const cases = [];
const test = (name, fn) => cases.push([name, fn]);

if (mode === "refused") {
  test("the handshake is refused: connect_error, 400 from the polling request", async () => {
    const s = connect("/");
    const [event, [error]] = await first(s, "connect", "connect_error");
    assert.equal(event, "connect_error");
    assert.equal(error.message, "xhr poll error");
    assert.equal(error.description, 400);
    assert.equal(s.connected, false);
  });
} else {
  let main;
  test("connected to / unasked: the socket id is the session id, revision 3", async () => {
    const [s, hello] = await connected("/");
    main = s;
    assert.equal(s.id, s.io.engine.id);
    assert.equal(hello.id, s.id);
    assert.equal(hello.protocol, 3);
    assert.equal(hello.query.EIO, "3");
    assert.deepEqual(hello.auth, {});
    assert.equal(s.io.engine.transport.name, expectedTransport);
  });

  test("text events both ways (lengths in UTF-16 units)", async () => {
    const p = once(main, "echo");
    main.emit("echo", "héllo 😀 €", { a: [1, null, "x:y"], "2:": true });
    assert.deepEqual(await p, ["héllo 😀 €", { a: [1, null, "x:y"], "2:": true }]);
  });

  test("binary events both ways", async () => {
    // Over polling, the payloads the client gets: text, binary as `b4<base64>`.
    const payloads = new Set();
    const transport = main.io.engine.transport;
    const onData = transport.onData;
    transport.onData = function (data) {
      payloads.add(typeof data === "string" ? "text" : "binary");
      return onData.call(this, data);
    };
    const big = Buffer.alloc(70000, 7);
    const p = once(main, "echo");
    main.emit("echo", bytes(1, 2, 3), { nested: bytes(255, 0, 58) }, "after", big);
    const args = await p;
    transport.onData = onData;
    if (mode === "polling") assert.deepEqual([...payloads], ["text"]);
    assert.equal(args.length, 4);
    assert.deepEqual(toArr(args[0]), [1, 2, 3]);
    assert.deepEqual(toArr(args[1].nested), [255, 0, 58]);
    assert.equal(args[2], "after");
    assert.deepEqual(toArr(args[3]), toArr(big));
  });

  test("an ack from the server, with binary", async () => {
    const args = await new Promise((resolve) => main.emit("ack-me", "x", bytes(4, 5), (...a) => resolve(a)));
    assert.equal(args[0], "x");
    assert.deepEqual(toArr(args[1]), [4, 5]);
  });

  test("an ack from the client, with binary", async () => {
    main.once("question", (...args) => {
      const cb = args.pop();
      cb(`answer to ${args[0]}`, bytes(9));
    });
    const p = once(main, "answer");
    main.emit("ask", "why");
    const answer = await p;
    assert.equal(answer[0], "answer to why");
    assert.deepEqual(toArr(answer[1]), [9]);
  });

  test("a namespace with a query: the query is the auth, the id is nsp#sid", async () => {
    const [s, hello] = await connected("/admin", { query: { token: "a b", n: "1" } });
    assert.equal(s.id, `/admin#${s.io.engine.id}`);
    assert.equal(hello.id, s.id);
    assert.deepEqual(hello.auth, { token: "a b", n: "1" });
    const p = once(s, "echo");
    s.emit("echo", "in admin", bytes(6));
    const args = await p;
    assert.equal(args[0], "in admin");
    assert.deepEqual(toArr(args[1]), [6]);
  });

  test("a middleware refuses: the error carries its message", async () => {
    const s = connect("/secure");
    const [event, [error]] = await first(s, "connect", "error");
    assert.equal(event, "error");
    assert.equal(error, "not allowed");
    assert.equal(s.connected, false);
  });

  test("a middleware refuses: the error carries its data", async () => {
    const s = connect("/secure", { query: { code: "7" } });
    const [event, [error]] = await first(s, "connect", "error");
    assert.equal(event, "error");
    assert.deepEqual(error, { code: "7" });
  });

  test("a broadcast reaches Socket.IO 2.x and 4.x clients alike, binary included", async () => {
    const modern = ioV4(base, { forceNew: true, reconnection: false, timeout: TIMEOUT, transports: ["websocket"] });
    open.push(modern);
    const [event] = await first(modern, "connect", "connect_error");
    assert.equal(event, "connect");
    const news = { text: "héllo 😀", bin: bytes(1, 255) };
    const got = Promise.all([once(main, "news"), once(modern, "news")]);
    main.emit("shout", news);
    for (const [arg] of await got) {
      assert.equal(arg.text, news.text);
      assert.deepEqual(toArr(arg.bin), [1, 255]);
    }
  });

  test("heartbeat: the client pings, the server answers with pongs", async () => {
    let pongs = 0;
    const count = () => pongs++;
    main.io.on("pong", count);
    await sleep(1500);
    main.io.off("pong", count);
    assert.ok(pongs >= 2, `${pongs} pongs in 1.5 s with pingInterval 300 ms`);
    assert.equal(main.connected, true);
    const p = once(main, "echo");
    main.emit("echo", "still here");
    assert.deepEqual(await p, ["still here"]);
  });
}

(async () => {
  for (const [name, fn] of cases) {
    try {
      await fn();
      console.log(`ok - ${name}`);
    } catch (e) {
      console.log(`not ok - ${name}`);
      console.error(e);
      process.exit(1);
    }
  }
  open.forEach((s) => s.close());
  console.log(`${cases.length} cases passed (${mode})`);
  process.exit(0);
})();
