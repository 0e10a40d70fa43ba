// The browser page of the gongkit npm package: its web build, loaded from
// ./pkg/ (copied there by scripts/build-pkg). No request leaves the page:
// files are read with File.text(), downloads are blob: URLs made here.
import init, { formatTranscript, normalizeCall, callDocument, documentVersion, formats } from "./pkg/gongkit.js";

const $ = (id) => document.getElementById(id);
/** The package's formats (name, extension, contentType), read once the wasm is loaded. */
let FORMATS = [];
// Distinct colours for speakers (Okabe–Ito first, then more), readable on white.
const COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8c564b", "#6a3d9a", "#b15928", "#1b9e77"];

/** What the last run produced: the inputs and options the exports reuse. */
let current = null;

function options() {
  return {
    format: $("format").value,
    timestamps: $("timestamps").checked,
    merge: $("merge").checked,
    names: $("names").checked,
    internalDomains: $("internal").value.split(",").map((d) => d.trim()).filter(Boolean),
  };
}

const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

function clock(ms) {
  const s = Math.floor((ms ?? 0) / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, "0");
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function span(seconds) {
  const m = Math.floor(seconds / 60);
  return m ? `${m}m ${Math.round(seconds % 60)}s` : `${Math.round(seconds)}s`;
}

/** The transcript in the given format: through the call when there is one. */
function text(format, merge = options().merge) {
  const { extensive, transcript, opts } = current;
  if (!transcript) return "";
  if (extensive) return normalizeCall(extensive, transcript, { ...opts, format, merge }).transcript ?? "";
  return formatTranscript(transcript, { format, merge, timestamps: opts.timestamps });
}

function run() {
  const extensive = $("extensive").value.trim();
  const transcript = $("transcript").value.trim();
  const opts = options();
  $("error").hidden = true;
  for (const id of ["output", "document", "call"]) $(id).textContent = "";
  try {
    if (!extensive && !transcript) throw new Error("paste or drop an extensive or a transcript answer first");
    current = { extensive, transcript, opts };
    let call = null;
    if (extensive) {
      call = normalizeCall(extensive, transcript || undefined, opts);
      $("output").textContent = call.transcript ?? "";
      $("call").textContent = JSON.stringify({ ...call, transcript: call.transcript && "(above)" }, null, 2);
      $("document").textContent = callDocument(extensive, transcript || undefined, { merge: opts.merge, internalDomains: opts.internalDomains });
    } else {
      $("output").textContent = formatTranscript(transcript, { format: opts.format, timestamps: opts.timestamps, merge: opts.merge });
    }
    $("output-format").textContent = opts.format;
    // Structured lines (the JSON format) for the views: as chosen, and unmerged for the charts.
    const lines = transcript ? JSON.parse(text("json")) : [];
    const turns = transcript && opts.merge ? JSON.parse(text("json", false)) : lines;
    render(call, lines, turns);
  } catch (e) {
    current = null;
    $("result").hidden = true;
    $("error").textContent = e.message;
    $("error").hidden = false;
  }
  document.body.dataset.renders = String(++renders);
}

let renders = 0;

function render(call, lines, turns) {
  // Speakers in order of first appearance, each with a colour.
  const speakers = new Map();
  const keyOf = (l) => l.speakerId ?? l.speaker;
  for (const l of turns) {
    const key = keyOf(l);
    if (!speakers.has(key)) speakers.set(key, { name: l.speaker, colour: COLOURS[speakers.size % COLOURS.length], ms: 0, index: speakers.size });
    speakers.get(key).ms += Math.max(0, (l.end ?? l.start ?? 0) - (l.start ?? 0));
  }
  const end = turns.reduce((m, l) => Math.max(m, l.end ?? l.start ?? 0), 0);

  // Overview.
  $("call-title").textContent = call?.title ?? "Transcript";
  const meta = [];
  if (call?.date) meta.push(call.date);
  if (call?.durationSeconds != null) meta.push(span(call.durationSeconds));
  else if (end) meta.push(span(end / 1000));
  if (call?.account) meta.push(`Account: ${call.account.name}`);
  meta.push(`${speakers.size} speaker${speakers.size === 1 ? "" : "s"}`, `${lines.length} lines`);
  $("call-meta").textContent = meta.join(" · ");

  // Talk time per speaker, from the transcript's own sentence times.
  const total = [...speakers.values()].reduce((s, p) => s + p.ms, 0) || 1;
  const most = Math.max(1, ...[...speakers.values()].map((p) => p.ms));
  $("talk").innerHTML = [...speakers.values()]
    .sort((a, b) => b.ms - a.ms)
    .map((p) => {
      const share = (100 * p.ms) / total;
      return `<div class="bar" role="listitem" data-speaker="${escapeHtml(p.name)}" data-share="${share.toFixed(1)}">
        <span class="name" style="color:${p.colour}" title="${escapeHtml(p.name)}">${escapeHtml(p.name)}</span>
        <span class="track"><span class="fill" style="display:block;width:${((100 * p.ms) / most).toFixed(2)}%;background:${p.colour}"></span></span>
        <span class="value">${span(p.ms / 1000)} · ${share.toFixed(0)}%</span></div>`;
    })
    .join("");

  // Timeline: one row per speaker, a rectangle per turn.
  const row = 22, label = 110, width = 800;
  const scale = (ms) => label + ((width - label - 4) * ms) / (end || 1);
  const rects = turns
    .map((l) => {
      const p = speakers.get(keyOf(l));
      const x = scale(l.start ?? 0);
      const w = Math.max(1, scale(l.end ?? l.start ?? 0) - x);
      return `<rect x="${x.toFixed(1)}" y="${p.index * row + 4}" width="${w.toFixed(1)}" height="${row - 8}" fill="${p.colour}"><title>${escapeHtml(p.name)} ${clock(l.start)}–${clock(l.end)}</title></rect>`;
    })
    .join("");
  const names = [...speakers.values()]
    .map((p) => `<text x="0" y="${p.index * row + row / 2 + 4}">${escapeHtml(p.name.length > 16 ? `${p.name.slice(0, 15)}…` : p.name)}</text>`)
    .join("");
  const ticks = Array.from({ length: 5 }, (_, i) => (end * i) / 4)
    .map((ms) => `<text x="${Math.min(scale(ms), width - 40).toFixed(1)}" y="${speakers.size * row + 14}">${clock(ms)}</text>`)
    .join("");
  $("timeline").innerHTML = `<svg viewBox="0 0 ${width} ${speakers.size * row + 20}" role="img" aria-label="Who spoke when">${names}${rects}${ticks}</svg>`;

  // The transcript, rendered: time, speaker in their colour, topic, text.
  const colourOf = (l) => speakers.get(keyOf(l))?.colour ?? "#333";
  $("rendered").innerHTML = lines
    .map(
      (l) => `<div class="line"><span class="time">${clock(l.start)}</span><div><span class="who" style="color:${colourOf(l)}">${escapeHtml(l.speaker)}</span>${l.topic ? `<span class="topic">${escapeHtml(l.topic)}</span>` : ""}<div class="text">${escapeHtml(l.text)}</div></div></div>`,
    )
    .join("");
  renderedLines = lines;
  filter();

  // Copy and download, for every format and the document.
  const base = call?.id ?? "transcript";
  const items = current.transcript ? FORMATS.map((f) => ({ label: `.${f.extension}`, id: f.name, file: `${base}.${f.extension}`, type: f.contentType, get: () => text(f.name) })) : [];
  if (current.extensive) {
    items.push({ label: "document", id: "document", file: `${base}.document.txt`, type: "text/plain; charset=utf-8", get: () => $("document").textContent });
  }
  $("exports").innerHTML = items
    .map((it) => `<span class="group"><b>${it.label}</b><button type="button" data-copy="${it.id}">Copy</button><button type="button" data-download="${it.id}">Download</button></span>`)
    .join("");
  exportsById = new Map(items.map((it) => [it.id, it]));
  $("result").hidden = false;
}

let renderedLines = [];
let exportsById = new Map();

/** Highlights the lines (and their timeline turns) that contain the filter text. */
function filter() {
  const query = $("filter").value.trim().toLowerCase();
  const nodes = $("rendered").children;
  let hits = 0;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    const textNode = node.querySelector(".text");
    const raw = renderedLines[i].text;
    const at = query ? raw.toLowerCase().indexOf(query) : -1;
    const hit = query && (at >= 0 || renderedLines[i].speaker.toLowerCase().includes(query));
    node.classList.toggle("hit", Boolean(hit));
    node.classList.toggle("miss", Boolean(query) && !hit);
    if (hit && at >= 0) {
      const lower = raw.toLowerCase();
      let html = "", from = 0;
      for (let k = at; k >= 0; k = lower.indexOf(query, from)) {
        html += `${escapeHtml(raw.slice(from, k))}<mark>${escapeHtml(raw.slice(k, k + query.length))}</mark>`;
        from = k + query.length;
      }
      textNode.innerHTML = html + escapeHtml(raw.slice(from));
    } else if (textNode.firstElementChild) {
      textNode.textContent = raw;
    }
    if (hit) hits++;
  }
  $("filter-count").textContent = query ? `${hits} of ${nodes.length} lines` : "";
}

