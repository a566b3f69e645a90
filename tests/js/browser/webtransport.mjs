// The official engine.io-client and socket.io-client bundles in Chromium against sio over WebTransport:
// sessions opened on WebTransport and upgraded to it from polling, text and binary both ways, closes
// from either side. Chromium trusts the server's short-lived ECDSA certificate by its SHA-256 hash
// (`serverCertificateHashes`).
// Usage: node browser/webtransport.mjs <engine.io echo url> <socket.io url> <certificate hash, hex>
// Needs Debian's `chromium` on the PATH (or CHROMIUM=/path/to/chrome) and npm playwright-core.
import { launchChromium } from "./chromium.mjs";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const [engineUrl, ioUrl, hash] = process.argv.slice(2);
// The engines' paths: a GET there without a transport is answered 400 with a JSON body.
const engineBase = `${engineUrl}/engine.io/`;
const ioBase = `${ioUrl}/socket.io/`;
const WAIT = 10000;
setTimeout(() => { console.error("browser/webtransport.mjs: no result within 80 s"); process.exit(1); }, 80000).unref();
const require = createRequire(import.meta.url);
const bundle = (pkg, file) => join(dirname(require.resolve(`${pkg}/package.json`)), "dist", file);

// Opens a page of the server's own (its answer to a request without a transport, `{"code":0,...}`):
// no CORS for polling, and a loopback address, so that Chromium's local network access checks let the
// page reach the loopback server (a page fulfilled by the test itself has no address and counts as
// public). Then loads the bundle.
async function pageOf(browser, base, script) {
  const page = await browser.newPage();
  page.setDefaultTimeout(WAIT);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(base);
  await page.addScriptTag({ path: script });
  return { page, errors };
}

// Shared by the page functions: the certificate option and small helpers, as page source.
const prelude = `
  const hash = new Uint8Array(HASH.match(/../g).map((h) => parseInt(h, 16)));
  const transportOptions = { webtransport: { serverCertificateHashes: [{ algorithm: "sha-256", value: hash }] } };
  const within = (p, what) => Promise.race([p, new Promise((_, reject) =>
    setTimeout(() => reject(new Error("timeout: " + what)), ${WAIT}))]);
  const bytes = async (v) => Array.from(new Uint8Array(v instanceof Blob ? await v.arrayBuffer()
    : v.buffer ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v));
`;

// The official client leaves the promise of its stream pipe unhandled (`encoderStream.readable.pipeTo(
// stream.writable)` in engine.io-client's transports/webtransport.ts), so each ended session raises one
// of these on the page: "The session is closed." when the client closed it, "Connection lost." when the
// server did (see serverClose below).
const unexpected = (e) => e !== "The session is closed." && e !== "Connection lost.";

