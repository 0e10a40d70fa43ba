//! The README's tables of REST routes and MCP tools, written from the
//! registry. A test holds the README to them; `GONGKIT_BLESS=1 cargo test
//! -p gongkit-worker readme` writes them into the README after a change.

use serde_json::Value;

use super::{routes, tools};

/// The marker pairs around each generated table in README.md.
pub const REST_MARKERS: (&str, &str) = ("<!-- rest-routes: generated -->", "<!-- /rest-routes -->");
/// The marker pair around the tools table.
pub const TOOL_MARKERS: (&str, &str) = ("<!-- mcp-tools: generated -->", "<!-- /mcp-tools -->");

fn arguments(schema: &crate::args::Schema, skip: &[&str]) -> String {
    let map = schema.clone().into_map();
    let required: Vec<&str> = map
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let args: Vec<String> = schema
        .names()
        .into_iter()
        .filter(|n| !skip.contains(n))
        .map(|n| {
            if required.contains(&n) {
                format!("`{n}`")
            } else {
                format!("`{n}?`")
            }
        })
        .collect();
    if args.is_empty() {
        "—".to_owned()
    } else {
        args.join(", ")
    }
}

/// Text for a table cell: no column break, and no `<…>` that Markdown
/// would take for HTML.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The REST table: one row per capability with a route.
pub fn rest_table() -> String {
    let mut out = String::from(
        "| request | arguments (query, or JSON body) | what it does |\n|---|---|---|\n",
    );
    for (c, r) in routes() {
        let params: Vec<&str> = r
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        out.push_str(&format!(
            "| `{} {}` ({}) | {} | {} |\n",
            r.method.as_str(),
            r.path,
            c.name,
            arguments(&(r.schema)(), &params),
            cell(r.doc)
        ));
    }
    out
}

/// The MCP table: one row per tool.
pub fn tool_table() -> String {
    let mut out = String::from("| tool | arguments | what it does |\n|---|---|---|\n");
    for (c, t) in tools() {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            c.name,
            arguments(&(t.schema)(), &[]),
            cell(c.description)
        ));
    }
    out
}

/// `readme` with the text between `markers` replaced by `table`, or
/// `None` when the markers are missing.
pub fn splice(readme: &str, markers: (&str, &str), table: &str) -> Option<String> {
    let start = readme.find(markers.0)? + markers.0.len();
    let end = start + readme[start..].find(markers.1)?;
    Some(format!("{}\n{}{}", &readme[..start], table, &readme[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_tables_are_the_registry() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
        let readme = std::fs::read_to_string(path).expect("README.md is beside the worker crate");
        let want = splice(&readme, REST_MARKERS, &rest_table())
            .and_then(|r| splice(&r, TOOL_MARKERS, &tool_table()))
            .expect("README.md has the generated-table markers");
        if std::env::var_os("GONGKIT_BLESS").is_some() {
            std::fs::write(path, &want).expect("README.md is writable");
            return;
        }
        assert!(
            readme == want,
            "README.md's route or tool table differs from the registry: run GONGKIT_BLESS=1 cargo test -p gongkit-worker readme"
        );
    }
}
