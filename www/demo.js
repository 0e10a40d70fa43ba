// The browser page of the gongkit npm package: its web build, loaded from
// ./pkg/ (copied there by scripts/build-pkg, with a sample call in
// ./pkg/sample/). No request leaves the page: files are read with
// File.text(), downloads are blob: URLs made here.
import init, { formatTranscript, normalizeCall, callDocument, documentVersion, formats, searchWords } from "./pkg/gongkit.js";

const $ = (id) => document.getElementById(id);
/** The package's formats (name, extension, contentType), read once the wasm is loaded. */
let FORMATS = [];
// Distinct colours for speakers (Okabe–Ito first, then more), readable on white.
const COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8c564b", "#6a3d9a", "#b15928", "#1b9e77"];
/** The sample behind "Try a sample call" (a fixture of the tests, copied by scripts/build-pkg). */
const SAMPLE = { extensive: "./pkg/sample/acme-discovery.extensive.json", transcript: "./pkg/sample/acme-discovery.transcript.json" };
const BOXES = ["extensive", "transcript"];

/** What the last run produced: the inputs and options the exports reuse. */
let current = null;
/** Where each box's text came from: a file's name, or null when typed or pasted. */
const fromFile = { extensive: null, transcript: null };

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

/** `m:ss`, or `h:mm:ss` from an hour on (or always, with `hours`). */
function clock(ms, hours = false) {
  const s = Math.floor((ms ?? 0) / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h || hours ? 2 : 1, "0");
  const ss = String(s % 60).padStart(2, "0");
  return h || hours ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** `1h 2m 5s`, `30m 34s`, `45s`: the call document's way of writing a duration. */
function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  if (h) return `${h}h ${m}m ${r}s`;
  return m ? `${m}m ${r}s` : `${r}s`;
}

/** How a box is named in a message: the box, or the file dropped into it. */
function source(box, capital = true) {
  const name = fromFile[box] ? `file "${fromFile[box]}" (${box} box)` : `${box} box`;
  return capital ? name[0].toUpperCase() + name.slice(1) : name;
}

/**
 * JSON.parse keeping integers beyond 2^53 exact where the browser can (Gong's
 * ids may come as numbers): as raw JSON to write out again, or as their text.
 */
const parseExact = (text, asText = false) =>
  JSON.parse(text, (_, v, context) => {
    if (typeof v !== "number" || Number.isSafeInteger(v) || !context?.source) return v;
    if (asText) return context.source;
    return JSON.rawJSON ? JSON.rawJSON(context.source) : v;
  });

/**
 * `{"extensive": …, "transcript": …}` (the body `POST /v1/format` takes) as
 * the two boxes' texts, or null for anything else. Values may be objects or
 * their JSON text.
 */
function splitCombined(text) {
  if (!/^\s*\{\s*"(extensive|transcript)"\s*:/.test(text.slice(0, 200))) return null;
  let value;
  try {
    value = parseExact(text);
  } catch {
    return null; // not JSON: the package says what is wrong with it
  }
  if (!value || typeof value !== "object" || !("extensive" in value)) return null;
  const asText = (v) => (v == null ? "" : typeof v === "string" ? v : JSON.stringify(v, null, 2));
  return { extensive: asText(value.extensive), transcript: asText(value.transcript) };
}

/** The calls of an extensive answer (a whole answer or one call): `{ id, title }`. */
function extensiveCalls(text) {
  let value;
  try {
    value = parseExact(text, true);
  } catch {
    return []; // the package reports the JSON error, naming where
  }
  const calls = Array.isArray(value?.calls) ? value.calls : value?.metaData ? [value] : [];
  return calls.map((c) => ({ id: c?.metaData?.id == null ? "" : String(c.metaData.id), title: c?.metaData?.title ?? "" }));
}

/** The call ids a transcript answer holds, in order (none for a bare monologue array). */
function transcriptCallIds(text) {
  return [...new Set([...text.matchAll(/"callId"\s*:\s*"?([^",}\s]+)/g)].map((m) => m[1]))];
}

/**
 * Which call of the extensive answer to show: the one chosen in the menu,
 * else the transcript's call, else the first with a transcript. Shows the
 * menu when the answer holds several calls.
 */
