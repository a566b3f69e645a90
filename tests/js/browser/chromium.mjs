// Debian's chromium, headless, driven by npm playwright-core: the one launcher of the browser tests.
// CHROMIUM=/path/to/chrome overrides the executable found on the PATH.
import { chromium } from "playwright-core";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

function executable() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const dir of (process.env.PATH || "").split(delimiter)) {
    for (const name of ["chromium", "chromium-browser"]) {
      try { accessSync(join(dir, name), constants.X_OK); return join(dir, name); } catch {}
    }
  }
  throw new Error("chromium is not on the PATH (scripts/test installs it with apt-get install chromium)");
}

// Launches chromium with the flags every test uses, plus `extra` (e.g. "--disable-quic").
export function launchChromium(extra = []) {
  return chromium.launch({
    executablePath: executable(),
    headless: true,
    timeout: 30000,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", ...extra],
  });
}
