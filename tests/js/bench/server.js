// Node socket.io 4.8 speaking sio's benchmark event contract (see BENCHMARKS.md).
// Usage: node server.js [port]   (0 or absent: an ephemeral port)
// Prints "listening on 127.0.0.1:<port>" on stdout once it accepts connections.
"use strict";

const http = require("http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 0);
const httpServer = http.createServer();
// The websocket engine is the default one: the `ws` package.
const io = new Server(httpServer);

// Drop the handshake request once the session is open: it is the largest per-connection object
// that an idle socket.io connection keeps alive (the official memory-usage advice). The `room` query
// parameter is kept aside first, since socket.handshake.query is built from that request later.
io.engine.on("connection", (rawSocket) => {
  const query = rawSocket.request && rawSocket.request._query;
  rawSocket.benchRoom = query && typeof query.room === "string" ? query.room : undefined;
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
});

httpServer.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening on 127.0.0.1:${httpServer.address().port}\n`);
});

process.on("SIGTERM", () => process.exit(0));
