// The official instrumentation (@socket.io/admin-ui) on a Node socket.io server, for comparison with sio's:
// basic auth admin / <bcrypt hash given>, on "/" "ping" answered with "pong" and "join" joining a room.
// Prints its port, then serves until stdin closes.
// Usage: node admin/official_server.mjs <bcrypt hash of "secret"> <full|readonly|production>
import { Server } from "socket.io";
import { instrument } from "@socket.io/admin-ui";
import { createServer } from "node:http";

const [hash, mode] = process.argv.slice(2);
const http = createServer();
const io = new Server(http);
instrument(io, {
  auth: { type: "basic", username: "admin", password: hash },
  readonly: mode === "readonly",
  mode: mode === "production" ? "production" : "development",
});
io.on("connection", (socket) => {
  socket.on("ping", (...args) => socket.emit("pong", ...args));
  socket.on("join", (room) => socket.join(room));
});
http.listen(0, "127.0.0.1", () => console.log(http.address().port));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
