//! `POST /api/beacon`: one analytics event, sent by `navigator.sendBeacon`
//! as `text/plain` JSON.

use futures_util::StreamExt;
use serde_json::json;
use smartlinks_core::links::{Manifest, PATH as LINKS_PATH};
use worker::{console_error, Date, Env, Headers, Request, Response, Result, RouteContext};

use super::country;
use crate::config::{Sink, ASSETS_BINDING, SINK_VAR, SITE_ORIGIN_VAR};
use crate::ingest::{check_length, parse, validate, BodyLimit, Parsed, Refused};
use crate::origin::{cors_headers, decide, Decision};
use crate::{sink, EDGE_HEADER};

pub async fn post(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let decision = origin_decision(&req, &ctx.env)?;
    if decision == Decision::Refused {
        return respond(&decision, Err(refused_origin()));
    }
    let outcome = receive(&mut req, &ctx.env).await?;
    respond(&decision, outcome)
}

pub async fn preflight(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    match origin_decision(&req, &ctx.env)? {
        Decision::Refused => respond(&Decision::Refused, Err(refused_origin())),
        Decision::Cors(origin) => {
            let headers = edge_headers()?;
            for (k, v) in cors_headers(&origin, true) {
                headers.set(k, &v)?;
            }
            Ok(Response::builder()
                .with_status(204)
                .with_headers(headers)
                .empty())
        }
        Decision::SameOrigin => {
            let headers = edge_headers()?;
            headers.set("allow", "POST, OPTIONS")?;
            Ok(Response::builder()
                .with_status(204)
                .with_headers(headers)
                .empty())
        }
    }
}

/// Reads, checks and stores one beacon. `Ok(Err(_))` is the visitor's
/// fault (4xx); `Err(_)` is the worker's (5xx).
async fn receive(req: &mut Request, env: &Env) -> Result<std::result::Result<(), Refused>> {
    if let Err(r) = check_length(req.headers().get("content-length")?.as_deref()) {
        return Ok(Err(r));
    }
    let body = match read_limited(req).await? {
        Ok(body) => body,
        Err(r) => return Ok(Err(r)),
    };
    let user_agent = req.headers().get("user-agent")?.unwrap_or_default();
    let beacon = match parse(&body, &user_agent) {
        Ok(Parsed::Beacon(b)) => *b,
        Ok(Parsed::Bot) => return Ok(Ok(())),
        Err(r) => return Ok(Err(r)),
    };
    let sink = Sink::parse(&env.var(SINK_VAR)?.to_string()).map_err(worker::Error::RustError)?;
    let manifest = published_links(req, env).await?;
    let country = country(req)?;
    let event = match validate(
        beacon,
        country.as_deref(),
        Date::now().as_millis(),
        |a, l| manifest.contains(a, l),
    ) {
        Ok(e) => e,
        Err(r) => return Ok(Err(r)),
    };
    sink::store(env, sink, &event).await?;
    Ok(Ok(()))
}

/// The body, or 413 when it passes the size limit.
async fn read_limited(req: &mut Request) -> Result<std::result::Result<Vec<u8>, Refused>> {
    let mut limit = BodyLimit::default();
    // A request without a body is an empty one.
    if let Ok(mut stream) = req.stream() {
        while let Some(chunk) = stream.next().await {
            if !limit.push(&chunk?) {
                break;
            }
        }
    }
    Ok(limit.finish())
}

/// The links manifest the build left among the assets.
async fn published_links(req: &Request, env: &Env) -> Result<Manifest> {
    let mut url = req.url()?;
    url.set_path(LINKS_PATH);
    url.set_query(None);
    let mut resp = env
        .assets(ASSETS_BINDING)?
        .fetch(url.to_string(), None)
        .await?;
    if resp.status_code() != 200 {
        let msg = format!(
            "the site has no /{LINKS_PATH} (status {}); rebuild it with `smartlinks build`",
            resp.status_code()
        );
        console_error!("{msg}");
        return Err(worker::Error::RustError(msg));
    }
    resp.json().await
}

fn origin_decision(req: &Request, env: &Env) -> Result<Decision> {
    let site = env
        .var(SITE_ORIGIN_VAR)
        .map(|v| v.to_string())
        .unwrap_or_default();
    let own = req.url()?.origin().ascii_serialization();
    Ok(decide(req.headers().get("origin")?.as_deref(), &own, &site))
}

fn refused_origin() -> Refused {
    Refused::new(
        403,
        "beacons are accepted from this site's own pages only (Origin does not match)",
    )
}

fn edge_headers() -> Result<Headers> {
    let headers = Headers::new();
    headers.set(EDGE_HEADER, "beacon")?;
    Ok(headers)
}

fn respond(decision: &Decision, outcome: std::result::Result<(), Refused>) -> Result<Response> {
    let headers = edge_headers()?;
    if let Decision::Cors(origin) = decision {
        for (k, v) in cors_headers(origin, false) {
            headers.set(k, &v)?;
        }
    }
    match outcome {
        Ok(()) => Ok(Response::builder()
            .with_status(204)
            .with_headers(headers)
            .empty()),
        Err(r) => {
            headers.set("content-type", "application/json")?;
            Ok(Response::builder()
                .with_status(r.status)
                .with_headers(headers)
                .fixed(serde_json::to_vec(&json!({ "error": r.message }))?))
        }
    }
}
