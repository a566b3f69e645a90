// Bursts of idle connections for scripts/memory-burst: in each round, <clients> websocket sessions join the
// main namespace (raw Engine.IO / Socket.IO frames over npm `ws`, answering pings), stay idle, then all
// leave; the server's RSS (read from /proc/<pid>/status) is printed before the first round, once every
// client is connected, and after they have left and the server has settled.
// Usage: node burst.js <host:port> <server-pid> <clients> <rounds> <settle-seconds>
// Prints one JSON line per sample: {"round", "phase": "baseline" | "idle" | "after", "rss_kib", "fds"}.
"use strict";

const fs = require("fs");
const WebSocket = require("ws");

const [addr, pid, clientsArg, roundsArg, settleArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const rounds = Number(roundsArg);
const settleMs = Number(settleArg) * 1000;
const BATCH = 200;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rssKib() {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

function sample(round, phase) {
  const fds = fs.readdirSync(`/proc/${pid}/fd`).length;
  process.stdout.write(JSON.stringify({ round, phase, rss_kib: rssKib(), fds }) + "\n");
}

// One session, resolved once the namespace CONNECT is acknowledged (rejected after 20 s).
function join() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${addr}/socket.io/?EIO=4&transport=websocket`);
    const timer = setTimeout(() => reject(new Error("connect timeout")), 20000);
    ws.on("message", (data) => {
      const text = data.toString();
      if (text.startsWith("0")) ws.send("40");
      else if (text.startsWith("40")) {
        clearTimeout(timer);
        resolve(ws);
      } else if (text === "2") ws.send("3");
    });
    ws.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function leave(ws) {
  return new Promise((resolve) => {
    ws.once("close", resolve);
    ws.close();
  });
}

async function main() {
  await sleep(settleMs);
  sample(0, "baseline");
  for (let round = 1; round <= rounds; round++) {
    const sockets = [];
    for (let i = 0; i < clients; i += BATCH) {
      const batch = [];
      for (let j = i; j < Math.min(clients, i + BATCH); j++) batch.push(join());
      sockets.push(...(await Promise.all(batch)));
    }
    await sleep(settleMs);
    sample(round, "idle");
    await Promise.all(sockets.map(leave));
    await sleep(settleMs);
    sample(round, "after");
  }
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`burst.js: ${e && e.stack}\n`);
  process.exit(1);
});
