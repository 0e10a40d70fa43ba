//! Generated calls: deterministic for a given `--seed` and flags.
//!
//! Without `--variety` they are the small uniform calls today's Worker tests
//! count on (ids `9000000000000000001` on, "Generated call N", one external
//! buyer at one of five `.com` domains). With it, each call draws from its
//! own seeded stream: accounts by email domain (multi-part suffixes,
//! sub-domains, free mail), a CRM Account in about a third of them,
//! participant names and transcript text with accents, CJK and Hangul,
//! punctuation, and lengths from one segment to several hundred. A
//! transcript is built when it is asked for, from a small plan, so ten
//! thousand calls start in well under a second and take little memory.

use serde_json::{json, Value};

use crate::args::Generate;

/// A call's transcript entry: as given, or built on demand from a plan.
#[derive(Clone, Debug)]
pub enum Transcript {
    Raw(String),
    Generated(Box<TranscriptPlan>),
}

/// One generated call, before it enters the store.
pub struct Generated {
    pub extensive: Value,
    pub transcript: Transcript,
    pub late: bool,
}

/// What a generated transcript is built from.
#[derive(Clone, Debug, PartialEq)]
pub struct TranscriptPlan {
    seed: u64,
    segments: usize,
    segment_ms: u64,
    speakers: Vec<String>,
    language: usize,
    /// Indexes into `THEMES`: the call's theme, and a second one or not.
    themes: (usize, Option<usize>),
}

