// The same app through gongkit/web with the .wasm imported by name: the path
// for bundlers that do not turn `new URL(…, import.meta.url)` into an asset
// (esbuild with `loader: { ".wasm": "file" }`).
import init, { formatTranscript, callDate, accountFromEmail } from "gongkit/web";
import wasm from "gongkit/gongkit_bg.wasm";

await init({ module_or_path: wasm });
const transcript = JSON.stringify([
  { speakerId: "7", topic: "Intro", sentences: [{ start: 61000, end: 62000, text: "Grüß Gott, 日本." }] },
  { speakerId: "8", sentences: [{ start: 63000, end: 64000, text: "Hello  there." }] },
]);
document.getElementById("out").textContent = [
  formatTranscript(transcript, { timestamps: true }),
  callDate("2024-12-18T23:30:00-05:00"),
  accountFromEmail("bob@ACME.co.uk"),
].join("\n");
document.body.dataset.done = "true";
