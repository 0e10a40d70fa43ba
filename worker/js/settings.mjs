// The settings the JS entry reads, parsed as the Rust Worker parses them
// (worker/src/settings.rs, the one table of settings): trimmed, an empty
// value is the default, and a value that does not parse is an error naming
// the setting and the form it takes, never a secret's value. Both sides
// are checked against tests/fixtures/settings.json.

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const FORMS = {
  text: { expected: "any text", parse: (v) => v },
  list: { expected: "a comma-separated list", parse: (v) => list(v) },
  policy: {
    expected: "`all` or `participant`",
    parse: (v) => (["all", "participant"].includes(v.toLowerCase()) ? v.toLowerCase() : undefined),
  },
  clientAuth: {
    expected: "`client_secret_post` or `client_secret_basic`",
    parse: (v) => (["client_secret_post", "client_secret_basic"].includes(v.toLowerCase()) ? v.toLowerCase() : undefined),
  },
  url: {
    expected: "an absolute URL such as https://login.example.com",
    parse: (v) => {
      if (v === "") return "";
      let url;
      try {
        url = new URL(v);
      } catch {
        return undefined;
      }
      return url.protocol === "https:" || url.protocol === "http:" ? v : undefined;
    },
  },
};

function atLeast(min) {
  return {
    expected: min === 0 ? "a whole number" : `a whole number of at least ${min}`,
    parse: (v) => {
      if (!/^[0-9]+$/.test(v)) return undefined;
      const n = Number(v);
      return n >= min && n <= MAX_SAFE ? n : undefined;
    },
  };
}

/** What the JS entry reads: each as the table in worker/src/settings.rs gives it. */
export const SETTINGS = {
  ACCESS_POLICY: { secret: false, default: "all", form: FORMS.policy },
  OIDC_ISSUER: { secret: false, default: "", form: FORMS.url },
  OIDC_CLIENT_ID: { secret: false, default: "", form: FORMS.text },
  OIDC_CLIENT_SECRET: { secret: true, default: "", form: FORMS.text },
  OIDC_TOKEN_AUTH_METHOD: { secret: false, default: "client_secret_post", form: FORMS.clientAuth },
  ALLOWED_EMAIL_DOMAINS: { secret: false, default: "", form: FORMS.list },
  PUBLIC_URL: { secret: false, default: "", form: FORMS.url },
  OAUTH_ACCESS_TOKEN_TTL_SECONDS: { secret: false, default: "3600", form: atLeast(60) },
  GONG_WEBHOOK_PUBLIC_KEY: { secret: true, default: "", form: FORMS.text },
};

function list(value) {
  return value.split(",").map((s) => s.trim()).filter(Boolean);
}

/** Rust's `{:?}` of a string, for the plain values settings hold. */
function quoted(value) {
  return JSON.stringify(value);
}

/**
 * One setting's value from `raw` (undefined, null or blank: the default):
 * `{ value }` or `{ error }`.
 */
export function parseSetting(name, raw) {
  const s = SETTINGS[name];
  if (!s) throw new Error(`${name} is not a setting the JS entry reads`);
  const given = typeof raw === "string" && raw.trim() !== "" ? raw.trim() : null;
  const value = s.form.parse(given ?? s.default);
  if (value !== undefined) return { value };
  const error = given !== null && !s.secret
    ? `${name}=${quoted(given)}: expected ${s.form.expected}`
    : `${name}: expected ${s.form.expected}`;
  return { error };
}

/** Every setting the JS entry reads: `{ values, errors }` (errors in table order). */
export function readSettings(env) {
  const values = {};
  const errors = [];
  for (const name of Object.keys(SETTINGS)) {
    const { value, error } = parseSetting(name, env[name]);
    if (error) {
      errors.push(error);
      values[name] = parseSetting(name, undefined).value;
    } else {
      values[name] = value;
    }
  }
  return { values, errors };
}