/// SplitMix64: small, fast, and the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) * 100.0 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The per-call stream: independent of every other call's.
fn call_rng(seed: u64, index: usize) -> Rng {
    let mut r = Rng::new(seed ^ (index as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
    r.next_u64();
    r
}

pub fn generate(g: &Generate) -> Vec<Generated> {
    let times: Vec<i64> = match g.to {
        None => (0..g.count).map(|i| g.from + i as i64 * 6 * 3600).collect(),
        Some(to) => {
            let mut r = Rng::new(g.seed);
            let span = (to - g.from) as u64;
            let mut t: Vec<i64> = (0..g.count)
                .map(|_| g.from + (r.next_u64() % span) as i64)
                .collect();
            t.sort_unstable();
            t
        }
    };
    times
        .into_iter()
        .enumerate()
        .map(|(i, time)| {
            let mut r = call_rng(g.seed, i);
            // Drawn first, so the percentages do not change anything else.
            let private = r.chance(g.private_percent);
            let late = r.chance(g.late_percent);
            let id = format!("{}", 9_000_000_000_000_000_000u64 + i as u64 + 1);
            let (mut extensive, transcript) = if g.variety {
                varied(&mut r, &id, time)
            } else {
                plain(i, &id, time)
            };
            if g.variety || g.private_percent > 0.0 {
                extensive["metaData"]["isPrivate"] = json!(private);
            }
            Generated {
                extensive,
                transcript,
                late,
            }
        })
        .collect()
}

/// The calls the Worker tests were written against.
fn plain(i: usize, id: &str, time: i64) -> (Value, Transcript) {
    let company = ["acme", "globex", "initech", "umbrella", "hooli"][i % 5];
    let extensive = json!({
        "metaData": {
            "id": id, "title": format!("Generated call {}", i + 1),
            "url": format!("https://app.gong.io/call?id={id}"),
            "scheduled": time, "started": time, "duration": 600 + i as i64,
            "direction": "Outbound", "scope": "External", "media": "Video", "language": "eng"
        },
        "parties": [
            {"id": "1", "name": "Dana Ito", "emailAddress": "dana@seller.io", "speakerId": "1", "affiliation": "Internal"},
            {"id": "2", "name": format!("Customer {}", i + 1), "emailAddress": format!("buyer{}@{company}.com", i + 1), "speakerId": "2", "affiliation": "External"}
        ]
    });
    let transcript = json!({
        "callId": id,
        "transcript": [
            {"speakerId": "1", "topic": "Call Setup", "sentences": [{"start": 0, "end": 1800, "text": format!("Hello, this is call {}.", i + 1)}]},
            {"speakerId": "2", "sentences": [{"start": 2000, "end": 3500, "text": "Thanks for calling."}]}
        ]
    });
    (extensive, Transcript::Raw(transcript.to_string()))
}

/// Accounts: email domain, a display label, and the CRM Account's name.
const ACCOUNTS: &[(&str, &str, Option<&str>)] = &[
    ("acme.com", "Acme", Some("Acme Corporation Ltd")),
    ("globex.com", "Globex", Some("Globex Corporation")),
    ("initech.com", "Initech", None),
    ("umbrella.com", "Umbrella", Some("Umbrella Holdings plc")),
    ("hooli.com", "Hooli", None),
    ("acme.co.uk", "Acme UK", Some("Acme UK Ltd")),
    (
        "mueller-bau.de",
        "Müller Bau",
        Some("Müller Bau GmbH & Co. KG"),
    ),
    (
        "tanaka-seisakusho.co.jp",
        "田中製作所",
        Some("株式会社田中製作所"),
    ),
    (
        "zoe-cosmetique.fr",
        "Zoë Cosmétique",
        Some("Zoë Cosmétique SA"),
    ),
    (
        "logistica-sao-paulo.com.br",
        "Logística SP",
        Some("Logística São Paulo Ltda."),
    ),
    (
        "krakow-soft.pl",
        "Kraków Soft",
        Some("Kraków Soft sp. z o.o."),
    ),
    ("seoul-bio.co.kr", "서울바이오", Some("서울바이오 주식회사")),
    ("emea.northwind-traders.com", "Northwind", None),
    ("big-corp.com", "Big Corp", None),
    ("blue-bottle.myshopify.com", "Blue Bottle", None),
    (
        "o-reilly-partners.ie",
        "O'Reilly & Partners",
        Some("O'Reilly & Partners"),
    ),
    ("nordic-ai.se", "Nordic AI", None),
    // Free mail: only the CRM knows the account.
    (
        "gmail.com",
        "Rivera Consulting",
        Some("Pat Rivera Consulting"),
    ),
];

/// The seller's people: name, email local part, title.
const REPS: &[(&str, &str, &str)] = &[
    ("Dana Ito", "dana.ito", "Enterprise Account Executive"),
    ("José Álvarez", "jose.alvarez", "Solutions Engineer"),
    ("Zoë Laurent", "zoe.laurent", "Customer Success Manager"),
    ("Sven Müller", "sven.mueller", "Account Executive"),
    ("李娜", "li.na", "Sales Engineer"),
    ("Ngozi Okafor", "ngozi.okafor", "Sales Director"),
    ("Seán O'Brien", "sean.obrien", "SDR"),
];

const BUYERS: &[(&str, &str)] = &[
    ("José García", "jose.garcia"),
    ("Zoë Chen", "zoe.chen"),
    ("Jürgen Müller", "juergen.mueller"),
    ("Björn Åkesson", "bjorn.akesson"),
    ("François Lefèvre", "francois.lefevre"),
    ("田中 太郎", "taro.tanaka"),
    ("山本 さくら", "sakura.yamamoto"),
    ("김민준", "minjun.kim"),
    ("Ana María Núñez", "anamaria.nunez"),
    ("Chloë O'Neill", "chloe.oneill"),
    ("Łukasz Wójcik", "lukasz.wojcik"),
    ("Priya Raghunathan", "priya.r"),
    ("Nguyễn Văn An", "an.nguyen"),
    ("Mary-Jane Smith-Jones", "mj.smithjones"),
    ("Pat Rivera", "pat.rivera"),
];

const BUYER_TITLES: &[&str] = &[
    "VP Engineering",
    "Head of Procurement",
    "調達部 部長",
    "CTO",
    "IT-Leiterin",
    "Directrice financière",
    "Security Lead",
    "",
];

const TITLES: &[&str] = &[
    "{a} <> Seller: discovery",
    "Renewal – {a} (FY25)",
    "Pricing follow-up / {a}",
    "{a}: security review & SSO",
    "調達ミーティング – {a}",
    "Demo für {a}",
    "Quarterly business review — {a}",
    "Call with {b}",
    "Intro: \"{a}\" + Seller",
    "{a} — next steps?",
];

const TOPICS: &[&str] = &[
    "Call Setup",
    "Introduction",
    "Pricing",
    "Security",
    "Product Demo",
    "Next Steps",
    "",
    "Préparation",
    "価格",
];

/// What a call is mostly about: a name (for Gong's brief), a title, and
/// the English sentences its people say (with small talk from
/// `LANGUAGES[0]`), so a search for a theme finds its calls, not all.
const THEMES: &[(&str, &str, &[&str])] = &[
    (
        "pricing",
        "Pricing follow-up / {a}",
        &[
            "Pricing is per seat, billed annually.",
            "We're at $48,000/yr — is that right?",
            "Can you do better on the per-seat price if we sign for three years?",
            "Our budget for this is closer to $35,000.",
            "Is there a discount for a multi-year commitment?",
            "The Enterprise tier includes premium support and SSO.",
        ],
    ),
    (
        "security",
        "{a}: security review & SSO",
        &[
            "Quick question: do you support SSO (SAML 2.0) & SCIM?",
            "Could you share the \"security questionnaire\" again?",
            "Do you have a SOC 2 Type II report?",
            "Where is our data stored — EU or US?",
            "Our security team wants a pen-test summary.",
            "Everything is encrypted at rest with AES-256.",
        ],
    ),
    (
        "competitors",
        "{a} — competitive evaluation",
        &[
            "We're also evaluating Chorus and Clari.",
            "Honestly, Salesforce offered us a bundle price.",
            "How are you different from Outreach?",
            "Our current vendor's contract ends in June.",
            "The last tool we tried never got adopted by the reps.",
        ],
    ),
    (
        "the rollout",
        "{a} rollout planning",
        &[
            "Honestly... the onboarding took too long last time.",
            "I'm worried about the rollout across three regions.",
            "Our reps won't use another tool unless it lives in Salesforce.",
            "What does the implementation timeline look like?",
            "We need training for about 120 people.",
        ],
    ),
    (
        "the contract",
        "Contract & DPA – {a}",
        &[
            "Our procurement team needs a DPA before Q3.",
            "Legal will want to redline the MSA.",
            "Can you send the order form by Friday?",
            "We'd need it by 1 March, at the latest!",
            "Who signs on your side?",
        ],
    ),
    (
        "next steps",
        "{a} — next steps?",
        &[
            "I'll send a recap by email.",
            "Let's book a technical deep-dive next Tuesday.",
            "Next step: a pilot with the EMEA team.",
            "Can you loop in your CFO for the business case?",
            "So—what does the roadmap look like for 2025?",
        ],
    ),
];

/// Sentences by language: English first; the call's language code beside.
const LANGUAGES: &[(&str, &[&str])] = &[
    (
        "eng",
        &[
            "Hi, thanks for joining.",
            "Can everyone hear me okay?",
            "Let's talk about your use case.",
            "That's a great point; let me check with our engineers.",
            "Sounds good 👍",
            "Let me share my screen.",
            "Okay.",
            "Right, right.",
            "Mm-hmm.",
        ],
    ),
    (
        "deu",
        &[
            "Können wir kurz über die Preise sprechen?",
            "Das klingt gut, aber die Umsetzung muss bis Ende März fertig sein.",
            "Grüße an Herrn Müller!",
            "Wir prüfen das intern – Datenschutz ist für uns entscheidend.",
        ],
    ),
    (
        "jpn",
        &[
            "調達を担当しています。",
            "来月までに決めたいです。",
            "セキュリティの資料を送っていただけますか？",
            "はい、承知しました。",
        ],
    ),
    (
        "fra",
        &[
            "Ça marche, à jeudi !",
            "Est-ce que le tarif inclut le support ?",
            "Zoë s'occupe du contrat.",
        ],
    ),
    (
        "spa",
        &[
            "¿Podemos revisar el contrato el próximo martes?",
            "José ya firmó la propuesta.",
            "¡Perfecto, gracias!",
        ],
    ),
    (
        "kor",
        &["가격 정보를 보내 주세요.", "다음 주에 다시 이야기해요."],
    ),
];

const OFFSETS_MIN: &[i64] = &[-420, -300, 0, 60, 330, 540];

fn varied(r: &mut Rng, id: &str, time: i64) -> (Value, Transcript) {
    let &(domain, label, crm) = r.pick(ACCOUNTS);
    let with_crm = crm.is_some() && (domain == "gmail.com" || r.chance(35.0));
    let language = match r.below(100) {
        0..=69 => 0,
        70..=79 => 1,
        80..=89 => 2,
        90..=94 => 3,
        95..=97 => 4,
        _ => 5,
    };
    let mut parties = Vec::new();
    let mut speakers = Vec::new();
    let mut party = |name: &str, email: Option<String>, title: &str, user: Option<usize>| {
        let n = parties.len();
        let internal = user.is_some();
        let speaker = format!("{id}{n}");
        let mut p = json!({
            "id": format!("{}{n}", &id[1..]), "name": name, "title": title,
            "speakerId": speaker, "affiliation": if internal { "Internal" } else { "External" },
            "methods": if n == 0 { json!(["Invitee", "Attendee"]) } else { json!(["Attendee"]) },
        });
        match email {
            Some(e) => p["emailAddress"] = json!(e),
            None => p["phoneNumber"] = json!(format!("+81 3-5555-{:04}", n * 37)),
        }
        if let Some(user) = user {
            p["userId"] = json!(format!("2345994848{user:05}"));
        }
        speakers.push(speaker);
        parties.push(p);
    };
    let reps = 1 + r.below(2);
    let first_rep = r.below(REPS.len());
    for k in 0..reps {
        let rep = (first_rep + k) % REPS.len();
        let (name, local, title) = REPS[rep];
        party(name, Some(format!("{local}@seller.io")), title, Some(rep));
    }
    let buyers = 1 + r.below(4);
    let first_buyer = r.below(BUYERS.len());
    for k in 0..buyers {
        let (name, local) = BUYERS[(first_buyer + k * 3) % BUYERS.len()];
        let email = match r.below(100) {
            0..=4 => None,
            5..=9 => Some(format!("{}@{}", local.to_uppercase(), domain)),
            _ => Some(format!("{local}@{domain}")),
        };
        let title = *r.pick(BUYER_TITLES);
        party(name, email, title, None);
    }
    if r.chance(3.0) {
        if let Some(p) = parties.last_mut() {
            p["affiliation"] = json!("Unknown");
        }
    }
    let buyer = BUYERS[first_buyer].0;
    let theme = r.below(THEMES.len());
    let second = r.chance(40.0).then(|| r.below(THEMES.len()));
    let title = if r.chance(50.0) {
        THEMES[theme].1
    } else {
        *r.pick(TITLES)
    };
    let title = title
        .replace("{a}", crm.filter(|_| with_crm).unwrap_or(label))
        .replace("{b}", buyer);

    let segments = match r.below(100) {
        0..=2 => r.range(300, 700),
        3..=12 => r.range(1, 3),
        _ => r.range(8, 80),
    } as usize;
    let segment_ms = r.range(4_000, 20_000);
    let duration = (segments as u64 * segment_ms).div_ceil(1000) + r.range(0, 90);
    let offset = *r.pick(OFFSETS_MIN);
    let micros = r.chance(50.0).then(|| r.range(0, 999_999) as u32);
    let started = iso(time, offset, micros);
    let scheduled = iso(time - time.rem_euclid(900), offset, None);

    let mut meta = json!({
        "id": id, "url": format!("https://app.gong.io/call?id={id}"), "title": title,
        "scheduled": scheduled, "started": started, "duration": duration,
        "primaryUserId": parties[0]["userId"], "direction": r.pick(&["Conference", "Outbound", "Inbound"]),
        "system": r.pick(&["Zoom", "Google Meet", "Microsoft Teams", "Outreach"]),
        "scope": "External", "media": r.pick(&["Video", "Audio"]), "language": LANGUAGES[language].0,
        "workspaceId": "623457276584334", "sdrDisposition": null, "customData": null,
        "clientUniqueId": format!("SIM{:016X}", r.next_u64()),
    });
    if r.chance(60.0) {
        meta["purpose"] = json!(r.pick(&["Discovery", "Demo Call", "Renewal", "Négociation"]));
        meta["meetingUrl"] = json!(format!(
            "https://zoom.us/j/{}",
            r.range(1e8 as u64, 1e9 as u64)
        ));
        meta["calendarEventId"] = json!(format!("{id}@google.com"));
    }
    let mut call = json!({"metaData": meta, "parties": parties});
    if with_crm {
        call["context"] = json!([{"system": "Salesforce", "objects": [{
            "objectType": "Account", "objectId": format!("001{}", &id[8..]),
            "fields": [{"name": "Name", "value": crm}, {"name": "Industry", "value": r.pick(&[Some("Manufacturing"), Some("Retail"), Some("Software"), None])}],
            "timing": "Now"
        }]}]);
    } else if r.chance(30.0) {
        call["context"] = json!([]);
    }
    if r.chance(50.0) {
        call["content"] = json!({
            "brief": format!("{buyer} asked about {}; next step: a follow-up with {label}.", THEMES[theme].0),
            "keyPoints": [{"text": "Budget approved for Q3 — needs SSO."}, {"text": "調達は来月までに決定。"}],
            "callOutcome": {"id": "MEETING_BOOKED", "category": "Answered", "name": "Meeting booked"}
        });
    }
    let talk: Vec<Value> = call["parties"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| json!({"id": p["id"], "userId": p["userId"], "talkTime": duration / ps.len() as u64}))
                .collect()
        })
        .unwrap_or_default();
    call["interaction"] = json!({"speakers": talk});
    let plan = TranscriptPlan {
        seed: r.next_u64(),
        segments,
        segment_ms,
        speakers,
        language,
        themes: (theme, second),
    };
    (call, Transcript::Generated(Box::new(plan)))
}

