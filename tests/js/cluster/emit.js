#!/usr/bin/env node
// The official @socket.io/redis-emitter as a command: performs one operation on a cluster of classic
// @socket.io/redis-adapter nodes (Node or Rust), from outside any Socket.IO server.
//
//   node tests/js/cluster/emit.js --redis URL[,URL...] [--key K] [--nsp /custom] OP JSON
//
//   OP                  JSON
//   emit                {rooms, except, event, args, volatile}
//   sockets-join        {rooms, except, room}
//   sockets-leave       {rooms, except, room}
//   disconnect-sockets  {rooms, except, close}
//   server-side-emit    {event, args}
//
// It waits for the PUBLISH to be done, prints `done`, closes the Redis client and exits 0. The emitter speaks
// the classic adapter's format only (channels `<key>#<nsp>#...` and `<key>-request#<nsp>#`), not the sharded one.

"use strict";

const { Emitter } = require("@socket.io/redis-emitter");
const { parseRedisUrls, connectNodeRedis, closeClient } = require("./redis-clients");

const OPS = ["emit", "sockets-join", "sockets-leave", "disconnect-sockets", "server-side-emit"];
const USAGE = `usage: node tests/js/cluster/emit.js --redis URL[,URL...] [--key K] [--nsp NSP] (${OPS.join("|")}) JSON`;

function usage(message) {
  process.stderr.write(`emit.js: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { redis: null, key: "socket.io", nsp: "/", op: null, json: null };
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--redis" || arg === "--key" || arg === "--nsp") {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      opts[arg.slice(2)] = argv[++i];
    } else if (arg === "-h" || arg === "--help") {
      process.stdout.write(USAGE + "\n");
      process.exit(0);
    } else if (arg.startsWith("--")) {
      usage(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  if (!opts.redis) usage("--redis is required");
  if (positional.length !== 2) usage("an operation and its JSON argument are needed");
  [opts.op, opts.json] = positional;
  if (!OPS.includes(opts.op)) usage(`unknown operation ${opts.op}`);
  try {
    opts.arg = JSON.parse(opts.json);
  } catch (err) {
    usage(`the argument is not JSON: ${err.message}`);
  }
  if (opts.arg === null || typeof opts.arg !== "object" || Array.isArray(opts.arg)) {
    usage("the argument must be a JSON object");
  }
  if (!opts.nsp.startsWith("/")) opts.nsp = "/" + opts.nsp;
  return opts;
}

function asArray(value) {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function perform(emitter, op, o) {
  const target = () => emitter.to(asArray(o.rooms)).except(asArray(o.except));
  switch (op) {
    case "emit": {
      if (typeof o.event !== "string") throw new Error('emit needs an "event"');
      let operator = target();
      if (o.volatile) operator = operator.volatile;
      operator.emit(o.event, ...asArray(o.args));
      break;
    }
    case "sockets-join":
      if (o.room === undefined) throw new Error('sockets-join needs a "room"');
      target().socketsJoin(o.room);
      break;
    case "sockets-leave":
      if (o.room === undefined) throw new Error('sockets-leave needs a "room"');
      target().socketsLeave(o.room);
      break;
    case "disconnect-sockets":
      target().disconnectSockets(!!o.close);
      break;
    case "server-side-emit":
      if (typeof o.event !== "string") throw new Error('server-side-emit needs an "event"');
      emitter.serverSideEmit(o.event, ...asArray(o.args));
      break;
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const client = await connectNodeRedis(parseRedisUrls(opts.redis), (err) =>
    process.stderr.write(`emit.js: redis: ${err && err.message ? err.message : err}\n`)
  );
  try {
    // The emitter does not return the PUBLISH promises: hand it a client whose publish() keeps them.
    const pending = [];
    const publisher = {
      publish: (channel, message) => {
        const p = client.publish(channel, message);
        pending.push(p);
        return p;
      },
    };
    const emitter = new Emitter(publisher, { key: opts.key }, opts.nsp);
    perform(emitter, opts.op, opts.arg);
    if (pending.length === 0) throw new Error("the emitter published nothing");
    await Promise.all(pending);
    process.stdout.write("done\n");
  } finally {
    await closeClient(client);
  }
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`emit.js: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
