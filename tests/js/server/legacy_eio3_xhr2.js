// A browser's socket.io-client 2.x over polling (Engine.IO revision 3 with XHR2: binary payloads),
// driven at the HTTP level with that client's own codecs: engine.io-parser 2.2 and socket.io-parser 3.3
// as npm socket.io-client 2.5 ships them. In Node the client itself has no XHR2 and asks for base64.
// Usage: node legacy_eio3_xhr2.js <base url>
// Prints one line per case; exits 1 on the first failure.
"use strict";
const eio = require("socket.io-client-v2/node_modules/engine.io-parser");
const sio = require("socket.io-client-v2/node_modules/socket.io-parser");
const assert = require("node:assert/strict");

const [base] = process.argv.slice(2);
const TIMEOUT = 10000;
setTimeout(() => {
  console.error("legacy_eio3_xhr2.js: no result within 30 s");
  process.exit(1);
}, 30000).unref();

let sid;
const url = () => `${base}/socket.io/?EIO=3&transport=polling&t=${Date.now()}${sid ? `&sid=${sid}` : ""}`;

// Engine.IO packets of a polling answer, decoded as the client decodes them.
async function poll() {
  const res = await fetch(url(), { signal: AbortSignal.timeout(TIMEOUT) });
  assert.equal(res.status, 200);
  const type = res.headers.get("content-type");
  const packets = [];
  if (type === "application/octet-stream") {
    const body = Buffer.from(await res.arrayBuffer());
    eio.decodePayloadAsBinary(body, (p) => packets.push(p));
  } else {
    assert.equal(type, "text/plain; charset=UTF-8");
    eio.decodePayload(await res.text(), (p) => packets.push(p));
  }
  assert.ok(packets.every((p) => p.type !== "error"), `a payload that decodes: ${JSON.stringify(packets)}`);
  return { binary: type === "application/octet-stream", packets };
}

// Posts Engine.IO packets as the client encodes them: a binary payload if any is binary.
async function post(packets) {
  const payload = await new Promise((resolve) => eio.encodePayload(packets, true, resolve));
  const binary = Buffer.isBuffer(payload);
  const res = await fetch(url(), {
    method: "POST",
    body: payload,
    headers: { "content-type": binary ? "application/octet-stream" : "text/plain;charset=UTF-8" },
    signal: AbortSignal.timeout(TIMEOUT),
  });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "ok");
  return binary;
}

// Socket.IO packets as Engine.IO messages.
const messages = (packet) =>
  new Promise((resolve) =>
    new sio.Encoder().encode(packet, (parts) => resolve(parts.map((data) => ({ type: "message", data })))));

// Polls until `count` Socket.IO packets are decoded; returns them and whether a payload was binary.
async function receive(count) {
  const decoder = new sio.Decoder();
  const decoded = [];
  decoder.on("decoded", (p) => decoded.push(p));
  let binary = false;
  let pongs = 0;
  while (decoded.length < count) {
    const answer = await poll();
    binary ||= answer.binary;
    for (const p of answer.packets) {
      if (p.type === "message") decoder.add(p.data);
      else if (p.type === "pong") pongs++;
      else assert.equal(p.type, "noop", `unexpected ${p.type}`);
    }
  }
  return { decoded, binary, pongs };
}

const toArr = (v) => Array.from(Buffer.isBuffer(v) ? v : new Uint8Array(v));

const cases = [];
const test = (name, fn) => cases.push([name, fn]);

test("handshake and the unasked CONNECT of /, in text payloads", async () => {
  const { binary, packets } = await poll();
  assert.equal(binary, false);
  assert.equal(packets[0].type, "open");
  const open = JSON.parse(packets[0].data);
  sid = open.sid;
  assert.deepEqual(open.upgrades, ["websocket"]);
  const { decoded } = await receive(2);
  assert.equal(decoded[0].type, sio.CONNECT);
  assert.equal(decoded[0].nsp, "/");
  assert.equal(decoded[1].data[0], "hello");
  assert.equal(decoded[1].data[1].id, sid);
});

test("a text payload with characters outside the BMP, both ways", async () => {
  const event = await messages({ type: sio.EVENT, nsp: "/", data: ["echo", "é😀€", "x:2:"] });
  assert.equal(await post([...event, { type: "ping" }]), false);
  const { decoded, binary, pongs } = await receive(1);
  assert.equal(binary, false);
  assert.equal(pongs, 1);
  assert.deepEqual(decoded[0].data, ["echo", "é😀€", "x:2:"]);
});

test("binary payloads both ways: an event and an ack with attachments", async () => {
  const echo = await messages({
    type: sio.BINARY_EVENT,
    nsp: "/",
    data: ["echo", Buffer.from([1, 2, 3]), { n: Buffer.from([255, 0, 58]) }, "é😀"],
  });
  const ack = await messages({ type: sio.BINARY_EVENT, nsp: "/", id: 7, data: ["ack-me", Buffer.alloc(300, 9)] });
  assert.equal(await post([...echo, ...ack, { type: "ping" }]), true);
  const { decoded, binary } = await receive(2);
  assert.equal(binary, true);
  const event = decoded.find((p) => p.type === sio.BINARY_EVENT);
  assert.equal(event.data[0], "echo");
  assert.deepEqual(toArr(event.data[1]), [1, 2, 3]);
  assert.deepEqual(toArr(event.data[2].n), [255, 0, 58]);
  assert.equal(event.data[3], "é😀");
  const answer = decoded.find((p) => p.type === sio.BINARY_ACK);
  assert.equal(answer.id, 7);
  assert.deepEqual(toArr(answer.data[0]), toArr(Buffer.alloc(300, 9)));
});

test("invalid UTF-8 in a text payload reads as U+FFFD, as Node reads it", async () => {
  // `42["echo","\xff"]`: 14 characters once the byte is U+FFFD.
  const body = Buffer.concat([Buffer.from('14:42["echo","'), Buffer.from([0xff]), Buffer.from('"]')]);
  const res = await fetch(url(), {
    method: "POST",
    body,
    headers: { "content-type": "text/plain;charset=UTF-8" },
    signal: AbortSignal.timeout(TIMEOUT),
  });
  assert.equal(await res.text(), "ok");
  const { decoded } = await receive(1);
  assert.deepEqual(decoded[0].data, ["echo", "\ufffd"]);
});

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
  console.log(`${cases.length} cases passed`);
  process.exit(0);
})();
