// Encodes and decodes Socket.IO packets with the official parsers, for the Rust cross-check test.
//
// stdin: a JSON array of requests; stdout: a JSON array of answers, one per request.
//   {"op":"encode","packet":P}          -> {"default":[frame...],"msgpack":"<base64>"}
//   {"op":"decodeDefault","frames":[f]} -> {"packet":P} or {"error":"..."}
//   {"op":"decodeMsgpack","frame":"b64"} -> {"packet":P} or {"error":"..."}
// A packet P is {type, nsp, id?, data?}; binary anywhere is {"$b":"<base64>"}, a string holding a lone
// surrogate (which the Rust side's JSON cannot carry) is {"$u16":[code units]} (a key, "$u16:[code units]");
// a frame is a string (text)
// or {"$b":"<base64>"} (binary).
"use strict";

const defaultParser = require("socket.io-parser");
const msgpackParser = require("socket.io-msgpack-parser");

function fromTagged(v) {
  if (Array.isArray(v)) return v.map(fromTagged);
  if (v && typeof v === "object") {
    if (typeof v.$b === "string" && Object.keys(v).length === 1) return Buffer.from(v.$b, "base64");
    if (Array.isArray(v.$u16) && Object.keys(v).length === 1) return String.fromCharCode(...v.$u16);
    const out = {};
    for (const k of Object.keys(v)) out[fromTaggedKey(k)] = fromTagged(v[k]);
    return out;
  }
  return v;
}

// A key holding a lone surrogate is "$u16:[code units]".
function fromTaggedKey(k) {
  return k.startsWith("$u16:") ? String.fromCharCode(...JSON.parse(k.slice(5))) : k;
}

function units(s) {
  return Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
}

function toTaggedKey(k) {
  return k.isWellFormed() ? k : "$u16:" + JSON.stringify(units(k));
}

function toTagged(v) {
  if (typeof v === "string" && !v.isWellFormed()) {
    return { $u16: units(v) };
  }
  if (Buffer.isBuffer(v)) return { $b: v.toString("base64") };
  if (v instanceof ArrayBuffer) return { $b: Buffer.from(v).toString("base64") };
  if (Array.isArray(v)) return v.map(toTagged);
  if (v && typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v)) if (v[k] !== undefined) out[toTaggedKey(k)] = toTagged(v[k]);
    return out;
  }
  return v;
}

// Builds the packet object with its keys in the order the official server creates them, which decides
// the msgpack bytes.
function buildPacket(p) {
  const data = p.data === undefined ? undefined : fromTagged(p.data);
  switch (p.type) {
    case 3:
      return { id: p.id, type: 3, data, nsp: p.nsp };
    case 2: {
      const packet = { type: 2, data };
      if (p.id !== undefined) packet.id = p.id;
      packet.nsp = p.nsp;
      return packet;
    }
    case 1:
      return { type: 1, nsp: p.nsp };
    default: {
      const packet = { type: p.type };
      if (data !== undefined) packet.data = data;
      packet.nsp = p.nsp;
      return packet;
    }
  }
}

function describe(packet) {
  const out = { type: packet.type, nsp: packet.nsp };
  if (packet.id !== undefined) out.id = packet.id;
  if (packet.data !== undefined) out.data = toTagged(packet.data);
  return out;
}

function decodeWith(decoder, frames) {
  let decoded;
  decoder.on("decoded", (p) => (decoded = p));
  try {
    for (const f of frames) decoder.add(f);
  } catch (e) {
    return { error: String(e.message || e) };
  }
  return decoded === undefined ? { error: "incomplete" } : { packet: describe(decoded) };
}

function answer(req) {
  switch (req.op) {
    case "encode": {
      const packet = buildPacket(req.packet);
      const frames = new defaultParser.Encoder().encode(packet);
      const msgpack = new msgpackParser.Encoder().encode(buildPacket(req.packet))[0];
      return {
        default: frames.map((f) => (typeof f === "string" ? f : { $b: Buffer.from(f).toString("base64") })),
        msgpack: Buffer.from(msgpack).toString("base64"),
      };
    }
    case "decodeDefault":
      return decodeWith(
        new defaultParser.Decoder(),
        req.frames.map((f) => (typeof f === "string" ? f : Buffer.from(f.$b, "base64"))),
      );
    case "decodeMsgpack":
      return decodeWith(new msgpackParser.Decoder(), [Buffer.from(req.frame, "base64")]);
    default:
      return { error: "unknown op " + req.op };
  }
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (c) => (input += c));
process.stdin.on("end", () => {
  const requests = JSON.parse(input);
  process.stdout.write(JSON.stringify(requests.map(answer)));
});
