// Screenshot of a running dashboard in headless chromium, once its curves have points:
//   node --experimental-websocket scripts/dashboard-screenshot.mjs http://127.0.0.1:PORT/ docs/dashboard.png [width height]
// (the DevTools protocol over the browser's WebSocket; Node 22 has WebSocket without the flag).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, out, width = "1280", height = "860"] = process.argv.slice(2);
if (!url || !out) {
  console.error("usage: dashboard-screenshot.mjs URL OUT.png [WIDTH HEIGHT]");
  process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), "distnn-shot-"));
const browser = spawn("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--remote-debugging-port=0",
  "--remote-allow-origins=*", `--user-data-dir=${profile}`, `--window-size=${width},${height}`, url], { stdio: ["ignore", "ignore", "pipe"] });
const done = code => { browser.kill(); rmSync(profile, { recursive: true, force: true }); process.exit(code); };
setTimeout(() => { console.error("dashboard-screenshot: timed out"); done(1); }, 60000);

let log = "";
const endpoint = await new Promise(resolve => browser.stderr.on("data", d => {
  log += d;
  const m = /DevTools listening on (ws:\/\/\S+)/.exec(log);
  if (m) resolve(new URL(m[1]));
}));
let page;
while (!page) {
  const pages = await (await fetch(`http://${endpoint.host}/json/list`)).json();
  page = pages.find(p => p.type === "page" && p.url.startsWith(url));
  if (!page) await new Promise(r => setTimeout(r, 200));
}
const socket = new WebSocket(page.webSocketDebuggerUrl);
await new Promise(r => socket.addEventListener("open", r));
let id = 0;
const pending = new Map();
socket.addEventListener("message", e => {
  const m = JSON.parse(e.data);
  if (pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); }
});
const send = (method, params = {}) => new Promise(r => { pending.set(++id, r); socket.send(JSON.stringify({ id, method, params })); });

await send("Emulation.setDeviceMetricsOverride", { width: +width, height: +height, deviceScaleFactor: 1, mobile: false });
for (;;) {
  const r = await send("Runtime.evaluate", { expression: "Number(document.getElementById('loss-chart')?.dataset.points || 0)", returnByValue: true });
  if (r.result?.result?.value > 0) break;
  await new Promise(r => setTimeout(r, 250));
}
await new Promise(r => setTimeout(r, 500));
const shot = await send("Page.captureScreenshot", { format: "png" });
writeFileSync(out, Buffer.from(shot.result.data, "base64"));
console.log(`dashboard-screenshot: wrote ${out}`);
done(0);
