// Plays the admin dashboard (the official socket.io-client on the admin namespace, as @socket.io/admin-ui's
// App.vue connects) against a server instrumented for it, with user sockets of the official client beside it.
// Checks what a dashboard relies on and prints one JSON line: the shape of every event received (argument
// types and object keys), for comparison between servers.
// Usage: node admin/dashboard.mjs <server url> <full|readonly|production>
// The server must run the instrumentation with basic auth admin/secret, and on "/" answer "ping" with
// "pong" and join the room a "join" event names.
import { io } from "socket.io-client";
import assert from "node:assert/strict";

const [url, mode] = process.argv.slice(2);
const WAIT = 5000;
setTimeout(() => { console.error("admin/dashboard.mjs: no result within 20 s"); process.exit(1); }, 20000).unref();

const opts = { forceNew: true, reconnection: false, transports: ["websocket"] };
const once = (socket, event) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`no ${event} within ${WAIT} ms`)), WAIT);
  socket.once(event, (...args) => { clearTimeout(timer); resolve(args); });
});
const connected = (socket) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("no connect")), WAIT);
  socket.once("connect", () => { clearTimeout(timer); resolve(); });
  socket.once("connect_error", (e) => { clearTimeout(timer); reject(e); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The shape of a value: its type, and for objects their keys (the contents of free-form maps left out).
const FREE = new Set(["headers", "query", "data", "aggregatedEvents"]);
function shape(value, key) {
  if (FREE.has(key)) return Array.isArray(value) ? "array" : typeof value;
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (value === null) return "null";
  if (typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape(value[k], k)]));
  }
  return typeof value;
}

// Every event the dashboard receives, in order.
const received = [];
function record(socket) {
  socket.onAny((event, ...args) => received.push({ event, args }));
}
// Waits until an event matching `pred` was received.
async function waitFor(event, pred = () => true) {
  const deadline = Date.now() + WAIT;
  while (Date.now() < deadline) {
    const found = received.find((e) => e.event === event && pred(...e.args));
    if (found) return found.args;
    await sleep(20);
  }
  throw new Error(`the dashboard received no matching ${event}: got ${JSON.stringify(received.map((e) => e.event))}`);
}

// Wrong password: refused with the official message.
const intruder = io(`${url}/admin`, { ...opts, auth: { username: "admin", password: "wrong" } });
await assert.rejects(connected(intruder), { message: "invalid credentials" });
intruder.close();

const alice = io(url, opts);
await connected(alice);

if (mode === "production") {
  // Statistics only: no socket list, no live events, but the engine activity counted per second.
  const admin = io(`${url}/admin`, { ...opts, auth: { username: "admin", password: "secret" } });
  record(admin);
  await connected(admin);
  const [config] = await waitFor("config");
  assert.deepEqual(config.supportedFeatures,
    ["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS"]);
  // A client that comes, talks and goes while the dashboard watches.
  const dave = io(url, opts);
  await connected(dave);
  dave.emit("ping", "counted");
  await once(dave, "pong");
  dave.close();
  const counted = (type) => (s) => s.aggregatedEvents.some((e) => e.type === type && e.count > 0);
  await waitFor("server_stats", counted("rawConnection"));
  await waitFor("server_stats", counted("packetsIn"));
  await waitFor("server_stats", counted("bytesIn"));
  await waitFor("server_stats", (s) => s.aggregatedEvents.some((e) =>
    e.type === "rawDisconnection" && e.subType === "transport close"));
  assert.ok(!received.some((e) => ["all_sockets", "socket_connected", "event_received"].includes(e.event)),
    "no live events in production mode");
  const shapes = {};
  for (const { event, args } of received) {
    if (!(event in shapes)) shapes[event] = args.map((a) => shape(a));
  }
  console.log(JSON.stringify(shapes));
  admin.close();
  alice.close();
  process.exit(0);
}

