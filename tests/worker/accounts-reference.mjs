// The library's account merge (migration 0004), written again plainly for
// the tests: a call whose account comes from its customers' email domain
// belongs to the account the CRM names on the newest call of the same
// domain; every other call keeps its own account.
import { fold } from "./search-reference.mjs";

/**
 * The host of a call's first customer with a company address (Gong's raw
 * call; the seller's domain and free mail skipped, as the simulator uses
 * them). The simulator's hosts are registrable domains but for one
 * sub-domain, which no CRM names.
 */
export function customerDomain(extensive) {
  for (const p of extensive.parties ?? []) {
    const host = p.emailAddress?.trim().split("@")[1]?.toLowerCase();
    if (p.affiliation === "Internal" || !host) continue;
    if (host !== "seller.io" && host !== "gmail.com") return host;
  }
  return null;
}

/** Gong's start of a raw call, ms. */
function started(extensive) {
  const when = extensive.metaData.started ?? extensive.metaData.scheduled;
  return typeof when === "number" || /^\d+$/.test(when) ? Number(when) * 1000 : Date.parse(when);
}

/**
 * Each call's account as the library lists it (its folded name), by id:
 * `calls` are `{id, account: {name, source} | null, extensive}` (the
 * account as the core derives it for the call alone).
 */
export function mergedKeys(calls) {
  const crm = new Map();
  for (const c of [...calls].sort((a, b) => started(a.extensive) - started(b.extensive))) {
    const domain = customerDomain(c.extensive);
    if (c.account?.source === "crm" && domain) crm.set(domain, fold(c.account.name));
  }
  return new Map(
    calls.map((c) => {
      const own = fold(c.account?.name ?? "");
      const domain = customerDomain(c.extensive);
      return [c.id, c.account?.source === "email" && crm.has(domain) ? crm.get(domain) : own];
    }),
  );
}
