//! What the beacon route decides for one request body, before anything is
//! stored. Every refusal names what was wrong, so a page author can fix it.

use smartlinks_core::beacon::{is_bot, Beacon, Event, MAX_BODY_BYTES};

/// A body that passed the size and shape checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Beacon(Box<Beacon>),
    /// A crawler or tool: answered 204 like a fan, so it learns nothing, but
    /// neither parsed nor stored.
    Bot,
}

/// Why a beacon was refused, as an HTTP status and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    pub message: String,
}

impl Refused {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Refused {
            status,
            message: message.into(),
        }
    }

    fn too_large() -> Self {
        Refused::new(
            413,
            format!("beacon body is larger than {MAX_BODY_BYTES} bytes"),
        )
    }
}

/// An oversized body up to this size is still read (and dropped) before the
/// 413, so the client's connection stays usable; `sendBeacon` queues at most
/// 64 KiB. Anything larger is refused without reading further.
pub const DRAIN_LIMIT_BYTES: usize = 64 * 1024;

/// Refuses a body by its announced `Content-Length` without reading it, when
/// it is too large even to drain.
pub fn check_length(content_length: Option<&str>) -> Result<(), Refused> {
    match content_length.and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(n) if n > DRAIN_LIMIT_BYTES as u64 => Err(Refused::too_large()),
        _ => Ok(()),
    }
}

/// Collects a body chunk by chunk, keeping at most [`MAX_BODY_BYTES`] (a
/// chunked body announces no length).
#[derive(Debug, Default)]
pub struct BodyLimit {
    bytes: Vec<u8>,
    seen: usize,
}

impl BodyLimit {
    /// Takes one chunk; `false` once the body is past [`DRAIN_LIMIT_BYTES`]
    /// and reading should stop.
    pub fn push(&mut self, chunk: &[u8]) -> bool {
        self.seen += chunk.len();
        if self.seen <= MAX_BODY_BYTES {
            self.bytes.extend_from_slice(chunk);
        }
        self.seen <= DRAIN_LIMIT_BYTES
    }

    /// The body, or 413 if it was larger than [`MAX_BODY_BYTES`].
    pub fn finish(self) -> Result<Vec<u8>, Refused> {
        if self.seen > MAX_BODY_BYTES {
            return Err(Refused::too_large());
        }
        Ok(self.bytes)
    }
}

/// Checks the size and shape of one body sent by `user_agent`.
pub fn parse(body: &[u8], user_agent: &str) -> Result<Parsed, Refused> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Refused::too_large());
    }
    if is_bot(user_agent) {
        return Ok(Parsed::Bot);
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| Refused::new(400, "beacon body is not UTF-8 text"))?;
    serde_json::from_str(text)
        .map(|b| Parsed::Beacon(Box::new(b)))
        .map_err(|e| {
            Refused::new(
                400,
                format!("beacon is not a JSON event object of the expected shape: {e}"),
            )
        })
}

/// Applies the shared schema's checks to a parsed beacon from `country`, at
/// `now_ms` on the receiver's clock.
pub fn validate(
    beacon: Beacon,
    country: Option<&str>,
    now_ms: u64,
    is_known_link: impl Fn(&str, &str) -> bool,
) -> Result<Event, Refused> {
    beacon
        .validate(is_known_link, country, now_ms)
        .map_err(|e| Refused::new(422, format!("beacon refused: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAN: &str =
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";

    fn known(a: &str, l: &str) -> bool {
        (a, l) == ("nova-lane", "zoe-a-paris")
    }

    fn click(extra: &str) -> String {
        format!(
            r#"{{"kind":"click","artist":"nova-lane","link":"zoe-a-paris","service":"deezer","device":"mobile","ts":1{extra}}}"#
        )
    }

    fn ingest(body: &[u8]) -> Result<Option<Event>, Refused> {
        match parse(body, FAN)? {
            Parsed::Beacon(b) => validate(*b, None, 0, known).map(Some),
            Parsed::Bot => Ok(None),
        }
    }

    #[test]
    fn valid_click_is_kept_with_the_edge_country_and_receiver_clock() {
        let Parsed::Beacon(b) = parse(click("").as_bytes(), FAN).unwrap() else {
            panic!("a fan is not a bot")
        };
        let e = validate(*b, Some("FR"), 42, known).unwrap();
        assert_eq!(e.service.as_deref(), Some("deezer"));
        assert_eq!(e.country.as_deref(), Some("FR"));
        assert_eq!(e.ts, 42);
    }

    #[test]
    fn bots_are_acknowledged_without_parsing() {
        assert_eq!(
            parse(click("").as_bytes(), "Googlebot/2.1"),
            Ok(Parsed::Bot)
        );
        assert_eq!(parse(b"garbage", ""), Ok(Parsed::Bot));
    }

    #[test]
    fn hostile_bodies_are_refused_with_a_4xx_naming_the_problem() {
        let cases: Vec<(Vec<u8>, u16, &str)> = vec![
            (vec![b' '; MAX_BODY_BYTES + 1], 413, "larger than"),
            (b"{\"kind\":".to_vec(), 400, "JSON"),
            (vec![0xff, 0xfe], 400, "UTF-8"),
            (
                click("").replace("\"click\"", "\"purchase\"").into_bytes(),
                400,
                "unknown variant",
            ),
            (
                click(r#","ip":"1.2.3.4""#).into_bytes(),
                400,
                "unknown field",
            ),
            (
                click("").replace("zoe-a-paris", "nope").into_bytes(),
                422,
                "unknown Smart Link",
            ),
            (
                click(r#","utm":{"campaign":"<script>alert(1)</script>"}"#).into_bytes(),
                422,
                "utm.campaign",
            ),
        ];
        for (body, status, words) in cases {
            let r = ingest(&body).unwrap_err();
            assert_eq!(r.status, status, "{}", r.message);
            assert!(r.message.contains(words), "{:?} lacks {words:?}", r.message);
        }
    }

    #[test]
    fn oversized_bodies_are_drained_up_to_a_bound_then_refused() {
        assert!(check_length(Some("5000")).is_ok(), "small enough to drain");
        assert_eq!(check_length(Some("65537")).unwrap_err().status, 413);
        assert!(check_length(None).is_ok());

        let mut body = BodyLimit::default();
        assert!(body.push(&[b'a'; 4000]));
        assert!(body.push(&[b'a'; 96]));
        assert_eq!(body.finish().unwrap().len(), MAX_BODY_BYTES);

        let mut body = BodyLimit::default();
        assert!(body.push(&[b'a'; 4000]));
        assert!(body.push(&[b'a'; 97]), "past the limit, still draining");
        assert!(
            !body.push(&[b'a'; DRAIN_LIMIT_BYTES]),
            "past the drain bound"
        );
        assert_eq!(body.finish().unwrap_err().status, 413);
    }
}
