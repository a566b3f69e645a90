// The dashboard's cluster view: two servers instrumented for the admin dashboard share a cluster adapter; the
// dashboard (the official socket.io-client on the admin namespace) connects to the first only, and must see
// both servers' stats, a socket connected to the second server (live and in all_sockets), and disconnect it.
// Usage: node admin/cluster.mjs <url of server A (node-a)> <url of server B (node-b)>
// Both servers run the instrumentation with basic auth admin/secret.
import { io } from "socket.io-client";
import assert from "node:assert/strict";

const [urlA, urlB] = process.argv.slice(2);
const WAIT = 8000;
setTimeout(() => { console.error("admin/cluster.mjs: no result within 25 s"); process.exit(1); }, 25000).unref();

const opts = { forceNew: true, reconnection: false, transports: ["websocket"] };
const auth = { username: "admin", password: "secret" };
const connected = (socket) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("no connect")), WAIT);
  socket.once("connect", () => { clearTimeout(timer); resolve(); });
  socket.once("connect_error", (e) => { clearTimeout(timer); reject(e); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function recorder(socket) {
  const received = [];
  socket.onAny((event, ...args) => received.push({ event, args }));
  return async (event, pred = () => true) => {
    const deadline = Date.now() + WAIT;
    while (Date.now() < deadline) {
      const found = received.find((e) => e.event === event && pred(...e.args));
      if (found) return found.args;
      await sleep(20);
    }
    throw new Error(`no matching ${event}: got ${JSON.stringify(received.map((e) => e.event))}`);
  };
}

const admin = io(`${urlA}/admin`, { ...opts, auth });
const waitFor = recorder(admin);
await connected(admin);
await waitFor("server_stats", (s) => s.serverId === "node-a");
await waitFor("server_stats", (s) => s.serverId === "node-b");

// A socket on server B, seen live by the dashboard on server A.
const carol = io(urlB, opts);
await connected(carol);
carol.emit("join", "remote-room");
const [serialized] = await waitFor("socket_connected", (s) => s.id === carol.id);
assert.equal(serialized.nsp, "/");
await waitFor("room_joined", (nsp, room, id) => room === "remote-room" && id === carol.id);
await waitFor("server_stats", (s) => s.serverId === "node-b" && s.namespaces.some((n) => n.name === "/" && n.socketsCount === 1));

// A second dashboard on server A lists it among all sockets, with its client id and transport.
const second = io(`${urlA}/admin`, { ...opts, auth });
const waitSecond = recorder(second);
await connected(second);
const [all] = await waitSecond("all_sockets");
const listed = all.find((s) => s.id === carol.id);
assert.ok(listed, "all_sockets lists the socket on the other server");
assert.deepEqual(listed.rooms.sort(), [carol.id, "remote-room"].sort());
assert.equal(listed.clientId, carol.io.engine.id.slice(0, 12));
assert.equal(listed.transport, "websocket");
assert.deepEqual(listed.data, {}, "the _admin record is not shown");
second.close();

// Disconnected from the dashboard on server A.
const id = carol.id;
const gone = new Promise((resolve) => carol.once("disconnect", resolve));
admin.emit("_disconnect", "/", false, id);
assert.equal(await Promise.race([gone, sleep(WAIT).then(() => "timeout")]), "io server disconnect");
await waitFor("socket_disconnected", (nsp, sid) => sid === id);
console.log("cluster ok");
admin.close();
process.exit(0);
