// TypeScript under node16/nodenext (ESM side) and bundler resolution: every
// entry of the installed tarball, as users import them.
import { formatTranscript, normalizeCall, extensiveRequest, type NormalizedCall, type Summary } from "gongkit";
import init, { initSync, formatTranscript as webFormat } from "gongkit/web";

await init();
initSync({ module: new Uint8Array() });
const text: string = formatTranscript("[]") + webFormat("[]");
const call: NormalizedCall = normalizeCall("{}");
const summary: Summary | null = call.summary;
// Gong may leave these out: optional in the types, as at runtime.
const points: number | undefined = summary?.keyPoints?.length;
// @ts-expect-error keyPoints may be absent, so this must not compile under --strict
const unchecked: number | undefined = call.summary?.outline.length;
const body = extensiveRequest(); // optional, as at runtime
export const used = [text, points, unchecked, body];
