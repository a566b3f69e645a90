// The official socket.io server with `perMessageDeflate: true`, behind a tap that reads the RSV1 bit
// of every websocket frame, for the Rust client's permessage-deflate tests.
// Usage: node deflate_server.mjs; prints "PORT <n>" (the tap's port) once listening.
import http from "node:http";
import { Server } from "socket.io";
import { tap } from "../engine/ws_tap.mjs";

const httpServer = http.createServer();
const io = new Server(httpServer, { perMessageDeflate: true });
await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
const t = await tap(httpServer.address().port);

io.on("connection", (socket) => {
  socket.on("send", (size) => socket.emit("data", "x".repeat(size)));
  socket.on("length", (text, cb) => cb({ length: text.length, intact: /^y*$/.test(text) }));
  // The data frames seen since the last call, and the websocket answers' heads.
  socket.on("wire", (cb) => {
    const frames = t.frames.splice(0).filter((f) => f.opcode === 1 || f.opcode === 2);
    cb({ heads: t.heads, frames });
  });
});

console.log(`PORT ${new URL(t.url).port}`);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