function chooseCall(extensive, transcript) {
  const calls = extensiveCalls(extensive);
  const withTranscript = new Set(transcript ? transcriptCallIds(transcript) : []);
  const menu = $("call-id");
  $("call-pick").hidden = calls.length < 2;
  if (calls.length < 2) {
    menu.replaceChildren();
    return undefined;
  }
  const chosen = menu.value;
  menu.replaceChildren(
    ...calls.map((c) => new Option(`${c.title || "Untitled"} (${c.id})${transcript && !withTranscript.has(c.id) ? " — no transcript" : ""}`, c.id)),
  );
  const ids = calls.map((c) => c.id);
  const pick = ids.includes(chosen) ? chosen : (ids.find((id) => withTranscript.has(id)) ?? ids[0]);
  menu.value = pick;
  return pick;
}

/** The transcript in the given format: through the call when there is one. */
function text(format, merge = current.opts.merge) {
  const { extensive, transcript, opts, callId } = current;
  if (!transcript) return "";
  if (extensive) return normalizeCall(extensive, transcript, { ...opts, callId, format, merge }).transcript ?? "";
  return formatTranscript(transcript, { format, merge, timestamps: opts.timestamps, callId });
}

/**
 * The message for a failed run, naming the box (or file) that was wrong:
 * each input is tried alone, and when both are fine alone it is the pair.
 */
function blame(error, extensive, transcript, callId) {
  if (extensive) {
    try {
      normalizeCall(extensive);
    } catch (e) {
      return `${source("extensive")}: ${e.message}`;
    }
  }
  if (transcript) {
    try {
      formatTranscript(transcript);
    } catch (e) {
      return `${source("transcript")}: ${e.message}`;
    }
  }
  if (!extensive || !transcript) return error.message;
  const ids = transcriptCallIds(transcript);
  const wanted = callId ?? extensiveCalls(extensive)[0]?.id;
  if (ids.length && wanted && !ids.includes(wanted)) {
    const holds = `call${ids.length > 1 ? "s" : ""} ${ids.join(", ")}`;
    return `${source("transcript")} holds ${holds}, not call ${wanted} of the ${source("extensive", false)}`;
  }
  return `${source("extensive")} with the ${source("transcript", false)}: ${error.message}`;
}

