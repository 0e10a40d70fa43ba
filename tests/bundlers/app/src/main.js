// A user's app: the package imported by name, with no bundler configuration
// for it. Each bundler of tests/bundlers/bundlers.test.mjs builds this file.
import { formatTranscript, callDate, accountFromEmail } from "gongkit";

const transcript = JSON.stringify([
  { speakerId: "7", topic: "Intro", sentences: [{ start: 61000, end: 62000, text: "Grüß Gott, 日本." }] },
  { speakerId: "8", sentences: [{ start: 63000, end: 64000, text: "Hello  there." }] },
]);
const out = document.getElementById("out");
out.textContent = [
  formatTranscript(transcript, { timestamps: true }),
  callDate("2024-12-18T23:30:00-05:00"),
  accountFromEmail("bob@ACME.co.uk"),
].join("\n");
document.body.dataset.done = "true";
