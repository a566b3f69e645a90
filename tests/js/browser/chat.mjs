// The chat example in a real browser: two Chromium pages chat through sio, the client bundle served by sio,
// once over long-polling only and once upgraded to websocket, with no console error; then a server without the
// bundle, whose page must say what is wrong. Screenshots go to the directory given.
// Usage: node browser/chat.mjs <chat url> <screenshot dir> [<chat url of a server without the bundle>]
// Needs Debian's `chromium` on the PATH (or CHROMIUM=/path/to/chrome) and npm playwright-core.
import { launchChromium } from "./chromium.mjs";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const [base, shots, missing] = process.argv.slice(2);
const WAIT = 10000;
// Every wait below is bounded; this bounds the whole run too (the Rust test has its own bound).
setTimeout(() => { console.error("browser/chat.mjs: no result within 90 s"); process.exit(1); }, 90000).unref();

mkdirSync(shots, { recursive: true });
const browser = await launchChromium(["--disable-quic"]);

// A page in its own context, recording console errors and uncaught exceptions.
async function open(url, errors, who) {
  const context = await browser.newContext({ viewport: { width: 720, height: 560 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on("console", (m) => { if (m.type() === "error") errors.push(`${who} console: ${m.text()}`); });
  page.on("pageerror", (e) => errors.push(`${who} page error: ${e.message}`));
  await page.goto(url, { timeout: WAIT });
  return page;
}

const send = async (page, text) => { await page.fill("#m", text); await page.press("#m", "Enter"); };
const logHas = (page, text) => page.waitForFunction(
  (t) => document.getElementById("log").textContent.includes(t), text, { timeout: WAIT });
const typingIs = (page, text) => page.waitForFunction(
  (t) => document.getElementById("typing").textContent === t, text, { timeout: WAIT });

async function chat(mode) {
  const errors = [];
  // A room of its own: a page closed during a poll may stay in its room until the heartbeat notices.
  const room = `rust-${mode}`;
  const url = mode === "polling" ? `${base}/?transports=polling` : `${base}/`;
  const expected = mode === "polling" ? "polling" : "websocket";
  const alice = await open(url, errors, "alice");
  const bob = await open(url, errors, "bob");
  try {
    for (const page of [alice, bob]) {
      await page.waitForFunction((t) => document.getElementById("status").textContent === `connected (${t})`,
        expected, { timeout: WAIT });
      assert.equal(await page.evaluate(() => window.chat.io.engine.transport.name), expected);
    }
    await send(alice, `alice-${mode}`);
    await logHas(alice, `welcome alice-${mode}`);
    await send(bob, `bob-${mode}`);
    await logHas(bob, `welcome bob-${mode}`);
    await logHas(alice, `bob-${mode} joined`);

    await send(alice, "hello bob");
    await logHas(bob, `[lobby] alice-${mode}: hello bob`);
    await logHas(alice, `alice-${mode}: hello bob`);

    // Bob types, then changes room: Alice's typing line must clear.
    await bob.locator("#m").pressSequentially("hel");
    await typingIs(alice, `bob-${mode} is typing...`);
    await send(bob, `/join ${room}`);
    await logHas(bob, `now in ${room} (1 members)`);
    await logHas(alice, `bob-${mode} left lobby`);
    await typingIs(alice, "");

    await send(alice, `/join ${room}`);
    await logHas(alice, `now in ${room} (2 members)`);
    await logHas(bob, `alice-${mode} joined ${room}`);
    await send(alice, "hi in the room");
    await logHas(bob, `[${room}] alice-${mode}: hi in the room`);
    await send(bob, "/rooms");
    await logHas(bob, "rooms: ");
    assert.match(await bob.textContent("#log"), new RegExp(`rooms: .*\\b${room}\\b`));
    await send(bob, "bye");
    await logHas(alice, `[${room}] bob-${mode}: bye`);
    await typingIs(alice, "");

    await alice.screenshot({ path: join(shots, `chat-${mode}-alice.png`) });
    await bob.screenshot({ path: join(shots, `chat-${mode}-bob.png`) });
    assert.deepEqual(errors, [], `console errors over ${mode}`);
    console.log(`ok: two pages chatted over ${expected}, no console error`);
  } catch (e) {
    await alice.screenshot({ path: join(shots, `chat-${mode}-alice-failed.png`) }).catch(() => {});
    await bob.screenshot({ path: join(shots, `chat-${mode}-bob-failed.png`) }).catch(() => {});
    console.error("console errors:", errors);
    throw e;
  } finally {
    await alice.context().close();
    await bob.context().close();
  }
}

try {
  await chat("polling");
  await chat("websocket");
  if (missing) {
    const errors = [];
    const page = await open(`${missing}/`, errors, "page");
    await page.waitForFunction(() => document.getElementById("status").textContent.includes("not installed"),
      null, { timeout: WAIT });
    const text = await page.textContent("#status");
    assert.match(text, /did not load, so this page cannot chat/);
    assert.match(text, /npm ci/);
    await page.screenshot({ path: join(shots, "chat-missing-bundle.png") });
    await page.context().close();
    console.log("ok: without the bundle the page says why");
  }
} finally {
  await browser.close();
}
