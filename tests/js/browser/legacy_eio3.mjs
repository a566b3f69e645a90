// socket.io-client 2.5 in a real browser (its dist bundle, served by sio from `client_dir`), over polling:
// with XHR2 it takes and sends binary payloads. Binary events and acks both ways, checked on the page and
// on the wire (application/octet-stream both ways).
// Usage: node browser/legacy_eio3.mjs <server url>
// Needs Debian's `chromium` on the PATH (or CHROMIUM=/path/to/chrome) and npm playwright-core.
import { launchChromium } from "./chromium.mjs";
import assert from "node:assert/strict";

const [base] = process.argv.slice(2);
const WAIT = 10000;
setTimeout(() => { console.error("browser/legacy_eio3.mjs: no result within 60 s"); process.exit(1); }, 60000).unref();

const browser = await launchChromium();
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(WAIT);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // The Engine.IO requests' content types, both ways.
  const posted = new Set();
  const answered = new Set();
  page.on("request", (r) => {
    if (r.url().includes("/socket.io/?") && r.method() === "POST") posted.add(r.headers()["content-type"]);
  });
  page.on("response", (r) => {
    if (r.url().includes("/socket.io/?") && r.request().method() === "GET") answered.add(r.headers()["content-type"]);
  });
  // A page of the server's origin, so that polling needs no CORS.
  await page.route(`${base}/legacy.html`, (route) => route.fulfill({
    contentType: "text/html",
    body: '<!doctype html><meta charset="utf-8"><script src="/socket.io/socket.io.js"></script>',
  }));
  await page.goto(`${base}/legacy.html`);

  const result = await page.evaluate(async (wait) => {
    const bin = async (v) => Array.from(new Uint8Array(v instanceof Blob ? await v.arrayBuffer()
      : v.buffer ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v));
    const within = (p) => Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), wait))]);
    const s = io({ transports: ["polling"], reconnection: false, forceNew: true });
    await within(new Promise((resolve, reject) => { s.on("connect", resolve); s.on("connect_error", reject); }));
    const echoed = await within(new Promise((resolve) => {
      s.once("echo", (...args) => resolve(args));
      s.emit("echo", new Uint8Array([1, 2, 3]).buffer, "é😀", { n: new Uint8Array([255, 0]) });
    }));
    // An ArrayBuffer: the 2.x client takes a lone typed array for JSON (its has-binary2 looks for
    // ArrayBuffer, Blob and File only).
    const buffer = new Uint8Array(300).fill(9).buffer;
    const acked = await within(new Promise((resolve) => s.emit("ack-me", buffer, (...a) => resolve(a))));
    const out = {
      id: s.id,
      engineId: s.io.engine.id,
      transport: s.io.engine.transport.name,
      supportsBinary: s.io.engine.transport.supportsBinary,
      echo: [await bin(echoed[0]), echoed[1], await bin(echoed[2].n)],
      ack: await bin(acked[0]),
    };
    s.close();
    return out;
  }, WAIT);

  assert.deepEqual(errors, []);
  assert.equal(result.transport, "polling");
  assert.equal(result.supportsBinary, true, "a browser has XHR2");
  assert.equal(result.id, result.engineId);
  assert.deepEqual(result.echo, [[1, 2, 3], "é😀", [255, 0]]);
  assert.deepEqual(result.ack, new Array(300).fill(9));
  assert.ok(posted.has("application/octet-stream"), `binary payloads posted: ${[...posted]}`);
  assert.ok(answered.has("application/octet-stream"), `binary payloads answered: ${[...answered]}`);
  console.log("ok - socket.io-client 2.5 in Chromium: binary payloads both ways, binary event and ack");
} finally {
  await browser.close();
}
process.exit(0);
