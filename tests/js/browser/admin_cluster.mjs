// The official admin dashboard (@socket.io/admin-ui's ui/dist, served by the first node) in a real browser,
// watching a two-node cluster of `sio serve --redis --admin` nodes: it logs in to the first node, lists both
// servers, sees the sockets of both nodes with their rooms, watches an event sent to the second node arrive, and
// disconnects the second node's socket. The user sockets are the official socket.io-client in Node; each joins
// the room named by its `room` query parameter (the `sio serve` contract). Screenshots go to the directory given.
// Usage: node browser/admin_cluster.mjs <node A url> <node A server id> <node B url> <node B server id> <dir>
// Both nodes run the instrumentation with basic auth admin / changeit.
import { launchChromium } from "./chromium.mjs";
import { WAIT, connectUser, dashboardPage, logIn } from "./admin_page.mjs";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const [urlA, idA, urlB, idB, shots] = process.argv.slice(2);
const dashboard = `${urlA}/admin-ui/`;
setTimeout(() => { console.error("browser/admin_cluster.mjs: no result within 80 s"); process.exit(1); }, 80000).unref();

mkdirSync(shots, { recursive: true });
const browser = await launchChromium(["--disable-quic"]);
const errors = [];
const { page, text } = await dashboardPage(browser, errors);

const alice = await connectUser(urlA, { query: { room: "lobby" } });
const carol = await connectUser(urlB, { query: { room: "remote-room" } });

try {
  await logIn(page, dashboard, urlA, "changeit");

  // Both nodes report their stats through the adapter.
  await page.goto(`${dashboard}#/servers/`, { waitUntil: "domcontentloaded" });
  await text(idA);
  await text(idB);
  await page.screenshot({ path: join(shots, "admin-cluster-servers.png"), fullPage: true, animations: "disabled" });

  // The sockets of both nodes, and their rooms.
  await page.goto(`${dashboard}#/sockets/`);
  await text(alice.id);
  await text(carol.id);
  await page.screenshot({ path: join(shots, "admin-cluster-sockets.png"), fullPage: true, animations: "disabled" });
  await page.goto(`${dashboard}#/rooms/`);
  await text("lobby");
  await text("remote-room");
  await page.screenshot({ path: join(shots, "admin-cluster-rooms.png"), fullPage: true, animations: "disabled" });

  // An event received by the second node.
  await page.goto(`${dashboard}#/events/`);
  carol.emit("remote-hello", { from: "carol" });
  await text("remote-hello");
  await page.screenshot({ path: join(shots, "admin-cluster-events.png"), fullPage: true, animations: "disabled" });

  // The second node's socket, disconnected from the dashboard on the first.
  const carolId = carol.id;
  await page.goto(`${dashboard}#/n/${encodeURIComponent("/")}/sockets/${carolId}`);
  await text(carolId);
  const gone = new Promise((resolve) => carol.once("disconnect", resolve));
  await page.locator("button:has(i.mdi-logout)").last().click();
  const reason = await Promise.race([gone, new Promise((r) => setTimeout(() => r("timeout"), WAIT))]);
  assert.equal(reason, "io server disconnect");
  await page.screenshot({ path: join(shots, "admin-cluster-disconnected.png"), fullPage: true, animations: "disabled" });
  assert.ok(alice.connected, "only the second node's socket is disconnected");
  assert.deepEqual(errors, []);
  console.log("cluster dashboard ok");
} catch (e) {
  await page.screenshot({ path: join(shots, "admin-cluster-failure.png"), fullPage: true, animations: "disabled" }).catch(() => {});
  throw e;
} finally {
  alice.close();
  carol.close();
  await browser.close();
}
