// The official admin dashboard (@socket.io/admin-ui's ui/dist, served by sio) in a real browser, watching a sio
// server: log in, see the sockets with their rooms, watch an event arrive, disconnect a socket from the
// dashboard. The user sockets are the official socket.io-client in Node. Screenshots go to the directory given.
// Usage: node browser/admin.mjs <server url> <dashboard url> <screenshot dir>
// Needs Debian's `chromium` on the PATH (or CHROMIUM=/path/to/chrome) and npm playwright-core.
import { launchChromium } from "./chromium.mjs";
import { io } from "socket.io-client";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const [server, dashboard, shots] = process.argv.slice(2);
const WAIT = 10000;
setTimeout(() => { console.error("browser/admin.mjs: no result within 60 s"); process.exit(1); }, 60000).unref();

const connect = (opts = {}) => new Promise((resolve, reject) => {
  const socket = io(server, { forceNew: true, reconnection: false, ...opts });
  const timer = setTimeout(() => reject(new Error("user socket: no connect")), WAIT);
  socket.once("connect", () => { clearTimeout(timer); resolve(socket); });
  socket.once("connect_error", (e) => { clearTimeout(timer); reject(e); });
});

mkdirSync(shots, { recursive: true });
const browser = await launchChromium(["--disable-quic"]);
const errors = [];
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
page.setDefaultTimeout(WAIT);
// Fonts and icons come from CDNs the test machine may not reach: only script errors count.
page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
const text = (t) => page.waitForFunction((t) => document.body.innerText.includes(t), t, { timeout: WAIT });

const alice = await connect({ transports: ["websocket"] });
alice.emit("join", "lobby");
const bob = await connect();

try {
  await page.goto(dashboard, { timeout: WAIT, waitUntil: "domcontentloaded" });
  // The connection modal: server URL, username, password.
  await page.getByLabel("Server URL").fill(server);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill("secret");
  await page.getByRole("button", { name: "Connect" }).click();
  await page.getByLabel("Server URL").waitFor({ state: "hidden" });

  await page.goto(`${dashboard}#/sockets/`, { waitUntil: "domcontentloaded" });
  await text(alice.id);
  await text(bob.id);
  await page.screenshot({ path: join(shots, "admin-sockets.png"), fullPage: true });

  await page.goto(`${dashboard}#/rooms/`);
  await text("lobby");
  await page.screenshot({ path: join(shots, "admin-rooms.png"), fullPage: true });

  await page.goto(`${dashboard}#/events/`);
  alice.emit("ping", { from: "alice" });
  await text("ping");
  await page.screenshot({ path: join(shots, "admin-events.png"), fullPage: true });

  // Bob's page: its rooms and transport, and the button that disconnects the socket.
  const bobId = bob.id;
  await page.goto(`${dashboard}#/n/${encodeURIComponent("/")}/sockets/${bobId}`);
  await text(bobId);
  const gone = new Promise((resolve) => bob.once("disconnect", resolve));
  const buttons = page.locator("button:has(i.mdi-logout)");
  await buttons.last().click();
  const reason = await Promise.race([gone, new Promise((r) => setTimeout(() => r("timeout"), WAIT))]);
  assert.equal(reason, "io server disconnect");
  await page.screenshot({ path: join(shots, "admin-socket-disconnected.png"), fullPage: true });
  assert.ok(alice.connected, "only bob is disconnected");
  assert.deepEqual(errors, []);
  console.log("dashboard ok");
} catch (e) {
  await page.screenshot({ path: join(shots, "admin-failure.png"), fullPage: true }).catch(() => {});
  throw e;
} finally {
  alice.close();
  bob.close();
  await browser.close();
}
