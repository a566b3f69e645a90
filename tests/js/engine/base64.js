// The official engine.io-client with `forceBase64: true` (a client that cannot take binary) against an
// Engine.IO echo server, over polling, websocket and upgrade: it sends a binary message (as `b` +
// base64 text) and a text one, and checks their echoes; on websocket it also records how the binary
// echo came on the wire ("text" when the server honoured `b64=1`). Prints one JSON line per mode.
// Usage: node base64.js <port>
"use strict";

const { Socket } = require("engine.io-client");

const port = Number(process.argv[2]);
if (!port) {
  console.error("usage: node base64.js <port>");
  process.exit(2);
}

const BYTES = Buffer.from([1, 2, 3, 255, 0, 128]);

function toBytes(data) {
  if (data instanceof ArrayBuffer) return Buffer.from(new Uint8Array(data));
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

function runMode(mode) {
  const opts = {
    polling: { transports: ["polling"] },
    websocket: { transports: ["websocket"] },
    upgrade: { transports: ["polling", "websocket"] },
  }[mode];
  return new Promise((resolve) => {
    const result = { mode, text: false, binary: false, wsFrames: [] };
    const socket = new Socket(`ws://127.0.0.1:${port}`, { ...opts, forceBase64: true });
    let finished = false;
    const finish = (error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      result.transport = socket.transport ? socket.transport.name : null;
      if (error) result.error = String(error);
      socket.close();
      resolve(result);
    };
    const timer = setTimeout(() => finish("timeout"), 10000);
    const watchFrames = (transport) => {
      if (transport.name !== "websocket" || !transport.ws) return;
      transport.ws.addEventListener("message", (ev) => {
        result.wsFrames.push(typeof ev.data === "string" ? ev.data.slice(0, 1) : "binary");
      });
    };
    const exchange = () => {
      watchFrames(socket.transport);
      socket.send(BYTES);
      socket.send("héllo");
    };
    socket.on("open", () => {
      if (mode !== "upgrade") exchange();
    });
    socket.on("upgrade", () => exchange());
    socket.on("message", (data) => {
      if (typeof data === "string") {
        result.text = data === "héllo";
      } else {
        const bytes = toBytes(data);
        result.binary = !!bytes && bytes.equals(BYTES);
      }
      if (result.text && result.binary) finish();
    });
    socket.on("error", (e) => finish(e && e.message ? e.message : e));
    socket.on("close", (reason) => finish(`closed: ${reason}`));
  });
}

(async () => {
  for (const mode of ["polling", "websocket", "upgrade"]) {
    console.log(JSON.stringify(await runMode(mode)));
  }
  process.exit(0);
})();
