// Encodes Engine.IO revision 3 payloads with the official engine.io-parser 2.2 (as npm socket.io-client
// 2.5 ships it), for crates/sio-protocol/tests/eio3_crosscheck.rs to compare with sio's bytes.
// Reads a JSON array of packet lists on stdin (each packet {type, data} or {type, bin: base64}); prints,
// for each list, the payload for a client without binary support and for one with it, in base64.
"use strict";
const parser = require("socket.io-client-v2/node_modules/engine.io-parser");

setTimeout(() => {
  console.error("eio3_crosscheck.js: no result within 20 s");
  process.exit(1);
}, 20000).unref();

const encode = (packets, supportsBinary) =>
  new Promise((resolve) => parser.encodePayload(packets, supportsBinary, resolve));
const bytes = (payload) =>
  Buffer.isBuffer(payload)
    ? { binary: true, base64: payload.toString("base64") }
    : { binary: false, base64: Buffer.from(payload, "utf8").toString("base64") };

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const out = [];
  for (const list of JSON.parse(input)) {
    const packets = list.map((p) =>
      p.bin !== undefined ? { type: p.type, data: Buffer.from(p.bin, "base64") } : p);
    out.push({ text: bytes(await encode(packets, false)), xhr2: bytes(await encode(packets, true)) });
  }
  process.stdout.write(JSON.stringify(out));
});
