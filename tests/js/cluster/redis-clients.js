// Redis client construction shared by node.js and emit.js.
//
// `--redis` is one URL (a standalone Redis) or several comma-separated URLs (the nodes of a Redis Cluster).

"use strict";

function parseRedisUrls(value) {
  const urls = String(value || "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (urls.length === 0) {
    throw new Error("--redis needs a URL, or several comma-separated cluster-node URLs");
  }
  return urls;
}

function hostPort(url) {
  const u = new URL(url);
  return { host: u.hostname || "127.0.0.1", port: Number(u.port || 6379) };
}

// node-redis (the `redis` package): a client, or a cluster client when several URLs are given.
// Returns a connected client.
async function connectNodeRedis(urls, onError) {
  const { createClient, createCluster } = require("redis");
  const client =
    urls.length > 1
      ? createCluster({ rootNodes: urls.map((url) => ({ url })) })
      : createClient({ url: urls[0] });
  client.on("error", onError);
  await client.connect();
  return client;
}

// A connected node-redis client and a duplicate of it (for the subscriptions).
async function connectNodeRedisPair(urls, onError) {
  const pub = await connectNodeRedis(urls, onError);
  const sub = pub.duplicate();
  sub.on("error", onError);
  await sub.connect();
  return [pub, sub];
}

// ioredis: a `Redis`, or a `Cluster` when several URLs are given. `shardedSubscribers` is required by
// ioredis for sharded pub/sub on a cluster (see the @socket.io/redis-adapter README).
async function connectIoredisPair(urls, onError, { sharded }) {
  const { Redis, Cluster } = require("ioredis");
  const pub =
    urls.length > 1
      ? new Cluster(urls.map(hostPort), sharded ? { shardedSubscribers: true } : {})
      : new Redis(urls[0]);
  pub.on("error", onError);
  const sub = pub.duplicate();
  sub.on("error", onError);
  await Promise.all([waitIoredisReady(pub), waitIoredisReady(sub)]);
  return [pub, sub];
}

function waitIoredisReady(client) {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      client.off("end", onEnd);
      resolve();
    };
    const onEnd = () => {
      client.off("ready", onReady);
      reject(new Error("ioredis connection ended before it was ready"));
    };
    client.once("ready", onReady);
    client.once("end", onEnd);
  });
}

// Closes a client of either library, waiting for pending commands to be sent.
async function closeClient(client) {
  if (!client) return;
  try {
    if (typeof client.close === "function" && typeof client.sSubscribe === "function") {
      // node-redis 5: close() waits for pending replies (quit() is deprecated)
      await client.close();
    } else if (typeof client.quit === "function") {
      await client.quit();
    } else if (typeof client.disconnect === "function") {
      await client.disconnect();
    }
  } catch (err) {
    try {
      if (typeof client.destroy === "function") client.destroy();
      else if (typeof client.disconnect === "function") client.disconnect();
    } catch (_) {
      // already closed
    }
  }
}

module.exports = {
  parseRedisUrls,
  connectNodeRedis,
  connectNodeRedisPair,
  connectIoredisPair,
  closeClient,
};
