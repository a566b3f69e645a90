// The Redis Streams adapter of the Node `cluster_node` (tests/js/cluster/node.js --adapter streams): the
// official `@socket.io/redis-streams-adapter` 0.3.x (0.2.x speaks another protocol) on one Redis client,
// node-redis or ioredis, for a single Redis or a Redis Cluster. The adapter duplicates the client for its
// subscriptions and for one blocking XREAD per stream.
//
//   const { adapter, close } = await createStreamsAdapter({ urls, client, key, onError });
//
// `key` is both the stream name and the channel prefix (the official defaults are both `socket.io`).

"use strict";

const { createAdapter } = require("@socket.io/redis-streams-adapter");
const { connectNodeRedis, closeClient } = require("../redis-clients");

function hostPort(url) {
  const u = new URL(url);
  return { host: u.hostname || "127.0.0.1", port: Number(u.port || 6379) };
}

async function connectIoredis(urls, onError) {
  const { Redis, Cluster } = require("ioredis");
  const client = urls.length > 1 ? new Cluster(urls.map(hostPort)) : new Redis(urls[0]);
  client.on("error", onError);
  if (client.status !== "ready") {
    await new Promise((resolve, reject) => {
      client.once("ready", resolve);
      client.once("end", () => reject(new Error("ioredis connection ended before it was ready")));
    });
  }
  return client;
}

async function createStreamsAdapter({ urls, client, key, onError }) {
  const onRedisError = (err) => onError("redis", err);
  const redisClient =
    client === "ioredis" ? await connectIoredis(urls, onRedisError) : await connectNodeRedis(urls, onRedisError);
  const adapter = createAdapter(redisClient, { streamName: key, channelPrefix: key });
  return {
    adapter,
    // The adapter's own clients close once every namespace is closed (after their current XREAD).
    close: () => closeClient(redisClient),
  };
}

module.exports = { createStreamsAdapter };
