// Checks the chat example with the official client: node chat.mjs http://127.0.0.1:3000
import { io } from "socket.io-client";
import assert from "node:assert/strict";

const url = process.argv[2] || "http://127.0.0.1:3000";
const once = (s, ev) => new Promise((res, rej) => {
  const t = setTimeout(() => rej(new Error("timeout " + ev)), 10000);
  s.once(ev, (...a) => { clearTimeout(t); res(a); });
});
// The official demo's client: no acknowledgements, `login` after `add user`, `stop typing` right after each
// message. Over long-polling nothing it is sent may be lost.
{
  const carol = io(url, { forceNew: true, reconnection: false, transports: ["polling"] });
  const dave = io(url, { forceNew: true, reconnection: false, transports: ["polling"] });
  await Promise.all([once(carol, "connect"), once(dave, "connect")]);
  const carolLogin = once(carol, "login");
  carol.emit("add user", "carol");
  const users = (await carolLogin)[0].numUsers;
  assert.equal(users >= 1, true);
  const joined = once(carol, "user joined");
  const daveLogin = once(dave, "login");
  dave.emit("add user", "dave");
  assert.deepEqual((await daveLogin)[0], { numUsers: users + 1 });
  assert.deepEqual((await joined)[0], { username: "dave", numUsers: users + 1 });

  for (let i = 0; i < 5; i++) {
    const typing = once(carol, "typing");
    dave.emit("typing");
    assert.deepEqual((await typing)[0], { username: "dave" });
    const message = once(carol, "new message");
    const stop = once(carol, "stop typing");
    dave.emit("new message", `hello ${i}`);
    dave.emit("stop typing");
    const got = (await message)[0];
    assert.equal(got.username, "dave");
    assert.equal(got.message, `hello ${i}`);
    assert.deepEqual((await stop)[0], { username: "dave" });
  }

  const left = once(carol, "user left");
  dave.disconnect();
  assert.deepEqual((await left)[0], { username: "dave", numUsers: users });
  carol.disconnect();
}

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

// A room change ends the typing indicator in the room left: the later `stop typing` goes to the new room.
const typingAgain = once(alice, "typing");
bob.emit("typing");
assert.deepEqual((await typingAgain)[0], { username: "bob" });
const stopped = once(alice, "stop typing");
const leftRoom = once(alice, "user left room");
assert.deepEqual(await bob.emitWithAck("join room", "rust"), { room: "rust", members: 1 });
assert.deepEqual((await stopped)[0], { username: "bob" });
assert.deepEqual((await leftRoom)[0], { username: "bob", room: "lobby" });
const rooms = await bob.emitWithAck("list rooms");
assert.deepEqual(rooms, ["lobby", "rust"]);
const r = await alice.emitWithAck("join room", "rust");
assert.deepEqual(r, { room: "rust", members: 2 });

const left = once(alice, "user left");
bob.disconnect();
assert.equal((await left)[0].username, "bob");
alice.disconnect();
console.log("chat OK");
