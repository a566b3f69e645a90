// Test server for the Rust client's interop tests, on the official npm socket.io server.
// Usage: node server.js '<json options>'; prints "PORT <n>" once listening.
const fs = require("fs");
const { Server } = require("socket.io");

const cfg = JSON.parse(process.argv[2] || "{}");
const httpServer = cfg.tls
  ? require("https").createServer({
      key: fs.readFileSync(cfg.tls.key),
      cert: fs.readFileSync(cfg.tls.cert),
    })
  : require("http").createServer();
const opts = {
  pingInterval: cfg.pingInterval || 25000,
  pingTimeout: cfg.pingTimeout || 20000,
  maxHttpBufferSize: cfg.maxHttpBufferSize || 1e6,
};
if (cfg.transports) opts.transports = cfg.transports;
if (cfg.path) opts.path = cfg.path;
if (cfg.allowUpgrades === false) opts.allowUpgrades = false;
if (cfg.msgpack) opts.parser = require("socket.io-msgpack-parser");
if (cfg.recovery) {
  opts.connectionStateRecovery = { maxDisconnectionDuration: 60000, skipMiddlewares: true };
}
const io = new Server(httpServer, opts);

const flaky = new Map();
const reasons = new Map();

function common(socket) {
  socket.emit("welcome", socket.nsp.name, socket.id);
  socket.on("disconnect", (reason) => reasons.set(socket.id, reason));
  socket.on("reason-of", (id, cb) => cb(reasons.get(id) || null));
  socket.on("echo", (...args) => {
    const cb = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (cb) cb(...args);
    else socket.emit("echo", ...args);
  });
  socket.on("info", (cb) => {
    cb({
      nsp: socket.nsp.name,
      auth: socket.handshake.auth,
      query: socket.handshake.query,
      header: socket.handshake.headers["x-test"] || null,
      transport: socket.conn.transport.name,
      recovered: socket.recovered,
    });
  });
  // acks the n-th try only: drops the first `drops` tries of each key
  socket.on("flaky", (key, drops, cb) => {
    const seen = (flaky.get(key) || 0) + 1;
    flaky.set(key, seen);
    socket.emit("flaky-seen", key, seen);
    if (seen > drops) cb("ok:" + key + ":" + seen);
  });
  socket.on("count", (cb) => cb(flaky.size));
  socket.on("ask-me", async (payload) => {
    try {
      const answer = await socket.timeout(5000).emitWithAck("question", payload);
      socket.emit("answer", answer);
    } catch (e) {
      socket.emit("answer", "timeout");
    }
  });
  socket.on("disconnect-me", () => socket.disconnect());
  socket.on("close-engine", () => socket.conn.close());
  socket.on("send-garbage", () => {
    socket.conn.send("9not a socket.io packet");
    socket.emit("after-garbage"); // never delivered: the connection is done once a packet does not decode
  });
  socket.on("message", (...args) => socket.emit("message-back", ...args));
  socket.on("drop-and-miss", () => {
    socket.conn.close();
    setTimeout(() => io.of(socket.nsp.name).emit("missed", "while away"), 50);
  });
  socket.on("big", (n, cb) => cb(n));
  socket.on("emit-many", (n) => {
    for (let i = 0; i < n; i++) socket.emit("many", i);
  });
}

io.on("connection", common);
io.of("/admin").on("connection", common);
io.of("/private").use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === "secret") return next();
  const err = new Error("not authorized");
  err.data = { reason: "no token" };
  next(err);
});
io.of("/private").on("connection", common);

// an event reaches the client before the CONNECT reply: it must wait in the receive buffer
io.of("/early").use((socket, next) => {
  socket.conn.send('2/early,["early",1]');
  setTimeout(next, 200);
});
io.of("/early").on("connection", common);

httpServer.listen(cfg.port || 0, "127.0.0.1", () => {
  console.log("PORT " + httpServer.address().port);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
