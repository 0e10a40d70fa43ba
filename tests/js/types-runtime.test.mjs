// Types equal the runtime: every result of the fixture table (and of the
// request and account tables) is checked against the return type that the
// package's own .d.ts declares for its function. A field declared required
// must be present with the declared type; a field present must be declared.
// The declarations are read with the TypeScript compiler's parser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import ts from "typescript";
import * as g from "gongkit";
import { cases, read, run } from "./table.mjs";

const require = createRequire(import.meta.url);
const dtsPath = require.resolve("gongkit").replace(/node[\\/]gongkit\.cjs$/, "bundler/gongkit.d.ts");
const source = ts.createSourceFile(dtsPath, readFileSync(dtsPath, "utf8"), ts.ScriptTarget.Latest, true);

// Named declarations: interfaces, type aliases, functions.
const named = new Map();
const functions = new Map();
for (const st of source.statements) {
  if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) named.set(st.name.text, st);
  if (ts.isFunctionDeclaration(st) && st.name) functions.set(st.name.text, st);
}

/** The declared members of an interface or a type literal: name -> { optional, type }. */
function members(decl) {
  const out = new Map();
  const own = ts.isInterfaceDeclaration(decl) ? decl.members : decl.members;
  for (const m of own) {
    if (ts.isPropertySignature(m)) out.set(m.name.getText(source).replace(/^"|"$/g, ""), { optional: !!m.questionToken, type: m.type });
    else if (ts.isIndexSignatureDeclaration(m)) out.set("[index]", { type: m.type });
  }
  for (const clause of (ts.isInterfaceDeclaration(decl) && decl.heritageClauses) || []) {
    for (const t of clause.types) for (const [k, v] of members(named.get(t.expression.getText(source)))) out.set(k, v);
  }
  return out;
}

const describe = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** Pushes to `errors` each way `value` differs from the type node `type`. */
function check(value, type, path, errors) {
  switch (type.kind) {
    case ts.SyntaxKind.StringKeyword: return typeof value === "string" || errors.push(`${path}: ${describe(value)}, declared string`);
    case ts.SyntaxKind.NumberKeyword: return typeof value === "number" || errors.push(`${path}: ${describe(value)}, declared number`);
    case ts.SyntaxKind.BooleanKeyword: return typeof value === "boolean" || errors.push(`${path}: ${describe(value)}, declared boolean`);
    case ts.SyntaxKind.UndefinedKeyword: return value === undefined || errors.push(`${path}: ${describe(value)}, declared undefined`);
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.UnknownKeyword: return true;
    case ts.SyntaxKind.ParenthesizedType: return check(value, type.type, path, errors);
    case ts.SyntaxKind.LiteralType: {
      if (type.literal.kind === ts.SyntaxKind.NullKeyword) return value === null || errors.push(`${path}: ${describe(value)}, declared null`);
      const literal = ts.isStringLiteral(type.literal) ? type.literal.text : Number(type.literal.getText(source));
      return value === literal || errors.push(`${path}: ${JSON.stringify(value)}, declared ${type.literal.getText(source)}`);
    }
    case ts.SyntaxKind.ArrayType:
      if (!Array.isArray(value)) return errors.push(`${path}: ${describe(value)}, declared an array`);
      return value.forEach((v, i) => check(v, type.elementType, `${path}[${i}]`, errors));
    case ts.SyntaxKind.UnionType: {
      const tries = type.types.map((t) => { const e = []; check(value, t, path, e); return e; });
      if (tries.some((e) => e.length === 0)) return true;
      // report the branch of the value's own shape, else all
      return errors.push(`${path}: ${JSON.stringify(value)?.slice(0, 80)} fits no branch of ${type.getText(source)} (${tries.flat().slice(0, 3).join("; ")})`);
    }
    case ts.SyntaxKind.IntersectionType: {
      // `string & {}` (tsify's open enums): each part on its own, `{}` being any non-null value
      const primitive = type.types.some((t) => t.kind === ts.SyntaxKind.StringKeyword || t.kind === ts.SyntaxKind.NumberKeyword);
      if (primitive) {
        return type.types.forEach((t) => (ts.isTypeLiteralNode(t) && t.members.length === 0 ? value != null || errors.push(`${path}: ${describe(value)}, declared {}`) : check(value, t, path, errors)));
      }
      return checkObject(value, type.types.flatMap((t) => [...membersOf(t)]), path, errors);
    }
    case ts.SyntaxKind.TypeLiteral:
      return checkObject(value, [...members(type)], path, errors);
    case ts.SyntaxKind.TypeReference: {
      const name = (type.typeName.text ?? type.typeName.getText(source));
      if (name === "Array") return check(value, ts.factory.createArrayTypeNode(type.typeArguments[0]), path, errors);
      if (name === "Record") {
        if (describe(value) !== "object") return errors.push(`${path}: ${describe(value)}, declared Record`);
        return Object.entries(value).forEach(([k, v]) => check(v, type.typeArguments[1], `${path}.${k}`, errors));
      }
      const decl = named.get(name);
      if (!decl) return errors.push(`${path}: type ${name} is not declared in the .d.ts`);
      if (ts.isTypeAliasDeclaration(decl)) return check(value, decl.type, `${path}`, errors);
      return checkObject(value, [...members(decl)], path, errors);
    }
    default:
      return errors.push(`${path}: the test cannot read the type ${type.getText(source)} (${ts.SyntaxKind[type.kind]})`);
  }
}