/// The transcript entry (`callTranscripts[]`) a plan stands for.
pub fn transcript(id: &str, plan: &TranscriptPlan) -> String {
    let mut r = Rng::new(plan.seed);
    let mut monologues = Vec::with_capacity(plan.segments);
    let mut speaker = 0;
    for s in 0..plan.segments {
        // Mostly turn-taking, sometimes the same speaker again.
        if plan.speakers.len() > 1 && !r.chance(15.0) {
            speaker = (speaker + 1 + r.below(plan.speakers.len() - 1)) % plan.speakers.len();
        }
        let speaker_id = match r.below(100) {
            0..=2 => Value::Null,
            3..=4 => json!("9999999999999999999"),
            _ => json!(plan.speakers[speaker]),
        };
        let start = s as u64 * plan.segment_ms;
        let count = 1 + r.below(4) as u64;
        let slice = plan.segment_ms / count;
        let mut said: Vec<&str> = Vec::new();
        let sentences: Vec<Value> = (0..count)
            .map(|k| {
                let pool = if plan.language != 0 && r.chance(75.0) {
                    LANGUAGES[plan.language].1
                } else if r.chance(5.0) {
                    r.pick(LANGUAGES).1
                } else if r.chance(60.0) {
                    let (theme, second) = plan.themes;
                    THEMES[second.filter(|_| r.chance(35.0)).unwrap_or(theme)].2
                } else {
                    LANGUAGES[0].1
                };
                let from = start + k * slice;
                // No sentence twice in one monologue (a few tries).
                let mut text = *r.pick(pool);
                for _ in 0..3 {
                    if !said.contains(&text) {
                        break;
                    }
                    text = *r.pick(pool);
                }
                said.push(text);
                json!({"start": from, "end": from + slice - r.range(0, slice / 4), "text": text})
            })
            .collect();
        let mut m = json!({"speakerId": speaker_id, "sentences": sentences});
        match r.below(10) {
            0 => {}
            1 => m["topic"] = Value::Null,
            _ => m["topic"] = json!(r.pick(TOPICS)),
        }
        monologues.push(m);
    }
    json!({"callId": id, "transcript": monologues}).to_string()
}

