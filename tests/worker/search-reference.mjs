// The search's reference: the same query language and matching rules as
// the Worker's, written plainly over Gong's raw JSON (as the simulator
// holds it), so a test can compare what /v1/search finds with a scan of
// every call. Nothing here is shared with the Rust code it checks.

const UNSPACED = /[\u3040-\u30FF\u31F0-\u31FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF66-\uFF9F\u{20000}-\u{3134F}]/u;
const MARK = /\p{M}/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Search's words: NFKD, no marks, lower case; CJK a character a word. */
export function words(text) {
  const out = [];
  let cur = "";
  for (const ch of (text ?? "").normalize("NFKD")) {
    if (MARK.test(ch)) continue;
    for (const l of ch.toLowerCase()) {
      if (MARK.test(l)) continue;
      if (UNSPACED.test(l)) {
        if (cur) out.push(cur);
        cur = "";
        out.push(l);
      } else if (LETTER_OR_DIGIT.test(l)) {
        cur += l;
      } else {
        if (cur) out.push(cur);
        cur = "";
      }
    }
  }
  if (cur) out.push(cur);
  return out;
}

export const fold = (text) => words(text).join(" ");

/** Between turns, participants and key points: no phrase matches across it. */
const SEPARATOR = "\uE000";
const joined = (groups) => groups.flatMap((g, i) => (i ? [SEPARATOR, ...g] : g));

/** A query as groups of terms (OR inside, AND between) and excluded terms. */
export function parseQuery(q) {
  const items = [];
  let rest = q;
  for (;;) {
    rest = rest.trimStart();
    if (!rest) break;
    let excluded = false;
    if (rest.length > 1 && rest[0] === "-" && !/^\s/.test(rest[1])) {
      excluded = true;
      rest = rest.slice(1);
    }
    if (rest[0] === '"') {
      const end = rest.indexOf('"', 1);
      if (end > 0) {
        const inside = rest.slice(1, end);
        let tail = rest.slice(end + 1);
        const prefix = tail.startsWith("*");
        rest = tail.replace(/^\*+/, "");
        const w = words(inside);
        if (w.length) items.push({ term: { words: w, prefix }, excluded });
        continue;
      }
      rest = rest.slice(1);
      continue;
    }
    const m = rest.match(/^[^\s"]*/);
    const bare = m[0];
    rest = rest.slice(bare.length);
    if (bare === "OR" && !excluded) {
      items.push("OR");
      continue;
    }
    const prefix = bare.endsWith("*");
    const w = words(bare.replace(/\*+$/, ""));
    if (w.length) items.push({ term: { words: w, prefix }, excluded });
  }
  const all = [];
  const none = [];
  let joinNext = false;
  let previousPositive = false;
  for (const item of items) {
    if (item === "OR") {
      joinNext = previousPositive;
    } else if (item.excluded) {
      none.push(item.term);
      joinNext = previousPositive = false;
    } else {
      if (joinNext && all.length) all[all.length - 1].push(item.term);
      else all.push([item.term]);
      joinNext = false;
      previousPositive = true;
    }
  }
  return { all, none };
}

export function termIn(term, tokens) {
  const n = term.words.length;
  for (let i = 0; i + n <= tokens.length; i++) {
    let ok = true;
    for (let k = 0; k < n && ok; k++) {
      const have = tokens[i + k];
      const want = term.words[k];
      ok = term.prefix && k === n - 1 ? have.startsWith(want) : have === want;
    }
    if (ok) return true;
  }
  return false;
}

/**
 * A call as the index sees it, from Gong's raw JSON: the fields' words.
 * `account` is the name the Worker derives (the core's rule, tested apart).
 */
export function document(raw, account) {
  const ext = raw.extensive;
  const parties = ext.parties ?? [];
  const bySpeaker = new Map(parties.filter((p) => p.speakerId).map((p) => [String(p.speakerId), p]));
  const internal = [];
  const external = [];
  for (const turn of raw.transcript?.transcript ?? []) {
    const text = (turn.sentences ?? []).map((s) => s.text ?? "").join(" ");
    const side = bySpeaker.get(String(turn.speakerId))?.affiliation === "Internal" ? internal : external;
    side.push(words(text));
  }
  const content = ext.content ?? {};
  // Gong's dates come as ISO 8601 or as epoch seconds (string or number).
  const when = ext.metaData.started ?? ext.metaData.scheduled;
  const started = typeof when === "number" || /^\d+$/.test(when) ? Number(when) * 1000 : Date.parse(when);
  return {
    id: String(ext.metaData.id),
    started,
    accountKey: fold(account ?? ""),
    parties: parties.map((p) => ({ email: (p.emailAddress ?? "").trim().toLowerCase(), nameKey: fold(p.name ?? "") })),
    fields: {
      title: words(ext.metaData.title),
      account: words(account ?? ""),
      people: joined(parties.map((p) => words(`${p.name ?? ""} ${p.emailAddress ?? ""}`))),
      summary: joined([...(content.brief ? [content.brief] : []), ...(content.keyPoints ?? []).map((k) => k.text ?? "")].map(words)),
      internal: joined(internal),
      external: joined(external),
    },
  };
}

/** Whether a call matches a search (query and filters), as /v1/search defines it. */
export function matches(doc, q, { from, to, account, participant, speaker } = {}) {
  if (from && doc.started < Date.parse(from)) return false;
  if (to && doc.started >= Date.parse(to)) return false;
  if (account && !doc.accountKey.includes(fold(account))) return false;
  if (participant) {
    const p = participant.trim();
    const ok = p.includes("@")
      ? doc.parties.some((x) => x.email === p.toLowerCase())
      : doc.parties.some((x) => x.nameKey.includes(fold(p)));
    if (!ok) return false;
  }
  const fields = speaker ? [doc.fields[speaker]] : Object.values(doc.fields);
  const has = (term) => fields.some((tokens) => termIn(term, tokens));
  return q.all.every((group) => group.some(has)) && !q.none.some(has);
}