function run() {
  for (const box of BOXES) {
    const parts = splitCombined($(box).value);
    if (parts) {
      const file = fromFile[box];
      for (const b of BOXES) {
        $(b).value = parts[b];
        fromFile[b] = file;
      }
      break;
    }
  }
  const extensive = $("extensive").value.trim();
  const transcript = $("transcript").value.trim();
  const opts = options();
  $("error").hidden = true;
  for (const id of ["output", "document", "call"]) $(id).textContent = "";
  let callId;
  try {
    if (!extensive && !transcript) throw new Error("paste or drop an extensive or a transcript answer first, or try the sample call");
    callId = extensive ? chooseCall(extensive, transcript) : undefined;
    if (!extensive) $("call-pick").hidden = true;
    current = { extensive, transcript, opts, callId };
    let call = null;
    if (extensive) {
      call = normalizeCall(extensive, transcript || undefined, { ...opts, callId });
      $("output").textContent = call.transcript ?? "";
      $("call").textContent = JSON.stringify({ ...call, transcript: call.transcript && "(above)" }, null, 2);
      $("document").textContent = callDocument(extensive, transcript || undefined, { merge: opts.merge, internalDomains: opts.internalDomains, callId });
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
    let message = e.message;
    try {
      message = blame(e, extensive, transcript, callId);
    } catch {
      // Blaming a box must never hide the error itself.
    }
    $("error").textContent = message;
    $("error").hidden = false;
  } finally {
    $("sample").hidden = Boolean(current);
    document.body.dataset.renders = String(++renders);
  }
}

let renders = 0;

function render(call, lines, turns) {
  // Speakers in order of first appearance, each with a colour; talk time from the sentences.
  const speakers = new Map();
  const keyOf = (l) => l.speakerId ?? l.speaker;
  const gong = new Map((call?.participants ?? []).filter((p) => p.speakerId != null && p.talkTimeSeconds != null).map((p) => [p.speakerId, p.talkTimeSeconds]));
  for (const l of turns) {
    const key = keyOf(l);
    if (!speakers.has(key)) speakers.set(key, { name: l.speaker, colour: COLOURS[speakers.size % COLOURS.length], ms: 0, index: speakers.size, gong: gong.get(l.speakerId) });
    if (l.start != null) speakers.get(key).ms += Math.max(0, (l.end ?? l.start) - l.start);
  }
  const end = turns.reduce((m, l) => Math.max(m, l.end ?? l.start ?? 0), 0);

  // Overview.
  $("call-title").textContent = call?.title ?? "Transcript";
  const meta = [];
  if (call?.date) meta.push(call.date);
  if (call?.durationSeconds != null) meta.push(duration(call.durationSeconds));
  else if (end) meta.push(duration(end / 1000));
  if (call?.account) meta.push(`Account: ${call.account.name}`);
  meta.push(`${speakers.size} speaker${speakers.size === 1 ? "" : "s"}`, `${lines.length} lines`);
  $("call-meta").textContent = meta.join(" · ");

  // Talk time per speaker, from the transcript's own sentence times; Gong's figure beside it.
  const total = [...speakers.values()].reduce((s, p) => s + p.ms, 0) || 1;
  const most = Math.max(1, ...[...speakers.values()].map((p) => p.ms));
  $("talk-gong-note").hidden = gong.size === 0;
  $("talk").innerHTML = [...speakers.values()]
    .sort((a, b) => b.ms - a.ms)
    .map((p) => {
      const share = (100 * p.ms) / total;
      const gongNote = p.gong != null ? `<span class="gong" title="Gong's own talk time for this speaker (talkTimeSeconds in the normalized call)">Gong: ${duration(p.gong)}</span>` : "";
      return `<div class="bar" role="listitem" data-speaker="${escapeHtml(p.name)}" data-share="${share.toFixed(1)}" data-seconds="${(p.ms / 1000).toFixed(1)}"${p.gong != null ? ` data-gong-seconds="${p.gong}"` : ""}>
        <span class="name" style="color:${p.colour}" title="${escapeHtml(p.name)}">${escapeHtml(p.name)}</span>
        <span class="track"><span class="fill" style="display:block;width:${((100 * p.ms) / most).toFixed(2)}%;background:${p.colour}"></span></span>
        <span class="value">${duration(p.ms / 1000)} · ${share.toFixed(0)}%${gongNote}</span></div>`;
    })
    .join("");

  timelineData = { speakers, turns, end };
  drawTimeline();

  // The transcript, rendered: time (or that it has none), speaker in their colour, topic, text.
  const colourOf = (l) => speakers.get(keyOf(l))?.colour ?? "#333";
  $("rendered").innerHTML = lines
    .map((l) => {
      const time = l.start == null ? `<span class="time untimed" title="Gong's transcript gives this sentence no time">no time</span>` : `<span class="time">${clock(l.start)}</span>`;
      return `<div class="line">${time}<div><span class="who" style="color:${colourOf(l)}">${escapeHtml(l.speaker)}</span>${l.topic ? `<span class="topic">${escapeHtml(l.topic)}</span>` : ""}<div class="text">${escapeHtml(l.text)}</div></div></div>`;
    })
    .join("");
  renderedLines = lines;
  folded = null;
  marking = false;
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

/** What the timeline draws; it is drawn again at the width it gets. */
let timelineData = null;
/** The timeline's width in CSS pixels, as last laid out (0 before it was shown). */
let timelineWidth = 0;

/** Tick steps, in seconds: round times only. */
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** Ticks at the multiples of the smallest round step that gives at most `most` of them. */
function ticks(endMs, most) {
  const seconds = endMs / 1000;
  const step = STEPS.find((s) => Math.floor(seconds / s) + 1 <= most) ?? Math.ceil(seconds / Math.max(1, most - 1));
  return Array.from({ length: Math.floor(seconds / step) + 1 }, (_, i) => i * step * 1000);
}

/**
 * Who spoke when: a row per speaker, a rectangle per timed turn, ticks at
 * round times. Drawn at the width the page gives it (one SVG unit a CSS
 * pixel), so its text stays readable on a phone.
 */
function drawTimeline() {
  if (!timelineData) return;
  const { speakers, turns, end } = timelineData;
  // The width the ResizeObserver last saw (reading it here would force a layout mid-render).
  const width = Math.max(240, timelineWidth || 800);
  const narrow = width < 480;
  const row = 22, label = narrow ? 76 : 110, right = 8;
  const room = Math.floor(label / 7);
  const scale = (ms) => label + ((width - label - right) * ms) / (end || 1);
  const rects = turns
    .filter((l) => l.start != null)
    .map((l) => {
      const p = speakers.get(l.speakerId ?? l.speaker);
      const x = scale(l.start);
      const w = Math.max(1, scale(l.end ?? l.start) - x);
      return `<rect x="${x.toFixed(1)}" y="${p.index * row + 4}" width="${w.toFixed(1)}" height="${row - 8}" fill="${p.colour}"><title>${escapeHtml(p.name)} ${clock(l.start)}–${clock(l.end)}</title></rect>`;
    })
    .join("");
  const names = [...speakers.values()]
    .map((p) => `<text x="0" y="${p.index * row + row / 2 + 4}">${escapeHtml(p.name.length > room ? `${p.name.slice(0, room - 1)}…` : p.name)}</text>`)
    .join("");
  const base = speakers.size * row;
  const hours = end >= 3_600_000;
  const marks = ticks(end, Math.max(2, Math.floor((width - label) / (hours ? 70 : 55))));
  const last = marks.length - 1;
  const tickMarks = marks
    .map((ms, i) => {
      const x = scale(ms);
      // The first label starts at its tick, the last ends at the edge when it would pass it.
      const anchor = i === 0 ? "start" : i === last && x + 30 > width ? "end" : "middle";
      return `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="0" y2="${base + 3}"/><text class="tick" x="${Math.min(x, width).toFixed(1)}" y="${base + 15}" text-anchor="${anchor}">${clock(ms, hours)}</text>`;
    })
    .join("");
  $("timeline").innerHTML = `<svg width="${width}" height="${base + 20}" viewBox="0 0 ${width} ${base + 20}" role="img" aria-label="Who spoke when">${tickMarks}${names}${rects}</svg>`;
}

let renderedLines = [];
let exportsById = new Map();
/** The lines folded as search folds them, made on the first filter after a render. */
let folded = null;
/** Whether lines are marked as hits or misses now. */
let marking = false;

/** A text's words as search sees them, joined by spaces, with each word's place in both texts. */
function foldWords(words) {
  const at = [];
  let joined = "";
  for (const w of words) {
    if (joined) joined += " ";
    at.push(joined.length);
    joined += w.text;
  }
  return { joined, at, words };
}

/** Folds every rendered line (one call into the package for all of them), its speaker and topic. */
function foldLines() {
  const all = renderedLines.map((l) => l.text).join("\n");
  const words = searchWords(all);
  const memo = new Map();
  const fold = (s) => {
    if (!memo.has(s)) memo.set(s, foldWords(searchWords(s)).joined);
    return memo.get(s);
  };
  const out = [];
  let offset = 0, k = 0;
  for (const l of renderedLines) {
    const upTo = offset + l.text.length;
    const own = [];
    // Words never cross the newlines between lines.
    for (; k < words.length && words[k].start < upTo; k++) own.push({ text: words[k].text, start: words[k].start - offset, end: words[k].end - offset });
    out.push({ text: foldWords(own), speaker: fold(l.speaker), topic: l.topic ? fold(l.topic) : "" });
    offset = upTo + 1;
  }
  return out;
}

/** `raw` with the original words of every match of `query` in its folded form marked. */
function marked(raw, { joined, at, words }, query) {
  const spans = [];
  for (let k = joined.indexOf(query); k >= 0; k = joined.indexOf(query, k + 1)) {
    // The words the match touches: from the one it starts in to the one it ends in.
    const first = at.findLastIndex((a) => a <= k);
    const last = at.findLastIndex((a) => a < k + query.length);
    const span = { start: words[first].start, end: words[last].end };
    const prev = spans[spans.length - 1];
    if (prev && span.start <= prev.end) prev.end = Math.max(prev.end, span.end);
    else spans.push(span);
  }
  let html = "", from = 0;
  for (const s of spans) {
    html += `${escapeHtml(raw.slice(from, s.start))}<mark>${escapeHtml(raw.slice(s.start, s.end))}</mark>`;
    from = s.end;
  }
  return html + escapeHtml(raw.slice(from));
}

/**
 * Highlights the lines whose text, speaker or topic holds the filter's
 * words, folded as search folds them (`jose` finds José, `pricing` the
 * lines tagged Pricing).
 */
function filter() {
  const raw = $("filter").value.trim();
  const query = raw ? foldWords(searchWords(raw)).joined : "";
  const nodes = $("rendered").children;
  // Nothing to find and nothing marked (a fresh render, or cleared already): nothing to do.
  if (!query && !marking) {
    $("filter-count").textContent = raw ? "no letters or digits to find" : "";
    return;
  }
  marking = Boolean(query);
  if (query && !folded) folded = foldLines();
  let hits = 0;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    const line = renderedLines[i];
    const parts = { text: node.querySelector(".text"), who: node.querySelector(".who"), topic: node.querySelector(".topic") };
    const f = query ? folded[i] : null;
    const inText = Boolean(f?.text.joined.includes(query));
    const inSpeaker = Boolean(f?.speaker.includes(query));
    const inTopic = Boolean(f?.topic.includes(query));
    const hit = inText || inSpeaker || inTopic;
    node.classList.toggle("hit", hit);
    node.classList.toggle("miss", Boolean(query) && !hit);
    if (inText) parts.text.innerHTML = marked(line.text, f.text, query);
    else if (parts.text.firstElementChild) parts.text.textContent = line.text;
    parts.who.classList.toggle("match", inSpeaker);
    parts.topic?.classList.toggle("match", inTopic);
    if (hit) hits++;
  }
  $("filter-count").textContent = !raw ? "" : query ? `${hits} of ${nodes.length} lines` : "no letters or digits to find";
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
    const box = into ?? kindOf(body);
    $(box).value = body;
    fromFile[box] = file.name;
  }
  run();
}

