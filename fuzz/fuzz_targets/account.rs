//! Emails and parties: an account, none, or a clear error; never a panic.
#![no_main]
use gongkit::{account_from_email, account_from_parties, Party};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.split('\n');
    let email = parts.next().unwrap_or_default();
    let internal: Vec<&str> = parts.clone().take(3).collect();
    let _ = account_from_email(email, &internal);
    let parties: Vec<Party> = text
        .split('\n')
        .enumerate()
        .map(|(i, e)| Party {
            email_address: Some(e.into()),
            affiliation: Some(if i % 2 == 0 { "Internal" } else { "External" }.into()),
            ..Party::default()
        })
        .collect();
    if let Ok(Some(name)) = account_from_parties(&parties, &["seller.io"]) {
        assert!(!name.is_empty() && name.trim() == name);
    }
});
