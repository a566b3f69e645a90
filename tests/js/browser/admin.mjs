// The official admin dashboard (@socket.io/admin-ui's ui/dist, served by sio) in a real browser, watching a sio
// server: log in, see the sockets with their rooms, watch an event arrive, disconnect a socket from the
// dashboard. The user sockets are the official socket.io-client in Node. Screenshots go to the directory given.
// Usage: node browser/admin.mjs <server url> <dashboard url> <screenshot dir>
// Needs Debian's `chromium` on the PATH (or CHROMIUM=/path/to/chrome) and npm playwright-core.
import { launchChromium } from "./chromium.mjs";
import { WAIT, connectUser, dashboardPage, logIn } from "./admin_page.mjs";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const [server, dashboard, shots] = process.argv.slice(2);
setTimeout(() => { console.error("browser/admin.mjs: no result within 60 s"); process.exit(1); }, 60000).unref();

mkdirSync(shots, { recursive: true });
const browser = await launchChromium(["--disable-quic"]);
const errors = [];
const { page, text } = await dashboardPage(browser, errors);

const alice = await connectUser(server, { transports: ["websocket"] });
alice.emit("join", "lobby");
const bob = await connectUser(server);

try {
  await logIn(page, dashboard, server, "secret");

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
