//! Reading events from Cloudflare Workers Analytics Engine through its SQL
//! API: `POST {api}/accounts/{account}/analytics_engine/sql`, a bearer token,
//! and the SQL text as the body. The answer is
//! `{"meta":[{"name","type"}…],"data":[{column: value}…],"rows":N}`.

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use serde_json::Value;

use super::query::Dialect;
use super::report::Source;
use super::store::Row;
use crate::cli::SourceKind;

/// Environment variable holding the API token (never a flag, so it stays
/// out of shell history).
pub const TOKEN_ENV: &str = "CLOUDFLARE_API_TOKEN";

pub struct AnalyticsEngine {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    url: String,
    token: String,
    dialect: Dialect,
}

#[derive(Deserialize)]
struct Answer {
    data: Vec<Row>,
}

impl AnalyticsEngine {
    pub fn new(api_base: &str, account_id: &str, token: &str, dataset: &str) -> Result<Self> {
        let base = url::Url::parse(api_base)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .with_context(|| {
                format!("CLOUDFLARE_API_BASE {api_base:?} is not an http(s) address like https://api.cloudflare.com/client/v4")
            })?;
        if account_id.is_empty() || !account_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            bail!(
                "CLOUDFLARE_ACCOUNT_ID {account_id:?} is not an account id (letters and digits, as shown in the Cloudflare dashboard)"
            );
        }
        let dialect = Dialect::analytics_engine(dataset).map_err(|e| anyhow!("--dataset: {e}"))?;
        let url = format!(
            "{}/accounts/{account_id}/analytics_engine/sql",
            base.as_str().trim_end_matches('/')
        );
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .user_agent(concat!("smartlinks/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot start an HTTP client")?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        Ok(AnalyticsEngine {
            runtime,
            client,
            url,
            token: token.to_string(),
            dialect,
        })
    }

    async fn query(&self, sql: &str) -> Result<Vec<Row>> {
        let response = self
            .client
            .post(&self.url)
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "text/plain")
            .body(sql.to_string())
            .send()
            .await
            .with_context(|| format!("cannot reach {}", self.url))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .with_context(|| format!("{} answered {status} with an unreadable body", self.url))?;
        if !status.is_success() {
            bail!(
                "{} answered {status}: {}{}",
                self.url,
                error_message(&body),
                if matches!(status.as_u16(), 401 | 403) {
                    " (check CLOUDFLARE_API_TOKEN: it needs Account Analytics Read)"
                } else {
                    ""
                }
            );
        }
        let answer: Answer = serde_json::from_str(&body).with_context(|| {
            format!(
                "{} answered with JSON without a `data` list: {}",
                self.url,
                snippet(&body)
            )
        })?;
        Ok(answer.data)
    }
}

/// The useful part of an error answer: Cloudflare's `errors[].message`
/// when it is the usual API envelope, else the start of the text.
fn error_message(body: &str) -> String {
    let messages: Vec<String> = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("errors").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.get("message").and_then(Value::as_str).map(str::to_string))
        .collect();
    if messages.is_empty() {
        snippet(body)
    } else {
        messages.join("; ")
    }
}

fn snippet(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

impl Source for AnalyticsEngine {
    fn kind(&self) -> SourceKind {
        SourceKind::Cloudflare
    }

    fn dialect(&self) -> &Dialect {
        &self.dialect
    }

    fn rows(&self, sql: &str) -> Result<Vec<Row>> {
        self.runtime.block_on(self.query(sql))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_answers_are_reduced_to_their_messages() {
        assert_eq!(
            error_message(
                r#"{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}"#
            ),
            "Authentication error"
        );
        assert_eq!(error_message("bad\n  query"), "bad query");
    }

    #[test]
    fn bad_settings_are_refused_naming_the_variable() {
        let e = AnalyticsEngine::new("ftp://x", "abc", "t", "d")
            .err()
            .unwrap();
        assert!(e.to_string().contains("CLOUDFLARE_API_BASE"), "{e}");
        let e = AnalyticsEngine::new("https://x", "a/b", "t", "d")
            .err()
            .unwrap();
        assert!(e.to_string().contains("CLOUDFLARE_ACCOUNT_ID"), "{e}");
    }
}
