//! Reading a request, with one clear error for anything that is not a valid request of our
//! protocol version.

use std::io::Read;

use serde::de::DeserializeOwned;

use crate::{PROTOCOL_VERSION, Request};

#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("cannot read the request: {0}")]
    Io(#[from] std::io::Error),
    #[error("the request is not valid JSON for this engine: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("the request has protocol version {found}, this engine speaks version {expected}")]
    Version { found: u64, expected: u32 },
}

/// Reads the whole of `input` as one request. The version is checked before the rest, so an
/// engine of another version says so instead of reporting a confusing field error.
pub fn read_request<S, I>(mut input: impl Read) -> Result<Request<S, I>, ProtocolError>
where
    S: DeserializeOwned,
    I: DeserializeOwned,
{
    let mut text = String::new();
    input.read_to_string(&mut text)?;
    let value: serde_json::Value = serde_json::from_str(&text)?;
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(PROTOCOL_VERSION) => Ok(serde_json::from_value(value)?),
        Some(found) => Err(ProtocolError::Version {
            found,
            expected: PROTOCOL_VERSION,
        }),
        None => Err(ProtocolError::Malformed(serde::de::Error::missing_field(
            "version",
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Event, EventWriter, SttItem, SttSettings, Transcript};

    type SttRequest = Request<SttSettings, SttItem>;

    fn read(text: &str) -> Result<SttRequest, ProtocolError> {
        read_request(text.as_bytes())
    }

    const VALID: &str = r#"{"version":1,"model":"/m/tiny.bin","gpu_lock":"/d/gpu.lock","threads":1,
        "use_gpu":false,"settings":{},"items":[{"id":7,"audio":"/d/7.wav"},{"id":8,"audio":"/d/8.wav","language":"de"}]}"#;

    #[test]
    fn a_valid_request_is_read() {
        let request = read(VALID).unwrap();
        assert_eq!(request.items.len(), 2);
        assert_eq!(request.items[0].language, None);
        assert_eq!(request.items[1].language.as_deref(), Some("de"));
    }

    #[test]
    fn malformed_json_is_a_clear_error() {
        let error = read("{\"version\":1,").unwrap_err();
        assert!(matches!(error, ProtocolError::Malformed(_)));
        assert!(
            error
                .to_string()
                .starts_with("the request is not valid JSON")
        );
    }

    #[test]
    fn another_version_is_refused_by_name() {
        let error = read(&VALID.replacen("\"version\":1", "\"version\":2", 1)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the request has protocol version 2, this engine speaks version 1"
        );
        assert!(matches!(
            read("{}").unwrap_err(),
            ProtocolError::Malformed(_)
        ));
    }

    #[test]
    fn unknown_fields_and_wrong_types_are_refused() {
        assert!(read(&VALID.replacen("\"threads\":1", "\"threads\":1,\"thraeds\":2", 1)).is_err());
        assert!(read(&VALID.replacen("\"id\":7", "\"id\":\"seven\"", 1)).is_err());
    }

    #[test]
    fn events_are_one_tagged_json_object_per_line() {
        let mut out = Vec::new();
        let mut writer = EventWriter::new(&mut out);
        writer
            .send::<Transcript>(&Event::ItemStarted { id: 7 })
            .unwrap();
        writer
            .send::<Transcript>(&Event::ItemFailed {
                id: 8,
                error: "no audio".into(),
            })
            .unwrap();
        writer
            .send::<Transcript>(&Event::Finished {
                ms: 12,
                at_ms: 1_700_000_000_000,
            })
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                r#"{"event":"item_started","id":7}"#,
                r#"{"event":"item_failed","id":8,"error":"no audio"}"#,
                r#"{"event":"finished","ms":12,"at_ms":1700000000000}"#,
            ]
        );
        let back: Event<Transcript> = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(
            back,
            Event::ItemFailed {
                id: 8,
                error: "no audio".into()
            }
        );
    }
}
