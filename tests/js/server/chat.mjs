// Checks the chat example with the official client: node chat.mjs http://127.0.0.1:3000
import { io } from "socket.io-client";
import assert from "node:assert/strict";

const url = process.argv[2] || "http://127.0.0.1:3000";
const once = (s, ev) => new Promise((res, rej) => {
  const t = setTimeout(() => rej(new Error("timeout " + ev)), 10000);
  s.once(ev, (...a) => { clearTimeout(t); res(a); });
});
const alice = io(url, { forceNew: true, reconnection: false });
const bob = io(url, { forceNew: true, reconnection: false, transports: ["websocket"] });
await Promise.all([once(alice, "connect"), once(bob, "connect")]);

const joined = once(alice, "user joined");
assert.equal((await alice.emitWithAck("add user", "alice")).numUsers >= 1, true);
await bob.emitWithAck("add user", "bob");
assert.equal((await joined)[0].username, "bob");

const typing = once(alice, "typing");
bob.emit("typing");
assert.deepEqual((await typing)[0], { username: "bob" });

const msg = once(alice, "new message");
const ack = await bob.timeout(5000).emitWithAck("new message", "hello alice");
assert.equal(ack.ok, true);
assert.deepEqual((await msg)[0], { username: "bob", message: "hello alice", room: "lobby" });

const r = await alice.emitWithAck("join room", "rust");
assert.deepEqual(r, { room: "rust", members: 1 });
const rooms = await bob.emitWithAck("list rooms");
assert.deepEqual(rooms, ["lobby", "rust"]);

const left = once(alice, "user left");
bob.disconnect();
assert.equal((await left)[0].username, "bob");
alice.disconnect();
console.log("chat OK");
