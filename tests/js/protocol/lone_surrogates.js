// The official socket.io-client sends strings cut in the middle of an emoji (a lone surrogate, which
// JSON.stringify escapes as "\ud83d") to a server's "echo" event, over each transport, and checks that the
// ack and the echoed event bring them back unchanged, as the official server does.
// Usage: node lone_surrogates.js <url>; exits 0 when every string came back.
"use strict";

const { io } = require("socket.io-client");

const url = process.argv[2];
const cut = "a😀".slice(0, 2);
const args = [cut, "\udc00", "x\ud800y\udfff", { [cut]: ["\udbff", "ok"] }];

function units(v) {
  return JSON.stringify(v, (_, x) => (typeof x === "string" ? Array.from(x, (c) => c.codePointAt(0)) : x));
}

async function check(transports) {
  const socket = io(url, { transports, forceNew: true, reconnection: false });
  await new Promise((resolve, reject) => {
    socket.on("connect", resolve);
    socket.on("connect_error", reject);
  });
  const acked = await new Promise((resolve, reject) => {
    socket.timeout(5000).emit("echo", ...args, (err, ...got) => (err ? reject(err) : resolve(got)));
  });
  const echoed = await new Promise((resolve) => {
    socket.once("echo", (...got) => resolve(got));
    socket.emit("echo", ...args);
  });
  socket.disconnect();
  for (const [what, got] of [["ack", acked], ["echo", echoed]]) {
    if (units(got) !== units(args)) throw new Error(`${transports} ${what}: ${units(got)} != ${units(args)}`);
  }
}

(async () => {
  for (const transports of [["polling"], ["websocket"]]) await check(transports);
  console.log("ok");
  process.exit(0);
})().catch((e) => {
  console.error(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