const browser = await launchChromium();
try {
  // engine.io-client: directly on WebTransport, then by upgrade; the client closes one session, the
  // server the other.
  {
    const { page, errors } = await pageOf(browser, engineBase, bundle("engine.io-client", "engine.io.min.js"));
    const result = await page.evaluate(new Function("HASH", `return (async () => {${prelude}
      const open = (transports) => {
        const s = new eio({ transports, transportOptions }); // the bundle's global is the Socket class
        s.binaryType = "arraybuffer";
        s.on("handshake", (data) => { s.offered = data.upgrades; });
        // The transport it opened on, read at once: an upgrade may be done by the time the await returns.
        s.on("open", () => { s.first = s.transport.name; });
        return within(new Promise((resolve, reject) => { s.on("open", () => resolve(s)); s.on("error", reject); }), "open");
      };
      const echo = (s, data) => within(new Promise((resolve) => { s.once("message", resolve); s.send(data); }), "echo");
      const closed = (s) => new Promise((resolve) => s.on("close", (reason) => resolve(reason)));
      const out = {};
      const direct = await open(["webtransport"]);
      out.direct = direct.transport.name;
      out.directUpgrades = direct.offered;
      out.text = await echo(direct, "héllo 😀");
      out.binary = await bytes(await echo(direct, new Uint8Array([0, 1, 254, 255])));
      out.large = (await echo(direct, "x".repeat(100000))).length;
      const directClosed = closed(direct);
      direct.send("close me");
      out.serverClose = await within(directClosed, "server close");

      const upgrading = await open(["polling", "websocket", "webtransport"]);
      out.first = upgrading.first;
      out.offered = upgrading.offered;
      if (upgrading.transport.name !== "webtransport") {
        await within(new Promise((resolve) => upgrading.once("upgrade", resolve)), "upgrade");
      }
      out.upgraded = upgrading.transport.name;
      out.upgradedText = await echo(upgrading, "after upgrade");
      out.upgradedBinary = await bytes(await echo(upgrading, new Uint8Array(70000).fill(7)));
      const clientClosed = closed(upgrading);
      upgrading.close();
      out.clientClose = await clientClosed;
      return out;
    })()`), hash);
    assert.deepEqual(errors.filter(unexpected), []);
    assert.equal(result.direct, "webtransport");
    assert.deepEqual(result.directUpgrades, []);
    assert.equal(result.text, "héllo 😀");
    assert.deepEqual(result.binary, [0, 1, 254, 255]);
    assert.equal(result.large, 100000);
    // sio closes a WebTransport session by closing its QUIC connection (wtransport sends no
    // CLOSE_WEBTRANSPORT_SESSION capsule), which Chromium reports as an error: the official server's
    // `session.close()` gives "transport close" here (docs/compatibility.md).
    assert.equal(result.serverClose, "transport error");
    assert.equal(result.first, "polling");
    assert.deepEqual(result.offered, ["websocket", "webtransport"]);
    assert.equal(result.upgraded, "webtransport");
    assert.equal(result.upgradedText, "after upgrade");
    assert.deepEqual(result.upgradedBinary, new Array(70000).fill(7));
    assert.equal(result.clientClose, "forced close");
    console.log("ok - engine.io-client in Chromium over WebTransport: direct and by upgrade, text and binary, closes");
    await page.close();
  }

  // socket.io-client: the same, with acks and events carrying binary.
  {
    const { page, errors } = await pageOf(browser, ioBase, bundle("socket.io-client", "socket.io.min.js"));
    const result = await page.evaluate(new Function("HASH", `return (async () => {${prelude}
      const connect = (transports) => {
        const s = io({ transports, transportOptions, forceNew: true, reconnection: false });
        // The transport the engine opened on, read at once: the upgrade may be done before "connect".
        s.io.once("open", () => { s.first = s.io.engine.transport.name; });
        const hello = new Promise((resolve) => s.once("hello", resolve));
        return within(new Promise((resolve, reject) => {
          s.on("connect", () => resolve([s, hello])); s.on("connect_error", reject);
        }), "connect");
      };
      const disconnected = (s) => new Promise((resolve) => s.on("disconnect", (reason) => resolve(reason)));
      const out = {};
      const [direct, directHello] = await connect(["webtransport"]);
      out.hello = await within(directHello, "hello");
      out.direct = direct.io.engine.transport.name;
      const acked = await within(new Promise((resolve) =>
        direct.emit("echo", "é", new Uint8Array([1, 2, 3]), { n: 1 }, (...args) => resolve(args))), "ack");
      out.ack = [acked, await bytes(acked[1])];
      const pushed = await within(new Promise((resolve) => {
        direct.once("pushed", (...args) => resolve(args));
        direct.emit("push", new Uint8Array([9, 8]), "text");
      }), "pushed");
      out.pushed = [await bytes(pushed[0]), pushed[1]];
      const kicked = disconnected(direct);
      direct.emit("kick");
      out.serverDisconnect = await within(kicked, "kick");

      const [upgrading] = await connect(["polling", "websocket", "webtransport"]);
      out.first = upgrading.first;
      if (upgrading.io.engine.transport.name !== "webtransport") {
        await within(new Promise((resolve) => upgrading.io.engine.once("upgrade", resolve)), "upgrade");
      }
      out.upgraded = upgrading.io.engine.transport.name;
      out.serverSees = await within(upgrading.emitWithAck("transport"), "transport");
      const back = await within(upgrading.emitWithAck("echo", new Uint8Array(5000).fill(3)), "binary ack");
      out.upgradedBinary = (await bytes(back)).length;
      const left = disconnected(upgrading);
      upgrading.disconnect();
      out.clientDisconnect = await left;

      // One more of each, so that each side closes two of each kind.
      const [again] = await connect(["webtransport"]);
      const againKicked = disconnected(again);
      again.emit("kick");
      await within(againKicked, "kick again");
      const [last] = await connect(["polling", "websocket", "webtransport"]);
      if (last.io.engine.transport.name !== "webtransport") {
        await within(new Promise((resolve) => last.io.engine.once("upgrade", resolve)), "upgrade again");
      }
      last.disconnect();
      return out;
    })()`), hash);
    assert.deepEqual(errors.filter(unexpected), []);
    assert.equal(result.hello, "webtransport");
    assert.equal(result.direct, "webtransport");
    assert.equal(result.ack[0][0], "é");
    assert.deepEqual(result.ack[1], [1, 2, 3]);
    assert.deepEqual(result.ack[0][2], { n: 1 });
    assert.deepEqual(result.pushed, [[9, 8], "text"]);
    assert.equal(result.serverDisconnect, "io server disconnect");
    assert.equal(result.first, "polling");
    assert.equal(result.upgraded, "webtransport");
    assert.equal(result.serverSees, "webtransport");
    assert.equal(result.upgradedBinary, 5000);
    assert.equal(result.clientDisconnect, "io client disconnect");
    console.log("ok - socket.io-client in Chromium over WebTransport: direct and by upgrade, acks and binary, disconnects");
    await page.close();
  }
} finally {
  await browser.close();
}
process.exit(0);
