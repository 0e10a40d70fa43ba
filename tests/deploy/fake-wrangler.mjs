#!/usr/bin/env node
// A stand-in for wrangler in tests/deploy/deploy.test.mjs: records each call
// (argv, and stdin for `secret put`) as a JSON line in $FAKE_WRANGLER_LOG and
// answers as wrangler 4 does, keeping what "exists" on the account in
// $FAKE_WRANGLER_STATE (a JSON file). It never reaches the network.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes, randomUUID } from "node:crypto";

const args = process.argv.slice(2);
const statePath = process.env.FAKE_WRANGLER_STATE;
const state = existsSync(statePath)
  ? JSON.parse(readFileSync(statePath, "utf8"))
  : { d1: [], kv: [], r2: [], secrets: {}, deployed: false, migrated: [] };
const save = () => writeFileSync(statePath, JSON.stringify(state));
const record = (extra = {}) => appendFileSync(process.env.FAKE_WRANGLER_LOG, JSON.stringify({ argv: args, ...extra }) + "\n");
const fail = (message) => {
  console.error(`✘ [ERROR] ${message}`);
  process.exit(1);
};
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const config = () => {
  const path = flag("--config");
  if (!path || !existsSync(path)) fail(`--config ${path}: no such file`);
  return readFileSync(path, "utf8");
};
// The command's words: those before the first flag.
const first = args.findIndex((a) => a.startsWith("-"));
const cmd = (first < 0 ? args : args.slice(0, first)).slice(0, 3).join(" ");

if (cmd.startsWith("secret put")) {
  let stdin = "";
  process.stdin.on("data", (c) => (stdin += c)).on("end", () => {
    record({ stdin });
    config();
    state.secrets[args[2]] = stdin;
    save();
    console.log(`🌀 Creating the secret for the Worker "gongkit"\n✨ Success! Uploaded secret ${args[2]}`);
  });
} else {
  record();
  if (cmd === "whoami") {
    if (process.env.FAKE_WRANGLER_LOGGED_OUT) console.log("Getting User settings...\nYou are not authenticated. Please run `wrangler login`.");
    else console.log("Getting User settings...\n👋 You are logged in with an OAuth Token, associated with the email dev@example.com.");
  } else if (cmd === "d1 list") {
    console.log(JSON.stringify(state.d1.map((d) => ({ uuid: d.uuid, name: d.name, created_at: "2026-12-01T00:00:00Z", version: "production" }))));
  } else if (cmd.startsWith("d1 create")) {
    const uuid = randomUUID();
    state.d1.push({ uuid, name: args[2] });
    save();
    console.log(`✅ Successfully created DB '${args[2]}' in region WEUR
Created your new D1 database.

To access your new D1 Database in your Worker, add the following snippet to your configuration file:
[[d1_databases]]
binding = "${args[2]}"
database_name = "${args[2]}"
database_id = "${uuid}"`);
  } else if (cmd === "kv namespace list") {
    console.log(JSON.stringify(state.kv.map((n) => ({ id: n.id, title: n.title, supports_url_encoding: true })), null, 2));
  } else if (cmd.startsWith("kv namespace create")) {
    const id = randomBytes(16).toString("hex");
    state.kv.push({ id, title: args[3] });
    save();
    console.log(`🌀 Creating namespace with title "${args[3]}"
✨ Success!
To access your new KV Namespace in your Worker, add the following snippet to your configuration file:
[[kv_namespaces]]
binding = "${args[3]}"
id = "${id}"`);
  } else if (cmd === "r2 bucket list") {
    console.log(["Listing buckets...", ...(state.r2 ?? []).map((b) => `name:           ${b}\ncreation_date:  2026-12-01T00:00:00.000Z`)].join("\n"));
  } else if (cmd === "r2 bucket create") {
    state.r2 = [...(state.r2 ?? []), args[3]];
    save();
    console.log(`Creating bucket '${args[3]}'...\n✅ Created bucket '${args[3]}' with default storage class of Standard.`);
  } else if (cmd.startsWith("d1 migrations apply")) {
    const text = config();
    const db = state.d1.find((d) => d.name === args[3]);
    if (!db || !text.includes(`database_id = "${db.uuid}"`)) fail(`Couldn't find a D1 DB with the name or binding '${args[3]}' in your configuration file.`);
    if (!args.includes("--remote")) fail("expected --remote");
    // Per database (the library's periods each have one).
    const migrated = Array.isArray(state.migrated) ? state.migrated : [];
    console.log(migrated.includes(db.name) ? "✅ No migrations to apply!" : "Migrations to be applied:\n│ 0001_library.sql │\n✅ 0001_library.sql");
    state.migrated = [...migrated, db.name];
    save();
  } else if (cmd === "secret list") {
    config();
    if (!state.deployed && Object.keys(state.secrets).length === 0) fail("This Worker does not exist on your account. [code: 10007]");
    console.log(JSON.stringify(Object.keys(state.secrets).map((name) => ({ name, type: "secret_text" })), null, 2));
  } else if (cmd === "deploy") {
    config();
    state.deployed = true;
    save();
    console.log(`Total Upload: 2345.67 KiB / gzip: 789.01 KiB
Uploaded gongkit (3.21 sec)
Deployed gongkit triggers (0.54 sec)
  https://gongkit.example.workers.dev
  schedule: */15 * * * *
Current Version ID: 1b2c3d4e-0000-4000-8000-000000000000`);
  } else {
    fail(`the fake wrangler does not know: ${args.join(" ")}`);
  }
}
