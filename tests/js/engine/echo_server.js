// The official engine.io server (with npm `ws` under it), echoing every message, as the reference the
// Rust tests compare sio's engine with at the byte level.
// Usage: node echo_server.js '<json options for engine.io>' ['<json options for http.createServer>'];
// prints "PORT <n>" once listening.
"use strict";

const http = require("http");
const engine = require("engine.io");

const opts = JSON.parse(process.argv[2] || "{}");
const httpServer = http.createServer(JSON.parse(process.argv[3] || "{}"));
const server = engine.attach(httpServer, opts);
server.on("connection", (socket) => {
  socket.on("message", (data) => socket.send(data));
});
httpServer.listen(0, "127.0.0.1", () => console.log(`PORT ${httpServer.address().port}`));
