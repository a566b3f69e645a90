// permessage-deflate between the sio server under test and real npm peers: socket.io-client (npm `ws`
// underneath) and raw `ws` clients. A TCP tap between them reads the RSV1 bit of every websocket frame.
// Usage: node permessage_deflate.mjs <base url> <websocket|upgrade|off|raw|server-options>
// Prints one line per case; exits 1 on the first failure.
import { io } from "socket.io-client";
import WebSocket from "ws";
import zlib from "node:zlib";
import crypto from "node:crypto";
import assert from "node:assert/strict";
import { tap as tapTo } from "../engine/ws_tap.mjs";

const [base, mode] = process.argv.slice(2);
const target = new URL(base);
const TIMEOUT = 10000;

function withTimeout(promise, what) {
  let t;
  const timeout = new Promise((_, reject) => {
    t = setTimeout(() => reject(new Error(`timeout: ${what}`)), TIMEOUT);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(t));
}

const tap = () => tapTo(Number(target.port), target.hostname);
const once = (emitter, event) =>
  withTimeout(new Promise((resolve) => emitter.once(event, (...a) => resolve(a))), event);

const cases = [];
const test = (name, fn) => cases.push([name, fn]);
const toServer = (d) => d.filter((f) => f.dir === "c2s");
const toClient = (d) => d.filter((f) => f.dir === "s2c");

async function officialClient(t, transports) {
  const s = io(t.url, { forceNew: true, reconnection: false, timeout: TIMEOUT, transports });
  await once(s, "connect");
  const engine = s.io.engine;
  if (engine.transport.name !== "websocket") await once(engine, "upgrade");
  assert.equal(engine.transport.name, "websocket");
  return s;
}

// Asks the server for a `data` event of `size` bytes; returns the frames that carried it.
async function ask(t, s, size, compress = true) {
  const { result, data } = await t.during(async () => {
    const got = once(s, "data");
    s.emit("send", { size, compress });
    return (await got)[0];
  });
  assert.equal(result, "x".repeat(size));
  const answers = toClient(data);
  assert.equal(answers.length, 1, JSON.stringify(data));
  return answers[0];
}

if (mode === "websocket" || mode === "upgrade" || mode === "server-options") {
  test(`${mode}: the 101 negotiates permessage-deflate`, async () => {
    const t = await tap();
    const s = await officialClient(t, mode === "upgrade" ? ["polling", "websocket"] : ["websocket"]);
    const head = t.heads.at(-1);
    assert.match(head, /^HTTP\/1\.1 101/);
    const expected =
      mode === "server-options"
        ? "permessage-deflate; server_no_context_takeover; server_max_window_bits=10"
        : "permessage-deflate";
    assert.match(head, new RegExp(`\r\nsec-websocket-extensions: ${expected}(\r\n|$)`, "i"));
    assert.equal(s.io.engine.transport.ws.extensions, "permessage-deflate");

    // Large: compressed. Small: not. compress(false): not.
    const big = await ask(t, s, 5000);
    assert.ok(big.rsv1 && big.len < 500, JSON.stringify(big));
    const again = await ask(t, s, 5000);
    assert.ok(again.rsv1, JSON.stringify(again));
    if (mode === "server-options") {
      // No context takeover: the same message compresses to the same size.
      assert.equal(again.len, big.len);
    } else {
      // Context takeover: the repeat refers back to the first and shrinks.
      assert.ok(again.len < big.len, `${again.len} < ${big.len}`);
    }
    const small = await ask(t, s, 100);
    assert.ok(!small.rsv1 && small.len > 100, JSON.stringify(small));
    const plain = await ask(t, s, 5000, false);
    assert.ok(!plain.rsv1 && plain.len > 5000, JSON.stringify(plain));

    // A binary attachment of 4 KiB goes compressed, its placeholder packet (small) not.
    const { result, data } = await t.during(async () => {
      const got = once(s, "binary");
      s.emit("send-binary", 4096);
      return (await got)[0];
    });
    assert.equal(Buffer.from(result).length, 4096);
    const frames = toClient(data);
    assert.deepEqual(frames.map((f) => [f.opcode, f.rsv1]), [[1, false], [2, true]]);

    // The client compresses its large messages; the server inflates them whole.
    const echoed = await t.during(() => s.timeout(TIMEOUT).emitWithAck("length", "y".repeat(20000)));
    assert.deepEqual(echoed.result, { length: 20000, intact: true });
    const sent = toServer(echoed.data);
    assert.equal(sent.length, 1);
    assert.ok(sent[0].rsv1 && sent[0].len < 1000, JSON.stringify(sent[0]));
    s.close();
    t.close();
  });
}

if (mode === "off") {
  test("off: the client's offer is declined, nothing is compressed", async () => {
    const t = await tap();
    const s = await officialClient(t, ["websocket"]);
    assert.doesNotMatch(t.heads.at(-1), /sec-websocket-extensions/i);
    assert.equal(s.io.engine.transport.ws.extensions, "");
    const big = await ask(t, s, 5000);
    assert.ok(!big.rsv1 && big.len > 5000, JSON.stringify(big));
    const echoed = await t.during(() => s.timeout(TIMEOUT).emitWithAck("length", "y".repeat(20000)));
    assert.deepEqual(echoed.result, { length: 20000, intact: true });
    assert.ok(toServer(echoed.data).every((f) => !f.rsv1));
    s.close();
    t.close();
  });
}

// A raw `ws` session on the Engine.IO endpoint: open packet read, main namespace joined.
async function rawSession(url, perMessageDeflate) {
  const ws = new WebSocket(`${url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`, {
    perMessageDeflate,
  });
  const messages = [];
  let waiting = null;
  ws.on("message", (data) => {
    const text = data.toString();
    if (text === "2") return ws.send("3");
    messages.push(text);
    if (waiting) waiting();
  });
  const next = () =>
    withTimeout(
      new Promise((resolve) => {
        const take = () => (messages.length ? resolve(messages.shift()) : (waiting = take));
        take();
      }),
      "raw message",
    );
  await once(ws, "open");
  assert.match(await next(), /^0\{/);
  ws.send("40");
  assert.match(await next(), /^40\{/);
  return { ws, next };
}

// A masked client frame written straight to the socket: FIN, RSV1 if `compressed`, text.
function rawFrame(payload, compressed) {
  const mask = crypto.randomBytes(4);
  const len = payload.length;
  const head =
    len < 126 ? Buffer.from([0, 0x80 | len])
    : len < 65536 ? Buffer.concat([Buffer.from([0, 0x80 | 126]), Buffer.from([len >> 8, len & 0xff])])
    : (() => {
        const h = Buffer.alloc(10);
        h[1] = 0x80 | 127;
        h.writeBigUInt64BE(BigInt(len), 2);
        return h;
      })();
  head[0] = 0x80 | (compressed ? 0x40 : 0) | 0x1;
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([head, mask, masked]);
}

async function closedWith(ws, frame) {
  const closed = once(ws, "close");
  ws._socket.write(frame);
  const [code] = await closed;
  return code;
}

if (mode === "raw") {
  for (const bits of [8, 10]) {
    test(`raw ws: server_no_context_takeover, server window ${bits}, client window 10`, async () => {
      const t = await tap();
      const { ws, next } = await rawSession(t.url, {
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: bits,
        clientMaxWindowBits: 10,
        threshold: 0,
      });
      assert.deepEqual({ ...ws._extensions["permessage-deflate"].params }, {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        server_max_window_bits: bits,
        client_max_window_bits: 10,
      });
      // Random text repeated at a distance of 4000 bytes, echoed three times: `ws` inflates each
      // message with a fresh context and a window of `bits`, so a reference to an earlier message,
      // or farther back than the window, would fail to inflate and close the connection.
      const noise = crypto.randomBytes(3000).toString("base64");
      const packet = `42["echo",${JSON.stringify(noise + noise)}]`;
      const sizes = [];
      for (let i = 0; i < 3; i++) {
        const { result, data } = await t.during(async () => {
          ws.send(packet);
          return next();
        });
        assert.equal(result, packet);
        const [frame] = toClient(data);
        assert.ok(frame.rsv1 && frame.len < packet.length, JSON.stringify(frame));
        sizes.push(frame.len);
        // The client's message went compressed too, and the server inflated it.
        assert.ok(toServer(data)[0].rsv1);
      }
      assert.equal(new Set(sizes).size, 1, `${sizes}`);
      ws.close();
      t.close();
    });
  }

  test("raw ws: compressed data that does not inflate is closed with 1007", async () => {
    const { ws } = await rawSession(base, { threshold: 0 });
    const code = await closedWith(ws, rawFrame(Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa]), true));
    assert.equal(code, 1007);
  });

  test("raw ws: a deflate bomb (5 MB of zeros, 5 KB on the wire) is closed with 1009", async () => {
    const { ws } = await rawSession(base, { threshold: 0 });
    const bomb = zlib.deflateRawSync(Buffer.alloc(5_000_000, 0x61));
    assert.ok(bomb.length < 10000);
    assert.equal(await closedWith(ws, rawFrame(bomb, true)), 1009);
  });

  test("raw ws: RSV1 without the extension is closed with 1002", async () => {
    const { ws } = await rawSession(base, false);
    assert.equal(ws.extensions, "");
    const data = zlib.deflateRawSync(Buffer.from('42["x"]'));
    assert.equal(await closedWith(ws, rawFrame(data, true)), 1002);
  });
}

if (cases.length === 0) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
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
process.exit(0);
