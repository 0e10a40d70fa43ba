//! The command line: flags, their defaults and their checks.

use std::path::PathBuf;

pub const USAGE: &str = "usage: gongkit-sim [--port N] [--key K --secret S] [--fixtures DIR]
       [--generate N] [--from ISO] [--to ISO] [--variety] [--seed N]
       [--private-percent P] [--late-percent P] [--late-after-ms MS]
       [--page-size N] [--rate-limit N] [--loop-cursor] [--webhook-url URL]";

/// How the simulator was started.
#[derive(Clone, Debug)]
pub struct Config {
    pub port: u16,
    pub key: String,
    pub secret: String,
    pub fixtures: PathBuf,
    pub page_size: usize,
    /// Gong requests allowed in any one-second window; 0 is no limit.
    pub rate_limit: usize,
    /// A broken Gong: every listing page (`/v2/calls/extensive` by date)
    /// is the first page again with the same cursor, for ever.
    pub loop_cursor: bool,
    pub generate: Generate,
    /// Where Gong's automation rule posts processed calls (`webhook.rs`).
    pub webhook_url: Option<String>,
}

/// What `--generate` and its companions ask for.
#[derive(Clone, Debug, PartialEq)]
pub struct Generate {
    pub count: usize,
    /// Unix seconds of the first generated call.
    pub from: i64,
    /// With an end (Unix seconds, exclusive), calls are spread over
    /// `[from, to)` at seeded random times; without, one every six hours.
    pub to: Option<i64>,
    /// Realistic content (accounts, CRM context, accents, CJK, lengths)
    /// instead of the small uniform calls the Worker tests count on.
    pub variety: bool,
    pub seed: u64,
    pub private_percent: f64,
    pub late_percent: f64,
    /// Late calls appear this long after the simulator starts; 0 keeps
    /// them back until `POST /__sim/calls/process`.
    pub late_after_ms: u64,
}

impl Default for Generate {
    fn default() -> Self {
        Generate {
            count: 250,
            from: 1_704_067_200, // 2024-01-01T00:00:00Z
            to: None,
            variety: false,
            seed: 1,
            private_percent: 0.0,
            late_percent: 0.0,
            late_after_ms: 0,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 0,
            key: "sim-key".into(),
            secret: "sim-secret".into(),
            fixtures: PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../tests/fixtures/calls"
            )),
            page_size: 100,
            rate_limit: 0,
            loop_cursor: false,
            generate: Generate::default(),
            webhook_url: None,
        }
    }
}

/// Reads the flags; `Ok(None)` for `--help`.
pub fn parse_args(args: Vec<String>) -> Result<Option<Config>, String> {
    let mut config = Config::default();
    let mut private_percent = None;
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let g = &mut config.generate;
        match flag.as_str() {
            "--port" => config.port = number(&flag, &value()?)?,
            "--key" => config.key = value()?,
            "--secret" => config.secret = value()?,
            "--fixtures" => config.fixtures = value()?.into(),
            "--generate" => g.count = number(&flag, &value()?)?,
            "--from" => g.from = date(&flag, &value()?)?,
            "--to" => g.to = Some(date(&flag, &value()?)?),
            "--variety" => g.variety = true,
            "--seed" => g.seed = number(&flag, &value()?)?,
            "--private-percent" => private_percent = Some(percent(&flag, &value()?)?),
            "--late-percent" => g.late_percent = percent(&flag, &value()?)?,
            "--late-after-ms" => g.late_after_ms = number(&flag, &value()?)?,
            "--page-size" => {
                config.page_size = number(&flag, &value()?)?;
                if config.page_size == 0 {
                    return Err("--page-size must be at least 1".into());
                }
            }
            "--rate-limit" => config.rate_limit = number(&flag, &value()?)?,
            "--loop-cursor" => config.loop_cursor = true,
            "--webhook-url" => config.webhook_url = Some(value()?),
            "--help" | "-h" => return Ok(None),
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let g = &mut config.generate;
    g.private_percent = private_percent.unwrap_or(if g.variety { 5.0 } else { 0.0 });
    if g.to.is_some_and(|to| to <= g.from) {
        return Err("--to must be later than --from".into());
    }
    Ok(Some(config))
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| format!("{flag} {text:?}: {e}"))
}

fn percent(flag: &str, text: &str) -> Result<f64, String> {
    let p: f64 = number(flag, text)?;
    if !(0.0..=100.0).contains(&p) {
        return Err(format!("{flag} {text:?}: must be between 0 and 100"));
    }
    Ok(p)
}

/// An ISO 8601 date-time, or a bare date (midnight UTC), as Unix seconds.
pub fn date(flag: &str, text: &str) -> Result<i64, String> {
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    gongkit::parse_call_time(&full)
        .map(|t| t.utc().timestamp())
        .map_err(|e| format!("{flag} {text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        parse_args(args.iter().map(|s| s.to_string()).collect()).map(|c| c.expect("not help"))
    }

    #[test]
    fn defaults_are_todays() {
        let c = parse(&[]).unwrap();
        assert_eq!((c.page_size, c.rate_limit, c.generate.count), (100, 0, 250));
        assert_eq!(c.generate, Generate::default());
    }

    #[test]
    fn flags_and_their_errors() {
        let c = parse(&[
            "--generate",
            "10000",
            "--from",
            "2024-01-01",
            "--to",
            "2025-01-01T00:00:00Z",
            "--variety",
            "--rate-limit",
            "3",
            "--loop-cursor",
        ])
        .unwrap();
        assert!(c.loop_cursor);
        assert_eq!(c.generate.to, Some(1_735_689_600));
        assert_eq!(c.generate.private_percent, 5.0);
        assert_eq!(c.rate_limit, 3);
        for bad in [
            &["--page-size", "0"][..],
            &["--generate", "-1"],
            &["--from", "yesterday"],
            &["--from", "2024-02-01", "--to", "2024-01-01"],
            &["--late-percent", "101"],
            &["--port"],
            &["--nope"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
