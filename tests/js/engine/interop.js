// Connects the official engine.io-client to a sio Engine.IO echo server over polling, websocket and
// upgrade; exchanges text and binary and waits for a server ping. Prints one JSON line per mode and
// exits non-zero when any mode fails. Usage: node interop.js <port>
"use strict";

const { Socket } = require("engine.io-client");

const port = Number(process.argv[2] || process.env.SIO_PORT);
if (!port) {
  console.error("usage: node interop.js <port>");
  process.exit(2);
}

function toBytes(data) {
  if (data instanceof ArrayBuffer) return Buffer.from(new Uint8Array(data));
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

function runMode(mode) {
  const opts = {
    polling: { transports: ["polling"] },
    websocket: { transports: ["websocket"] },
    upgrade: { transports: ["polling", "websocket"], upgrade: true },
  }[mode];
  return new Promise((resolve) => {
    const result = { mode, text: false, binary: false, ping: false, upgraded: mode !== "upgrade" };
    const socket = new Socket(`http://127.0.0.1:${port}`, opts);
    let finished = false;
    const finish = (error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      result.transport = socket.transport ? socket.transport.name : null;
      result.ok = !error && result.text && result.binary && result.ping && result.upgraded;
      if (error) result.error = String(error);
      socket.close();
      resolve(result);
    };
    const check = () => {
      if (result.text && result.binary && result.ping && result.upgraded) finish();
    };
    const timer = setTimeout(() => finish("timeout"), 15000);
    const exchange = () => {
      socket.send("héllo");
      socket.send(Uint8Array.from([1, 2, 3, 255]));
    };
    socket.on("open", () => {
      result.sid = socket.id;
      if (mode !== "upgrade") exchange();
    });
    socket.on("upgrade", (transport) => {
      result.upgraded = transport.name === "websocket";
      exchange();
    });
    socket.on("message", (data) => {
      if (typeof data === "string") {
        result.text = data === "héllo";
      } else {
        const bytes = toBytes(data);
        result.binary = !!bytes && bytes.equals(Buffer.from([1, 2, 3, 255]));
      }
      check();
    });
    socket.on("ping", () => {
      result.ping = true;
      check();
    });
    socket.on("error", (e) => finish(e && e.message ? e.message : e));
    socket.on("close", (reason) => finish(`closed: ${reason}`));
  });
}

(async () => {
  let failed = false;
  for (const mode of ["polling", "websocket", "upgrade"]) {
    const result = await runMode(mode);
    console.log(JSON.stringify(result));
    if (!result.ok) failed = true;
  }
  process.exit(failed ? 1 : 0);
})();
