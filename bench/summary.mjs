// A benchmark's figures for bench/goals.mjs: when GONGKIT_SUMMARY names a
// file, each benchmark merges its figures into that JSON object under its
// own name, so one script can put every run's figures in one table without
// reading Markdown back. Without GONGKIT_SUMMARY nothing is written.
//
//   import { summary } from "./summary.mjs";
//   summary("backfill", rows); // {"backfill": rows, …} in $GONGKIT_SUMMARY
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Merges `figures` under `name` into $GONGKIT_SUMMARY (a JSON object), if set. */
export function summary(name, figures) {
  const file = process.env.GONGKIT_SUMMARY;
  if (!file) return;
  const all = existsSync(file) ? JSON.parse(readFileSync(file, "utf8") || "{}") : {};
  all[name] = figures;
  writeFileSync(file, `${JSON.stringify(all, null, 1)}\n`);
}
