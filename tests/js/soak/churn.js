// Connect/emit/disconnect churn for scripts/soak: npm socket.io-client sockets that keep joining and
// leaving a server speaking the benchmark event contract (`ack` answers its acknowledgement, `echo` emits
// back), each on one of three transport plans: polling only, websocket only, polling upgraded to websocket.
// Usage: node churn.js <url> <clients> <seconds>
// Every 30 s (and at the end) it prints one JSON line of counters; it exits by itself after <seconds>.
"use strict";

const { io } = require("socket.io-client");

const [url, clientsArg, secondsArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const deadline = Date.now() + Number(secondsArg) * 1000;
const PLANS = [["polling"], ["websocket"], ["polling", "websocket"]];

const stats = { connects: 0, connect_errors: 0, acks: 0, ack_errors: 0, echoes: 0, disconnects: 0 };
let live = 0;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const between = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo + 1));

function connect(transports) {
  return new Promise((resolve) => {
    const socket = io(url, { transports, forceNew: true, reconnection: false, timeout: 10000 });
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", () => {
      stats.connect_errors++;
      socket.close();
      resolve(null);
    });
  });
}

// One socket's life: connect, a few acknowledged emits and echoes, a while idle, disconnect.
async function life(plan) {
  const socket = await connect(plan);
  if (!socket) return sleep(1000);
  stats.connects++;
  live++;
  socket.on("echo", () => stats.echoes++);
  const emits = between(1, 5);
  for (let i = 0; i < emits && Date.now() < deadline; i++) {
    try {
      await socket.timeout(10000).emitWithAck("ack", { i, text: "soak ".repeat(between(1, 40)) });
      stats.acks++;
    } catch {
      stats.ack_errors++;
    }
    socket.emit("echo", i, Buffer.from([1, 2, 3, i & 255]));
    await sleep(between(100, 1500));
  }
  await sleep(between(500, 4000));
  socket.disconnect();
  live--;
  stats.disconnects++;
}

async function slot(k) {
  // Slots start spread over the first seconds, so connections do not come in one wave.
  await sleep(between(0, 3000));
  while (Date.now() < deadline) await life(PLANS[k % PLANS.length]);
}

function report() {
  process.stdout.write(JSON.stringify({ t: new Date().toISOString(), live, ...stats }) + "\n");
}

async function main() {
  const timer = setInterval(report, 30000);
  await Promise.all(Array.from({ length: clients }, (_, k) => slot(k)));
  clearInterval(timer);
  report();
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`churn.js: ${e && e.stack}\n`);
  process.exit(1);
});
