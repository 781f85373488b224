// The DistNN dashboard: one EventSource on /api/events ("snapshot", then "update" with only new curve points),
// drawn into the page with plain DOM and two canvases. window.distnnDashboard exposes what is shown (tests read it).
"use strict";

const dashboard = { status: null, steps: [], epochs: [] };
window.distnnDashboard = dashboard;

const $ = id => document.getElementById(id);
const fmt = (x, digits) => (typeof x === "number" && isFinite(x)) ? x.toFixed(digits) : "–";
const pct = x => (typeof x === "number" && isFinite(x)) ? (100 * x).toFixed(2) + " %" : "–";

function bytes(n) {
  if (!n) return "0 B";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return n.toFixed(i ? 1 : 0) + " " + units[i];
}

function seconds(s) {
  if (s < 60) return s.toFixed(0) + " s";
  const m = Math.floor(s / 60);
  return m + " min " + Math.round(s - 60 * m) + " s";
}

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
}

function render() {
  const s = dashboard.status;
  if (!s) return;
  const r = s.run;
  $("run").textContent = `${r.model} on ${r.dataset} (${r.train_samples} train / ${r.test_samples} test), ${r.optimizer} lr ${r.learning_rate}, `
    + `batch ${r.batch_size}, ${r.epochs} epoch${r.epochs === 1 ? "" : "s"}, ${r.engine}`
    + (r.engine === "local" ? "" : `, ${r.workers} worker${r.workers === 1 ? "" : "s"}, ${r.servers} server${r.servers === 1 ? "" : "s"}, ${r.mode}`);
  $("state").textContent = s.state;
  $("state").className = "state " + s.state;
  const p = s.progress;
  $("bar-fill").style.width = (100 * Math.min(1, p.fraction)).toFixed(1) + "%";
  $("epoch").textContent = p.epoch ? `${p.epoch} / ${p.epochs}` : `– / ${p.epochs}`;
  $("steps").textContent = p.steps_total ? `${p.steps_done} / ${p.steps_total}` : String(p.steps_done);
  $("steps").dataset.steps = String(p.steps_done);
  $("rate").textContent = fmt(p.samples_per_sec, 0);
  $("loss").textContent = fmt(p.loss, 4);
  $("accuracy").textContent = pct(p.accuracy);
  const last = dashboard.epochs[dashboard.epochs.length - 1];
  $("test-accuracy").textContent = last ? pct(last.test_accuracy) : "–";
  $("wire").textContent = `${bytes(s.wire.bytes_pushed)} / ${bytes(s.wire.bytes_pulled)}`;
  $("failures-total").textContent = String(s.failures_total);
  $("elapsed").textContent = seconds(s.elapsed_seconds);
  $("reason").hidden = !s.reason;
  $("reason").textContent = s.reason || "";

  const members = $("members").tBodies[0];
  members.replaceChildren();
  for (const m of s.members) {
    const row = members.insertRow();
    cell(row, m.role);
    cell(row, m.name || "–");
    cell(row, m.address);
    cell(row, m.health, "health-" + m.health);
  }
  const workers = $("workers").tBodies[0];
  workers.replaceChildren();
  for (const w of s.workers) {
    const row = workers.insertRow();
    cell(row, w.name);
    cell(row, fmt(w.samples_per_sec, 0));
    cell(row, fmt(w.ms_compute_per_batch, 1));
    cell(row, fmt(w.ms_wait_per_batch, 1));
    cell(row, String(w.steps));
    cell(row, bytes(w.bytes_pushed));
    cell(row, bytes(w.bytes_pulled));
    cell(row, String(w.pushes_refused));
  }
  const failures = $("failures");
  failures.replaceChildren();
  if (s.failures.length === 0) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = "none";
    failures.append(li);
  }
  for (const f of s.failures) {
    const li = document.createElement("li");
    li.textContent = `${seconds(f.at_seconds)}: ${f.what}`;
    failures.append(li);
  }

  chart($("loss-chart"), r.epochs, "running loss", dashboard.steps.map(q => [q.x, q.loss]),
    dashboard.epochs.map(e => [e.epoch, e.train_loss]), dashboard.epochs.map(e => [e.epoch, e.test_loss]), false);
  chart($("accuracy-chart"), r.epochs, "running accuracy", dashboard.steps.map(q => [q.x, q.accuracy]),
    dashboard.epochs.map(e => [e.epoch, e.train_accuracy]), dashboard.epochs.map(e => [e.epoch, e.test_accuracy]), true);
}

