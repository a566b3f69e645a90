#!/usr/bin/env node
// The Node side of the `cluster_node` contract (docs/cluster-node.md): a Socket.IO server on the official
// `socket.io` 4.8 package that joins a cluster through the official `@socket.io/redis-adapter`
// (`createAdapter` or `createShardedAdapter`) and lets a client drive every cluster operation through events.
//
//   node tests/js/cluster/node.js --port P --redis URL[,URL...] [--adapter classic|sharded] [--key K]
//        (or --adapter postgres --postgres URL: @socket.io/postgres-adapter, see adapters/postgres.js)
//        (or --adapter streams: @socket.io/redis-streams-adapter 0.3.x, --key = stream name and channel
//        prefix, see adapters/streams.js)
//        [--subscription-mode dynamic|dynamic-private|static] [--specific-response-channel]
//        [--requests-timeout MS] [--recovery] [--client redis|ioredis]

"use strict";

const http = require("http");
const { Server } = require("socket.io");
const { createAdapter, createShardedAdapter } = require("@socket.io/redis-adapter");
const {
  parseRedisUrls,
  connectNodeRedisPair,
  connectIoredisPair,
  closeClient,
} = require("./redis-clients");
const { createPostgresAdapter } = require("./adapters/postgres");
const { createStreamsAdapter } = require("./adapters/streams");

const USAGE =
  "usage: node tests/js/cluster/node.js --port P (--redis URL[,URL...] | --postgres URL) " +
  "[--adapter classic|sharded|streams|postgres] [--key K] " +
  "[--subscription-mode dynamic|dynamic-private|static] [--specific-response-channel] " +
  "[--requests-timeout MS] [--recovery] [--client redis|ioredis]";