function membersOf(type) {
  if (ts.isTypeLiteralNode(type)) return members(type);
  if (ts.isTypeReferenceNode(type)) {
    const decl = named.get((type.typeName.text ?? type.typeName.getText(source)));
    if (decl && ts.isInterfaceDeclaration(decl)) return members(decl);
    if (decl && ts.isTypeAliasDeclaration(decl)) return membersOf(decl.type);
  }
  if (ts.isParenthesizedTypeNode(type)) return membersOf(type.type);
  if (ts.isIntersectionTypeNode(type)) return new Map(type.types.flatMap((t) => [...membersOf(t)]));
  throw new Error(`cannot list members of ${type.getText(source)}`);
}

function checkObject(value, entries, path, errors) {
  if (describe(value) !== "object") return errors.push(`${path}: ${describe(value)}, declared an object`);
  const declared = new Map(entries);
  const index = declared.get("[index]");
  for (const [key, { optional, type }] of declared) {
    if (key === "[index]") continue;
    if (!(key in value) || value[key] === undefined) {
      if (!optional) errors.push(`${path}.${key}: absent, declared required`);
      continue;
    }
    check(value[key], type, `${path}.${key}`, errors);
  }
  for (const key of Object.keys(value)) {
    if (declared.has(key)) continue;
    if (index) check(value[key], index.type, `${path}.${key}`, errors);
    else errors.push(`${path}.${key}: present, not declared`);
  }
}

/** Checks one result against the declared return type of `fn`. */
function checkResult(fn, value, label) {
  const decl = functions.get(fn);
  assert.ok(decl, `${fn} is declared`);
  const errors = [];
  check(value, decl.type, `${fn}()`, errors);
  assert.deepEqual(errors, [], label);
}

test("every exported function is declared, and every declared function exported", () => {
  assert.deepEqual([...functions.keys()].sort(), Object.keys(g).sort());
});

test("the .d.ts matches every fixture output, field by field", () => {
  let checked = 0;
  const fields = new Set();
  for (const call of cases.calls) {
    const extensive = read(`calls/${call.name}.extensive.json`);
    const transcript = read(`calls/${call.name}.transcript.json`);
    for (const variantName of call.variants) {
      const { fn, options } = cases.variants[variantName];
      const out = ["formatTranscript", "chunkTranscript"].includes(fn)
        ? run(g, fn, { input: transcript, options, partiesFrom: extensive })
        : run(g, fn, { input: extensive, transcript, options: { ...options, internalDomains: call.internalDomains } });
      const name = fn === "extensive" ? "normalizeCall" : fn;
      checkResult(name, out, `${call.name}.${variantName}`);
      if (name === "normalizeCall") for (const k of Object.keys(out.summary ?? {})) fields.add(`summary.${k}`);
      checked++;
    }
    // and the call without its transcript
    checkResult("normalizeCall", g.normalizeCall(extensive), `${call.name} without transcript`);
    checkResult("accountFromParties", g.accountFromParties(JSON.parse(extensive).calls[0].parties ?? []), call.name);
  }
  for (const c of cases.requests) checkResult(c.fn, run(g, c.fn, { input: c.input, options: c.options }), JSON.stringify(c.options ?? c.input));
  for (const c of cases.emails.filter((c) => !c.error)) checkResult("accountFromEmail", g.accountFromEmail(c.email, c.internalDomains ? { internalDomains: c.internalDomains } : undefined), c.email);
  // Gong sends any part of a summary alone: a brief without key points, outline or highlights.
  const briefOnly = g.normalizeCall({ calls: [{ metaData: { id: "1" }, content: { brief: "Pricing." } }] });
  assert.deepEqual(briefOnly.summary, { brief: "Pricing." });
  checkResult("normalizeCall", briefOnly, "a summary with a brief only");
  checkResult("normalizeCall", g.normalizeCall({ calls: [{ metaData: { id: "1" }, content: { keyPoints: [{ text: "Q2." }] } }] }), "key points only");
  checkResult("callDate", g.callDate(0), "callDate");
  checkResult("documentVersion", g.documentVersion(), "documentVersion");
  checkResult("formats", g.formats(), "formats");
  checkResult("searchWords", g.searchWords("Hi José, 調達"), "searchWords");
  // the table does reach the optional summary fields, present and absent
  assert.ok(fields.has("summary.keyPoints") && fields.has("summary.outline"), [...fields].join(", "));
  assert.ok(checked >= 45, `${checked} outputs`);
});

test("the checker itself catches lies", () => {
  const errors = [];
  check({ id: "1" }, ts.factory.createTypeReferenceNode("Account"), "x", errors);
  assert.ok(errors.some((e) => e.includes("x.name: absent, declared required")), errors.join("\n"));
  assert.ok(errors.some((e) => e.includes("x.id: present, not declared")), errors.join("\n"));
});
