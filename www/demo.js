// The browser page of the gongkit npm package: its web build, loaded from
// ./pkg/ (copied there by scripts/build-pkg). No request leaves the page.
import init, { formatTranscript, normalizeCall, callDocument, documentVersion } from "./pkg/gongkit.js";

const $ = (id) => document.getElementById(id);

function options() {
  return {
    format: $("format").value,
    timestamps: $("timestamps").checked,
    merge: $("merge").checked,
    names: $("names").checked,
    internalDomains: $("internal").value.split(",").map((d) => d.trim()).filter(Boolean),
  };
}

function run() {
  const extensive = $("extensive").value.trim();
  const transcript = $("transcript").value.trim();
  const { format, timestamps, merge, names, internalDomains } = options();
  $("error").hidden = true;
  for (const id of ["output", "document", "call"]) $(id).textContent = "";
  try {
    if (extensive) {
      const call = normalizeCall(extensive, transcript || undefined, { format, timestamps, merge, names, internalDomains });
      $("output").textContent = call.transcript ?? "";
      $("call").textContent = JSON.stringify({ ...call, transcript: call.transcript && "(above)" }, null, 2);
      $("document").textContent = callDocument(extensive, transcript || undefined, { merge, internalDomains });
    } else if (transcript) {
      $("output").textContent = formatTranscript(transcript, { format, timestamps, merge });
    } else {
      throw new Error("paste an extensive or a transcript answer first");
    }
  } catch (e) {
    $("error").textContent = e.message;
    $("error").hidden = false;
  }
}

for (const id of ["extensive", "transcript"]) {
  const area = $(id);
  area.addEventListener("dragover", (e) => {
    e.preventDefault();
    area.classList.add("drop");
  });
  area.addEventListener("dragleave", () => area.classList.remove("drop"));
  area.addEventListener("drop", async (e) => {
    e.preventDefault();
    area.classList.remove("drop");
    const file = e.dataTransfer.files[0];
    if (file) {
      area.value = await file.text();
      run();
    }
  });
}

await init();
$("version").textContent = `call document layout v${documentVersion()}`;
$("run").addEventListener("click", run);
document.body.dataset.ready = "true";