function fail(message) {
  process.stderr.write(`node.js: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    port: null,
    redis: null,
    postgres: null,
    adapter: "classic",
    key: "socket.io",
    subscriptionMode: "dynamic",
    specificResponseChannel: false,
    requestsTimeout: 5000,
    recovery: false,
    client: "redis",
  };
  const value = (i, name) => {
    if (i + 1 >= argv.length) fail(`${name} needs a value`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case "--port":
        opts.port = Number(value(i, arg));
        i++;
        break;
      case "--redis":
        opts.redis = value(i, arg);
        i++;
        break;
      case "--postgres":
        opts.postgres = value(i, arg);
        i++;
        break;
      case "--adapter":
        opts.adapter = value(i, arg);
        i++;
        break;
      case "--key":
        opts.key = value(i, arg);
        i++;
        break;
      case "--subscription-mode":
        opts.subscriptionMode = value(i, arg);
        i++;
        break;
      case "--specific-response-channel":
        opts.specificResponseChannel = true;
        break;
      case "--requests-timeout":
        opts.requestsTimeout = Number(value(i, arg));
        i++;
        break;
      case "--recovery":
        opts.recovery = true;
        break;
      case "--client":
        opts.client = value(i, arg);
        i++;
        break;
      case "-h":
      case "--help":
        process.stdout.write(USAGE + "\n");
        process.exit(0);
        break;
      default:
        fail(`unknown argument ${arg}`);
    }
  }
  if (opts.port === null || !Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    fail("--port needs a port number (0: a free port)");
  }
  if (opts.adapter === "postgres") {
    if (!opts.postgres) fail("--adapter postgres needs --postgres URL");
  } else if (!opts.redis) fail("--redis is required");
  if (!["classic", "sharded", "streams", "postgres"].includes(opts.adapter)) fail(`unknown --adapter ${opts.adapter}`);
  if (!["dynamic", "dynamic-private", "static"].includes(opts.subscriptionMode)) {
    fail(`unknown --subscription-mode ${opts.subscriptionMode}`);
  }
  if (!["redis", "ioredis"].includes(opts.client)) fail(`unknown --client ${opts.client}`);
  if (!Number.isFinite(opts.requestsTimeout) || opts.requestsTimeout <= 0) {
    fail("--requests-timeout needs a positive number of milliseconds");
  }
  return opts;
}

function logError(context, err) {
  process.stderr.write(`node.js: ${context}: ${err && err.stack ? err.stack : err}\n`);
}

function asArray(value) {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

// Every contract event takes an ack; a client that sent none gets nothing back.
function replier(ack) {
  return typeof ack === "function" ? ack : () => {};
}

function serveContract(nsp) {
  // The arguments of the last server-side event `hello` received by this namespace.
  let lastHello = null;

  nsp.on("hello", (...args) => {
    lastHello = args.filter((a) => typeof a !== "function");
  });
  nsp.on("ping", (...args) => {
    const cb = args[args.length - 1];
    if (typeof cb === "function") cb("pong");
  });

  nsp.on("connection", (socket) => {
    const target = (o) => nsp.to(asArray(o && o.rooms)).except(asArray(o && o.except));

    // Registers a contract event: the handler's result is the ack; errors are logged and acked as {error}.
    const handle = (event, fn) => {
      socket.on(event, async (...args) => {
        const last = args[args.length - 1];
        const ack = replier(typeof last === "function" ? args.pop() : undefined);
        try {
          await fn(args[0], ack);
        } catch (err) {
          logError(`${nsp.name} ${event}`, err);
          ack({ error: String(err && err.message ? err.message : err) });
        }
      });
    };

    handle("join", async (room, ack) => {
      await socket.join(room);
      ack(true);
    });
    handle("leave", async (room, ack) => {
      await socket.leave(room);
      ack(true);
    });
    handle("set-data", (value, ack) => {
      socket.data = value;
      ack(true);
    });
    handle("broadcast", (o, ack) => {
      let op = target(o);
      if (o && o.local) op = op.local;
      if (o && o.volatile) op = op.volatile;
      op.emit(o.event, ...asArray(o.args));
      ack(true);
    });
    handle("broadcast-ack", (o, ack) => {
      const timeout = o && o.timeout_ms !== undefined ? Number(o.timeout_ms) : 5000;
      target(o)
        .timeout(timeout)
        .emit(o.event, ...asArray(o.args), (err, responses) => {
          ack({ ok: !err, responses: responses || [] });
        });
    });
    handle("fetch", async (o, ack) => {
      const sockets = await target(o).fetchSockets();
      ack(sockets.map((s) => ({ id: s.id, rooms: [...s.rooms], data: s.data })));
    });
    handle("sockets-join", (o, ack) => {
      target(o).socketsJoin(o.room);
      ack(true);
    });
    handle("sockets-leave", (o, ack) => {
      target(o).socketsLeave(o.room);
      ack(true);
    });
    handle("disconnect-sockets", (o, ack) => {
      target(o).disconnectSockets(!!(o && o.close));
      ack(true);
    });
    handle("server-side-emit", (o, ack) => {
      nsp.serverSideEmit(o.event, ...asArray(o.args));
      ack(true);
    });
    handle("server-side-emit-ack", (o, ack) => {
      // Node's adapters take no per-call timeout: the classic adapter waits `requestsTimeout`, the sharded
      // one (ClusterAdapter) a fixed 5000 ms.
      nsp.serverSideEmit(o.event, ...asArray(o.args), (err, responses) => {
        ack({ ok: !err, responses: responses || [] });
      });
    });
    handle("server-count", async (_arg, ack) => {
      ack(await nsp.adapter.serverCount());
    });
    handle("last-hello", (_arg, ack) => {
      ack(lastHello);
    });
  });
}

// The Redis adapters (classic or sharded) and how to close their clients.
async function createRedisAdapter(opts) {
  const urls = parseRedisUrls(opts.redis);
  const onRedisError = (err) => logError("redis", err);

  let pub;
  let sub;
  if (opts.client === "ioredis") {
    [pub, sub] = await connectIoredisPair(urls, onRedisError, { sharded: opts.adapter === "sharded" });
  } else {
    [pub, sub] = await connectNodeRedisPair(urls, onRedisError);
  }

  const adapter =
    opts.adapter === "sharded"
      ? createShardedAdapter(pub, sub, {
          channelPrefix: opts.key,
          subscriptionMode: opts.subscriptionMode,
        })
      : createAdapter(pub, sub, {
          key: opts.key,
          requestsTimeout: opts.requestsTimeout,
          publishOnSpecificResponseChannel: opts.specificResponseChannel,
        });
  // The adapters unsubscribe without returning the promise (e.g. node-redis SUNSUBSCRIBE on a cluster):
  // give those commands a moment before the clients close.
  const close = async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await Promise.all([closeClient(pub), closeClient(sub)]);
  };
  return { adapter, close };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { adapter, close: closeClients } =
    opts.adapter === "postgres"
      ? await createPostgresAdapter({ url: opts.postgres, channelPrefix: opts.key, onError: logError })
      : opts.adapter === "streams"
        ? await createStreamsAdapter({
            urls: parseRedisUrls(opts.redis),
            client: opts.client,
            key: opts.key,
            onError: logError,
          })
        : await createRedisAdapter(opts);

  const httpServer = http.createServer();
  const serverOpts = { adapter };
  if (opts.recovery) serverOpts.connectionStateRecovery = {};
  const io = new Server(httpServer, serverOpts);

  serveContract(io.of("/"));
  serveContract(io.of("/custom"));

  const shutdown = async (signal) => {
    if (closing) return;
    closing = true;
    // whatever happens, do not hang
    setTimeout(() => process.exit(0), 3000).unref();
    try {
      await io.close(); // closes the HTTP server and the adapters (unsubscribes)
    } catch (err) {
      logError(`close on ${signal}`, err);
    }
    try {
      await closeClients();
    } catch (err) {
      logError(`closing the clients on ${signal}`, err);
    }
    process.exit(0);
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  httpServer.on("error", (err) => {
    logError("http server", err);
    process.exit(1);
  });
  httpServer.listen(opts.port, "127.0.0.1", () => {
    process.stdout.write(`listening on ${httpServer.address().port}\n`);
  });
}

// Set on SIGTERM/SIGINT: the Redis clients then reject what is still in flight, which is no error of the run.
let closing = false;

process.on("unhandledRejection", (err) => {
  if (!closing) logError("unhandled rejection", err);
});

main().catch((err) => {
  logError("startup", err);
  process.exit(1);
});