// Draws the running curve (light), and per-epoch train and test figures (lines with dots) against epochs on x.
function chart(canvas, epochs, name, running, train, test, percent) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height;
  const left = 56, right = 12, top = 10, bottom = 30;
  ctx.clearRect(0, 0, w, h);
  const all = running.concat(train, test).map(q => q[1]).filter(isFinite);
  canvas.dataset.points = String(running.length + train.length + test.length);
  let lo = all.length ? Math.min(...all) : 0, hi = all.length ? Math.max(...all) : 1;
  if (percent) { hi = Math.min(1, hi + 0.02); lo = Math.max(0, lo - 0.02); } else { lo = Math.min(0, lo); hi = hi * 1.05 || 1; }
  if (hi - lo < 1e-9) { hi = lo + 1; }
  // The x axis grows with the run, up to its last epoch.
  const seen = running.concat(train, test).map(q => q[0]);
  const xmax = Math.min(Math.max(1, epochs), Math.max(1, Math.ceil(Math.max(0, ...seen))));
  const X = x => left + (w - left - right) * x / xmax;
  const Y = y => top + (h - top - bottom) * (1 - (y - lo) / (hi - lo));
  ctx.strokeStyle = "#e4e8f0"; ctx.fillStyle = "#6b7385"; ctx.font = "11px system-ui, sans-serif"; ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = lo + (hi - lo) * i / 4;
    ctx.beginPath(); ctx.moveTo(left, Y(y)); ctx.lineTo(w - right, Y(y)); ctx.stroke();
    ctx.textAlign = "right"; ctx.fillText(percent ? (100 * y).toFixed(1) + "%" : y.toFixed(3), left - 6, Y(y) + 4);
  }
  ctx.textAlign = "center";
  for (let e = 0; e <= xmax; e += Math.max(1, Math.ceil(xmax / 10))) {
    ctx.fillText(String(e), X(e), h - bottom + 16);
  }
  ctx.fillText("epoch", w - right - 16, h - 4);
  const line = (pts, color, width, dots) => {
    if (!pts.length) return;
    ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = width;
    ctx.beginPath();
    pts.forEach(([x, y], i) => i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y)));
    ctx.stroke();
    if (dots) for (const [x, y] of pts) { ctx.beginPath(); ctx.arc(X(x), Y(y), 3.5, 0, 2 * Math.PI); ctx.fill(); }
  };
  const css = getComputedStyle(document.documentElement);
  line(running.filter(q => isFinite(q[1])), css.getPropertyValue("--run").trim(), 1.5, false);
  line(train, css.getPropertyValue("--train").trim(), 2, true);
  line(test, css.getPropertyValue("--test").trim(), 2, true);
}

function take(status, replace) {
  if (replace) {
    dashboard.steps = [];
    dashboard.epochs = [];
  }
  dashboard.steps.push(...status.curves.steps);
  dashboard.epochs.push(...status.curves.epochs);
  dashboard.status = status;
  render();
}

const events = new EventSource("api/events");
events.addEventListener("snapshot", e => take(JSON.parse(e.data), true));
events.addEventListener("update", e => take(JSON.parse(e.data), false));
events.onerror = () => {
  // The run is over and the program has exited (or is restarting the stream): say so unless the state already does.
  if (dashboard.status && dashboard.status.state === "training") {
    $("state").textContent = "disconnected";
    $("state").className = "state";
  }
};
