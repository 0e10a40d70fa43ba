//! Call dates from any string, number and offset: an error or a date.
#![no_main]
use gongkit::{call_date, parse_call_time, CallTime};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() >= 12 {
        let n = u64::from_le_bytes(data[..8].try_into().unwrap());
        let offset = i32::from_le_bytes(data[8..12].try_into().unwrap());
        if let Ok(t) = CallTime::from_unix(n) {
            let _ = t.date(Some(offset));
            let _ = t.to_utc_string();
        }
        let _ = CallTime::from_number(f64::from_bits(n));
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(t) = parse_call_time(text) {
        // A parsed time always prints and reparses to the same instant.
        let again = parse_call_time(&t.to_utc_string()).expect("its own output parses");
        assert_eq!(again.utc(), t.utc());
    }
    let _ = call_date(text, Some(data.len() as i32 * 7 - 700));
});
