//! The strict JSON scanner on arbitrary bytes, differentially against
//! serde_json: a document jwtgate accepts is JSON to serde_json too, with the
//! same top-level names and string values; a document jwtgate rejects as a
//! syntax error serde_json rejects too. Header and claims parsing run on the
//! same bytes.
#![no_main]

use jwtgate::fuzzing::{json_for_each_member, parse_claims, parse_header};
use jwtgate::{Error, JsonStr, Limits, Value};
use libfuzzer_sys::fuzz_target;

fn unescape(s: &JsonStr<'_>) -> String {
    let mut buf = vec![0u8; s.unescaped_len()];
    let out = s.unescape_into(&mut buf).expect("sized by unescaped_len");
    assert!(s.eq_str(out));
    let mut chunks = Vec::new();
    s.for_each_chunk(|c| chunks.extend_from_slice(c));
    assert_eq!(chunks, out.as_bytes());
    if !s.is_escaped() {
        assert_eq!(s.as_str(), Some(out));
    }
    out.to_owned()
}

/// Walks nested values with the public iterators (bounded: documents are
/// small), comparing with serde_json's reading.
fn compare(ours: Value<'_>, theirs: &serde_json::Value, depth: usize) {
    assert!(depth < 200);
    match (ours, theirs) {
        (Value::String(s), serde_json::Value::String(t)) => assert_eq!(&unescape(&s), t),
        (Value::Number(n), serde_json::Value::Number(t)) => {
            if let (Some(a), Some(b)) = (n.as_u64(), t.as_u64()) {
                assert_eq!(a, b);
            }
            if let Some((secs, _)) = n.as_numeric_date() {
                // Exact on integers serde_json holds exactly.
                if let Some(b) = t.as_u64() {
                    assert_eq!(secs, b);
                }
            }
        }
        (Value::Bool(a), serde_json::Value::Bool(b)) => assert_eq!(a, *b),
        (Value::Null, serde_json::Value::Null) => {}
        (Value::Array(a), serde_json::Value::Array(items)) => {
            let mut i = 0;
            a.for_each_element(|v| {
                compare(v, &items[i], depth + 1);
                i += 1;
                Ok::<(), ()>(())
            })
            .unwrap();
            assert_eq!(i, items.len());
        }
        (Value::Object(o), serde_json::Value::Object(map)) => {
            // Nested names may repeat (serde_json keeps the last): compare
            // names only.
            o.for_each_member(|name, _| {
                assert!(map.contains_key(&unescape(&name)));
                Ok::<(), ()>(())
            })
            .unwrap();
        }
        (ours, theirs) => panic!("kind differs: {ours:?} vs {theirs:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut members = Vec::new();
    let result = json_for_each_member(data, 32, 128, |name, value| {
        members.push((name, value));
        Ok(())
    });
    let theirs = serde_json::from_slice::<serde_json::Value>(data);
    match result {
        Ok(()) => match theirs {
            Ok(serde_json::Value::Object(map)) => {
                assert_eq!(map.len(), members.len(), "duplicate names accepted");
                for (name, value) in members {
                    let key = unescape(&name);
                    compare(value, &map[&key], 1);
                }
            }
            Ok(other) => panic!("accepted a non-object: {other:?}"),
            Err(e) => assert!(
                e.to_string().contains("number out of range"),
                "accepted what serde_json rejects: {e}"
            ),
        },
        Err(Error::ClaimsJson) => {
            if let Ok(serde_json::Value::Object(_)) = theirs {
                panic!("rejected an object serde_json accepts");
            }
        }
        // Stricter by design: duplicates, depth and member bounds.
        Err(Error::DuplicateMember | Error::JsonTooDeep | Error::TooManyMembers) => {}
        Err(e) => panic!("unexpected error {e:?}"),
    }
    let limits = Limits::DEFAULT;
    let _ = parse_header(data, &limits);
    let _ = parse_claims(data, &limits);
    // Extreme bounds.
    let _ = json_for_each_member(data, 0, 0, |_, _| Ok(()));
    let _ = json_for_each_member(data, usize::MAX, usize::MAX, |_, _| Ok(()));
});