$("exports").addEventListener("click", async (e) => {
  const button = e.target.closest("button");
  if (!button) return;
  const item = exportsById.get(button.dataset.copy ?? button.dataset.download);
  if (!item) return;
  const body = item.get();
  if (button.dataset.copy) {
    await navigator.clipboard.writeText(body);
  } else {
    const url = URL.createObjectURL(new Blob([body], { type: item.type }));
    const a = Object.assign(document.createElement("a"), { href: url, download: item.file });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
  button.classList.add("done");
  setTimeout(() => button.classList.remove("done"), 800);
});

/** Which box a dropped file belongs in, from its content. */
function kindOf(json) {
  const head = json.slice(0, 4096);
  if (/"callTranscripts"\s*:/.test(head) || /^\s*\[/.test(head) || /"sentences"\s*:/.test(head)) return "transcript";
  return "extensive";
}

async function dropFiles(files, into) {
  for (const file of files) {
    const body = await file.text();
    $(into ?? kindOf(body)).value = body;
  }
  run();
}

for (const id of ["extensive", "transcript"]) {
  const area = $(id);
  area.addEventListener("dragover", (e) => {
    e.preventDefault();
    area.classList.add("drop");
  });
  area.addEventListener("dragleave", () => area.classList.remove("drop"));
  area.addEventListener("drop", (e) => {
    e.preventDefault();
    e.stopPropagation();
    area.classList.remove("drop");
    $("drop-overlay").hidden = true;
    if (e.dataTransfer.files.length) dropFiles([e.dataTransfer.files[0]], id);
  });
}
window.addEventListener("dragover", (e) => {
  e.preventDefault();
  $("drop-overlay").hidden = false;
});
window.addEventListener("dragleave", (e) => {
  if (!e.relatedTarget) $("drop-overlay").hidden = true;
});
window.addEventListener("drop", (e) => {
  e.preventDefault();
  $("drop-overlay").hidden = true;
  if (e.dataTransfer.files.length) dropFiles([...e.dataTransfer.files]);
});

await init({ module_or_path: new URL("./pkg/gongkit_bg.wasm", import.meta.url) });
$("version").textContent = `call document layout v${documentVersion()}`;
// The format menu: one option per format of the package, the first (its default) selected.
FORMATS = formats();
$("format").replaceChildren(...FORMATS.map((f) => new Option(f.name, f.name)));
$("run").addEventListener("click", run);
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run();
});
let pending = 0;
$("filter").addEventListener("input", () => {
  cancelAnimationFrame(pending);
  pending = requestAnimationFrame(filter);
});
document.body.dataset.ready = "true";
