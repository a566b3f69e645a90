// What the admin dashboard tests share: a user socket of the official client, and the dashboard's page in
// Chromium, logged in to a server.
import { io } from "socket.io-client";

export const WAIT = 10000;

// Connects the official client to `url` (no reconnection); resolves with the connected socket.
export const connectUser = (url, opts = {}) => new Promise((resolve, reject) => {
  const socket = io(url, { forceNew: true, reconnection: false, ...opts });
  const timer = setTimeout(() => reject(new Error(`user socket on ${url}: no connect`)), WAIT);
  socket.once("connect", () => { clearTimeout(timer); resolve(socket); });
  socket.once("connect_error", (e) => { clearTimeout(timer); reject(e); });
});

// A 1280x800 page of `browser` recording script errors in `errors` (fonts and icons come from CDNs the test
// machine may not reach: only script errors count), and `text(t)`, which waits until the page shows `t`.
export async function dashboardPage(browser, errors) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  const text = (t) => page.waitForFunction((t) => document.body.innerText.includes(t), t, { timeout: WAIT });
  return { page, text };
}

// Opens the dashboard at `dashboard` and logs in to `server` as admin with `password` (the connection modal).
export async function logIn(page, dashboard, server, password) {
  await page.goto(dashboard, { timeout: WAIT, waitUntil: "domcontentloaded" });
  await page.getByLabel("Server URL").fill(server);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Connect" }).click();
  await page.getByLabel("Server URL").waitFor({ state: "hidden" });
}
