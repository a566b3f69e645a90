// Node socket.io 4.8 speaking sio's benchmark event contract (see BENCHMARKS.md).
// Usage: node server.js [port] [--redis URL]   (port 0 or absent: an ephemeral port)
// Prints "listening on 127.0.0.1:<port>" on stdout once it accepts connections.
// With --redis, the server joins a cluster through the official `@socket.io/redis-adapter` (`createAdapter`
// on node-redis, default key `socket.io`), so `io.emit` reaches the clients of every node (W8).
// `--adapter streams` takes `@socket.io/redis-streams-adapter` instead; `--postgres URL [--prefix P]`
// joins through `@socket.io/postgres-adapter` on a `pg` pool (channel prefix P). `--recovery` turns on
// connection state recovery with its default options (W9); `--deflate` turns perMessageDeflate on
// (W3 deflate).
"use strict";

const http = require("http");
const { Server } = require("socket.io");

function parseArgs(argv) {
  const opts = {
    port: 0,
    redis: null,
    adapter: null,
    postgres: null,
    prefix: null,
    recovery: false,
    deflate: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].startsWith("--") ? argv[i].slice(2) : null;
    if (key === "recovery" || key === "deflate") {
      opts[key] = true;
    } else if (key in opts && key !== "port") {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      opts[key] = argv[++i];
    } else {
      opts.port = Number(argv[i]);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const httpServer = http.createServer();
// The websocket engine is the default one: the `ws` package.
const io = new Server(httpServer, {
  ...(opts.recovery ? { connectionStateRecovery: {} } : {}),
  ...(opts.deflate ? { perMessageDeflate: true } : {}),
});

// Drop the handshake request once the session is open: it is the largest per-connection object
// that an idle socket.io connection keeps alive (the official memory-usage advice). The `room`
// and `flood` query parameters are kept aside first, since socket.handshake.query is built from that request
// later.
io.engine.on("connection", (rawSocket) => {
  const query = rawSocket.request && rawSocket.request._query;
  rawSocket.benchRoom = query && typeof query.room === "string" ? query.room : undefined;
  rawSocket.benchFlood = Boolean(query && query.flood !== undefined);
  rawSocket.request = null;
});

io.on("connection", (socket) => {
  const room = socket.conn.benchRoom;
  if (room) {
    socket.join(room);
    socket.on("room", (data) => {
      io.to(room).emit("room", data);
    });
  }
  socket.on("echo", (data) => {
    socket.emit("echo", data);
  });
  socket.on("ack", (data, callback) => {
    if (typeof callback === "function") callback(data);
  });
  socket.on("broadcast", (data) => {
    io.emit("broadcast", data);
  });
  if (socket.conn.benchFlood) flood(socket);
});

// W10: the namespaces /ns/<number> echo `echo`.
io.of(/^\/ns\/\d+$/).on("connection", (socket) => {
  socket.on("echo", (data) => {
    socket.emit("echo", data);
  });
});

// The server-driven broadcast: `flood` (payload, window) starts io.emit("flood", payload) over and over, at
// most `window` broadcasts ahead of the count this socket reports with `flood-ack`.
function flood(socket) {
  let sent = 0;
  let acked = 0;
  let payload;
  let window = 0;
  const pump = () => {
    for (; payload !== undefined && sent < acked + window; sent++) io.emit("flood", payload);
  };
  socket.on("flood", (data, w) => {
    payload = data;
    window = w;
    pump();
  });
  socket.on("flood-ack", (count) => {
    acked = count;
    pump();
  });
}

// The classic Redis adapter on two node-redis connections (commands and subscriptions).
async function joinCluster(url) {
  const { createClient } = require("redis");
  const onError = (err) => process.stderr.write(`bench server redis: ${err}\n`);
  const pub = createClient({ url });
  pub.on("error", onError);
  if (opts.adapter === "streams") {
    await pub.connect();
    io.adapter(require("@socket.io/redis-streams-adapter").createAdapter(pub));
    return;
  }
  const { createAdapter } = require("@socket.io/redis-adapter");
  const sub = pub.duplicate();
  sub.on("error", onError);
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
}

async function main() {
  if (opts.postgres) {
    const { Pool } = require("pg");
    const { createAdapter } = require("@socket.io/postgres-adapter");
    const pool = new Pool({ connectionString: opts.postgres });
    pool.on("error", (err) => process.stderr.write(`bench server postgres: ${err}\n`));
    io.adapter(createAdapter(pool, opts.prefix ? { channelPrefix: opts.prefix } : {}));
  } else if (opts.redis) await joinCluster(opts.redis);
  httpServer.listen(opts.port, "127.0.0.1", () => {
    process.stdout.write(`listening on 127.0.0.1:${httpServer.address().port}\n`);
  });
}

main().catch((err) => {
  process.stderr.write(`bench server: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});

process.on("SIGTERM", () => process.exit(0));