/// Unix seconds as ISO 8601 at a UTC offset (minutes), with microseconds.
pub fn iso(unix: i64, offset_min: i64, micros: Option<u32>) -> String {
    let local = unix + offset_min * 60;
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let fraction = micros.map(|m| format!(".{m:06}")).unwrap_or_default();
    let zone = if offset_min == 0 {
        "Z".to_owned()
    } else {
        let sign = if offset_min < 0 { '-' } else { '+' };
        format!(
            "{sign}{:02}:{:02}",
            offset_min.abs() / 60,
            offset_min.abs() % 60
        )
    };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{fraction}{zone}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Call;

    fn variety(count: usize, seed: u64) -> Generate {
        Generate {
            count,
            from: 1_704_067_200,
            to: Some(1_735_689_600),
            variety: true,
            seed,
            private_percent: 5.0,
            late_percent: 2.0,
            late_after_ms: 0,
        }
    }

    fn texts(g: &Generate) -> Vec<(String, String)> {
        generate(g)
            .into_iter()
            .map(|c| {
                let call = Call::new(c.extensive, c.transcript, None).unwrap();
                (call.extensive.clone(), call.transcript_json().into_owned())
            })
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_calls() {
        let a = texts(&variety(300, 7));
        assert_eq!(a, texts(&variety(300, 7)));
        assert_ne!(a, texts(&variety(300, 8)));
    }

    #[test]
    fn plain_calls_are_todays() {
        let calls = generate(&Generate::default());
        assert_eq!(calls.len(), 250);
        let first = &calls[0].extensive;
        assert_eq!(first["metaData"]["title"], "Generated call 1");
        assert_eq!(first["metaData"]["started"], 1_704_067_200);
        assert_eq!(first["metaData"].get("isPrivate"), None);
        assert_eq!(
            calls[1].extensive["metaData"]["started"],
            1_704_067_200 + 6 * 3600
        );
        assert!(calls.iter().all(|c| !c.late));
    }

    #[test]
    fn variety_spreads_over_the_range_with_its_mix() {
        let g = variety(2000, 1);
        let calls: Vec<Call> = generate(&g)
            .into_iter()
            .map(|c| Call::new(c.extensive, c.transcript, None).unwrap())
            .collect();
        assert!(calls.windows(2).all(|w| w[0].time <= w[1].time));
        assert!(calls
            .iter()
            .all(|c| (g.from..g.to.unwrap()).contains(&c.time)));
        let private = calls.iter().filter(|c| c.private).count();
        assert!((40..=170).contains(&private), "{private} private");
        let all: String = calls
            .iter()
            .take(400)
            .map(|c| c.extensive.clone() + &c.transcript_json())
            .collect();
        for needle in [
            "José",
            "Müller",
            "Zoë",
            "調達を担当しています",
            "\"objectType\":\"Account\"",
            "co.uk",
            "—",
        ] {
            assert!(all.contains(needle), "{needle}");
        }
        // Lengths vary from one segment to hundreds.
        let lengths: Vec<usize> = calls
            .iter()
            .take(300)
            .map(|c| {
                let t: Value = serde_json::from_str(&c.transcript_json()).unwrap();
                t["transcript"].as_array().unwrap().len()
            })
            .collect();
        assert!(lengths.iter().any(|&n| n <= 3) && lengths.iter().any(|&n| n >= 300));
        // Every generated start time reads back as the time it was given.
        let first: Value = serde_json::from_str(&calls[0].extensive).unwrap();
        assert_eq!(crate::store::call_time(&first["metaData"]), calls[0].time);
    }

    /// A theme's words are in some calls, not all: a search for one finds
    /// its calls (the demo's searches show something).
    #[test]
    fn themes_set_calls_apart() {
        let calls: Vec<Call> = generate(&variety(400, 1))
            .into_iter()
            .map(|c| Call::new(c.extensive, c.transcript, None).unwrap())
            .collect();
        for words in [
            "SOC 2",
            "Chorus",
            "per-seat price",
            "redline the MSA",
            "pilot with the EMEA",
        ] {
            let with = calls
                .iter()
                .filter(|c| c.transcript_json().contains(words))
                .count();
            assert!((8..=200).contains(&with), "{words}: in {with} of 400 calls");
        }
    }

    #[test]
    fn iso_dates() {
        assert_eq!(iso(1_704_067_200, 0, None), "2024-01-01T00:00:00Z");
        assert_eq!(
            iso(1_709_110_800, -420, Some(41_977)),
            "2024-02-28T02:00:00.041977-07:00"
        );
        assert_eq!(iso(951_782_400, 330, None), "2000-02-29T05:30:00+05:30");
    }
}

#[cfg(test)]
mod core_reads_them {
    use super::*;
    use crate::store::Call;

    /// Every generated call and transcript is one gongkit reads: a
    /// document for each, with the CRM's account where there is one.
    #[test]
    fn gongkit_makes_a_document_of_each() {
        let g = Generate {
            count: 300,
            to: Some(1_735_689_600),
            variety: true,
            ..Generate::default()
        };
        let mut crm = 0;
        for c in generate(&g) {
            let call = Call::new(c.extensive, c.transcript, None).unwrap();
            let extensive = gongkit::AnyExtensive::from_json(&call.extensive).unwrap();
            let transcript = call.transcript_json();
            let options = gongkit::CallOptions::default();
            let input = Some(gongkit::TranscriptInput::Json(&transcript));
            let doc = gongkit::call_document(&extensive, input, &options)
                .unwrap_or_else(|e| panic!("{}: {e}", call.id));
            assert!(doc.contains(call.title.as_deref().unwrap()), "{doc}");
            let normalized = gongkit::normalize_call(&extensive, None, &options).unwrap();
            let account = serde_json::to_value(&normalized).unwrap()["account"].clone();
            crm += usize::from(account["source"] == "crm");
        }
        assert!(crm > 50, "{crm} calls named by their CRM account");
    }
}