for (const id of BOXES) {
  const area = $(id);
  area.addEventListener("input", () => {
    fromFile[id] = null;
  });
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

/** Loads the sample call into the boxes and formats it (from this site: nothing leaves the page). */
async function sample() {
  try {
    for (const box of BOXES) {
      const res = await fetch(SAMPLE[box]);
      if (!res.ok) throw new Error(`the sample call is missing from this site (${SAMPLE[box]}: ${res.status}); scripts/build-pkg copies it`);
      $(box).value = await res.text();
      fromFile[box] = SAMPLE[box].split("/").pop();
    }
    run();
  } catch (e) {
    $("error").textContent = e.message;
    $("error").hidden = false;
  }
}

await init({ module_or_path: new URL("./pkg/gongkit_bg.wasm", import.meta.url) });
$("version").textContent = `call document layout v${documentVersion()}`;
// The format menu: one option per format of the package, the first (its default) selected.
FORMATS = formats();
$("format").replaceChildren(...FORMATS.map((f) => new Option(f.name, f.name)));
$("run").addEventListener("click", run);
$("sample").addEventListener("click", sample);
// A changed option applies at once to what is shown.
for (const id of ["format", "timestamps", "merge", "names", "internal", "call-id"]) {
  $(id).addEventListener("change", () => {
    if (current) run();
  });
}
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run();
});
let pending = 0;
$("filter").addEventListener("input", () => {
  cancelAnimationFrame(pending);
  pending = requestAnimationFrame(filter);
});
new ResizeObserver(([entry]) => {
  const width = Math.round(entry.contentRect.width);
  if (width && width !== timelineWidth) {
    timelineWidth = width;
    drawTimeline();
  }
}).observe($("timeline"));
document.body.dataset.ready = "true";
