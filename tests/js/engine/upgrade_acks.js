// Traffic during the polling-to-websocket upgrade, with the official packages.
//
//   node upgrade_acks.js client <url> [rounds]
//       Per round, two socket.io-clients: B on websocket only, then A on polling with the upgrade.
//       When A has its `3probe` (its "upgrading" event), A emits "echo" with a 50 ms ack timeout, and
//       B emits "poke", which the server answers with a "tick" broadcast to everyone but B (A).
//       A's echo goes out on the websocket after A's `5`, which A sends once its waiting GET returns:
//       a server that keeps writing to that GET during the upgrade (engine.io) returns it with the
//       tick (or with A's CONNECT answer) at once; a server that holds it until its 100 ms noop makes
//       the ack time out. Prints one JSON line per round: upgraded, echo ("ok" or "timeout") and its
//       delay in ms, and connectedFirst: A's CONNECT answer came before its `3probe` (otherwise that
//       answer may be on its way back on the GET when the probe is answered, which finishes the
//       upgrade at once whatever the server does).
//   node upgrade_acks.js server
//       The official socket.io server with the same "echo" and "poke"; prints "PORT <n>".
"use strict";

const [mode, url, rounds] = process.argv.slice(2);

if (mode === "server") {
  const { Server } = require("socket.io");
  const httpServer = require("http").createServer();
  const io = new Server(httpServer);
  io.on("connection", (socket) => {
    socket.on("echo", (n, cb) => cb(n));
    socket.on("poke", (cb) => {
      socket.broadcast.emit("tick");
      cb();
    });
  });
  httpServer.listen(0, "127.0.0.1", () => console.log(`PORT ${httpServer.address().port}`));
} else if (mode === "client" && url) {
  const { io } = require("socket.io-client");

  const connected = (socket) =>
    new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });

  const round = async () => {
    const b = io(url, { transports: ["websocket"], forceNew: true, reconnection: false });
    await connected(b);
    const a = io(url, { forceNew: true, reconnection: false });
    const result = { upgraded: false, echo: null, echoMs: null, connectedFirst: false };
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        result.error = "timeout";
        resolve();
      }, 10000);
      const done = () => {
        if (result.upgraded && result.echo !== null) {
          clearTimeout(timer);
          resolve();
        }
      };
      a.io.on("open", () => {
        a.io.engine.on("upgrading", () => {
          result.connectedFirst = a.connected;
          const sent = performance.now();
          a.timeout(50).emit("echo", 1, (err) => {
            result.echo = err ? "timeout" : "ok";
            result.echoMs = Math.round(performance.now() - sent);
            done();
          });
          b.emit("poke", () => {});
        });
        a.io.engine.on("upgrade", () => {
          result.upgraded = true;
          done();
        });
      });
      a.on("connect_error", (e) => {
        result.error = `connect_error: ${e.message}`;
        resolve();
      });
    });
    a.close();
    b.close();
    return result;
  };

  (async () => {
    for (let i = 0; i < Number(rounds || 1); i++) {
      console.log(JSON.stringify(await round()));
    }
    process.exit(0);
  })().catch((e) => {
    console.log(JSON.stringify({ error: String(e) }));
    process.exit(1);
  });
} else {
  console.error("usage: node upgrade_acks.js client <url> [rounds] | server");
  process.exit(2);
}