const admin = io(`${url}/admin`, { ...opts, auth: { username: "admin", password: "secret" } });
record(admin);
await connected(admin);
const [session] = await waitFor("session");
assert.match(session, /^[0-9a-f]{16}$/);
const [config] = await waitFor("config");
const [all] = await waitFor("all_sockets");
const aliceSerialized = all.find((s) => s.id === alice.id);
assert.ok(aliceSerialized, "all_sockets lists the user socket");
assert.equal(aliceSerialized.nsp, "/");
assert.equal(aliceSerialized.transport, "websocket");
assert.equal(aliceSerialized.clientId, alice.io.engine.id.slice(0, 12));
assert.deepEqual(aliceSerialized.rooms, [alice.id]);
assert.equal(aliceSerialized.handshake.auth, undefined, "auth is not shown");
assert.ok(all.some((s) => s.nsp === "/admin" && s.id === admin.id), "all_sockets lists the dashboard");
const [stats] = await waitFor("server_stats", (s) => s.namespaces.some((n) => n.name === "/" && n.socketsCount === 1));
assert.equal(typeof stats.serverId, "string");
assert.equal(typeof stats.pid, "number");
assert.ok(stats.clientsCount >= 2, `clientsCount ${stats.clientsCount}`);
assert.equal(stats.pollingClientsCount, 0);
// A client that stays on long-polling is counted as such.
const paula = io(url, { ...opts, transports: ["polling"] });
await connected(paula);
await waitFor("server_stats", (s) => s.pollingClientsCount === 1);
paula.close();

// A new user socket, a room, an event in and out.
const bob = io(url, opts);
await connected(bob);
const [bobSerialized, connectedAt] = await waitFor("socket_connected", (s) => s.id === bob.id);
assert.equal(bobSerialized.nsp, "/");
assert.ok(!Number.isNaN(Date.parse(connectedAt)), `a date: ${connectedAt}`);
bob.emit("join", "lobby");
await waitFor("room_joined", (nsp, room, id) => nsp === "/" && room === "lobby" && id === bob.id);
bob.emit("ping", { n: 1 }, [2, 3]);
await once(bob, "pong");
const [, , inArgs] = await waitFor("event_received", (nsp, id, args) => nsp === "/" && id === bob.id && args[0] === "ping");
assert.deepEqual(inArgs, ["ping", { n: 1 }, [2, 3]]);
const [, , outArgs] = await waitFor("event_sent", (nsp, id, args) => nsp === "/" && id === bob.id && args[0] === "pong");
assert.deepEqual(outArgs, ["pong", { n: 1 }, [2, 3]]);

if (mode === "full") {
  assert.deepEqual(config.supportedFeatures,
    ["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"]);
  // The dashboard's actions, filtered by room.
  admin.emit("join", "/", "vip", bob.id);
  await waitFor("room_joined", (nsp, room, id) => room === "vip" && id === bob.id);
  admin.emit("leave", "/", "vip", bob.id);
  await waitFor("room_left", (nsp, room, id) => room === "vip" && id === bob.id);
  const news = once(bob, "news");
  admin.emit("emit", "/", "lobby", "news", "hello", 42);
  assert.deepEqual(await news, ["hello", 42]);
  const gone = once(bob, "disconnect");
  const id = bob.id;
  admin.emit("_disconnect", "/", false, id);
  assert.equal((await gone)[0], "io server disconnect");
  await waitFor("socket_disconnected", (nsp, sid, reason) => sid === id && reason === "server namespace disconnect");
  assert.ok(alice.connected, "only the filtered socket is disconnected");
} else {
  assert.deepEqual(config.supportedFeatures, ["AGGREGATED_EVENTS", "ALL_EVENTS"]);
  // Refused: nothing happens.
  admin.emit("_disconnect", "/", false, bob.id);
  admin.emit("join", "/", "vip", bob.id);
  await sleep(500);
  assert.ok(bob.connected, "a read-only dashboard cannot disconnect");
  assert.ok(!received.some((e) => e.event === "room_joined" && e.args[1] === "vip"), "nor join");
  const id = bob.id;
  bob.disconnect();
  const [, , reason] = await waitFor("socket_disconnected", (nsp, sid) => sid === id);
  assert.equal(reason, "client namespace disconnect");
}

// The session id logs in without the password.
const again = io(`${url}/admin`, { ...opts, auth: { sessionId: session } });
await connected(again);
again.close();

const shapes = {};
for (const { event, args } of received) {
  if (!(event in shapes)) shapes[event] = args.map((a) => shape(a));
}
console.log(JSON.stringify(shapes));
admin.close();
alice.close();
bob.close();
process.exit(0);
