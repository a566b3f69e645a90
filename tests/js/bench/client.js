// npm socket.io-client under load, for the client-side comparison with sio-client (same arguments and
// output as sio-bench's `client-echo`: RSS per client, echoes/s and the process's CPU time per echo).
// Usage: node client.js <url> <clients> <echoing> <in_flight> <payload> <warmup-secs> <window-secs>
"use strict";

const { io } = require("socket.io-client");

const [url, clients, echoing, inFlight, payloadLen, warmup, windowSecs] = process.argv.slice(2);
const n = Number(clients);

function payload(tag, len) {
  let s = tag;
  while (s.length < len) s += String.fromCharCode(97 + (s.length % 26));
  return s.slice(0, Math.max(len, tag.length));
}

function connectOne() {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false });
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const before = process.memoryUsage().rss;
  const sockets = [];
  for (let i = 0; i < n; i += 128) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 128); j++) batch.push(connectOne());
    sockets.push(...(await Promise.all(batch)));
  }
  await sleep(1000);
  const perClient = (process.memoryUsage().rss - before) / 1024 / n;
  const data = payload("e:", Number(payloadLen));
  let count = 0;
  for (const socket of sockets.slice(0, Number(echoing))) {
    socket.on("echo", () => {
      count++;
      socket.emit("echo", data);
    });
    for (let k = 0; k < Number(inFlight); k++) socket.emit("echo", data);
  }
  await sleep(Number(warmup) * 1000);
  const c0 = count;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await sleep(Number(windowSecs) * 1000);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const echoes = count - c0;
  process.stdout.write(
    JSON.stringify({
      rss_per_client_kib: perClient,
      messages_per_sec: echoes / secs,
      cpu_us_per_message: (cpu.user + cpu.system) / Math.max(echoes, 1),
    }) + "\n",
  );
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`client.js: ${e && e.message}\n`);
  process.exit(1);
});
