//! `GET`/`HEAD` of a page: the static page from the assets binding, with the
//! service buttons in the visitor's country order.

use worker::{
    Method, Request, RequestInit, RequestRedirect, Response, ResponseBody, Result, RouteContext,
};

use super::{copy_headers, country};
use crate::config::ASSETS_BINDING;
use crate::ordered::{etag_for_order, not_modified, transform, Transform};
use crate::EDGE_HEADER;

/// Pages whose order depends on the country: browsers may keep them but
/// must revalidate (cheap, the ETag names the order), shared caches may not
/// keep them at all, so one country's page never reaches another's fans.
const VARYING_CACHE_CONTROL: &str = "private, max-age=0, must-revalidate";

pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let head = req.method() == Method::Head;
    // Fetched without the visitor's conditional headers: the asset server
    // would compare them with the built page's tag, not the tag of the order
    // this visitor gets. They are evaluated below instead. Redirects from
    // `_redirects` (a renamed link's old address) go back to the visitor as
    // they are instead of being followed here.
    let mut init = RequestInit::new();
    init.with_redirect(RequestRedirect::Manual);
    let mut asset = ctx
        .env
        .assets(ASSETS_BINDING)?
        .fetch(req.url()?.to_string(), Some(init))
        .await?;
    let status = asset.status_code();
    let headers = copy_headers(asset.headers());
    let if_none_match = req.headers().get("if-none-match")?;
    let etag = headers.get("etag")?;
    let is_html = headers
        .get("content-type")?
        .is_some_and(|t| t.starts_with("text/html"));

    if status != 200 || !is_html {
        // Redirects, the 404 page and non-HTML files: as the asset server
        // answers them.
        headers.set(EDGE_HEADER, "passthrough")?;
        if status == 200 && etag.is_some_and(|t| not_modified(if_none_match.as_deref(), &t)) {
            return not_modified_response(headers);
        }
        let (_, body) = asset.into_parts();
        let body = if head { ResponseBody::Empty } else { body };
        return Ok(Response::builder()
            .with_status(status)
            .with_headers(headers)
            .body(body));
    }

    let html = asset.text().await?;
    let t = transform(&html, country(&req)?.as_deref());
    headers.set(
        EDGE_HEADER,
        match &t {
            Transform::Static => "static",
            Transform::Global => "global",
            Transform::Reordered { .. } => "ordered",
        },
    )?;
    if t.varies() {
        headers.set("cache-control", VARYING_CACHE_CONTROL)?;
        headers.delete("last-modified")?;
    }
    if let Some(tag) = etag {
        let tag = etag_for_order(&tag, t.order());
        if not_modified(if_none_match.as_deref(), &tag) {
            headers.set("etag", &tag)?;
            return not_modified_response(headers);
        }
        headers.set("etag", &tag)?;
    }
    let body = match t {
        Transform::Reordered { html, .. } => html,
        _ => html,
    };
    // The runtime sets the length and encoding of the new body itself.
    headers.delete("content-length")?;
    headers.delete("content-encoding")?;
    let builder = Response::builder().with_status(200).with_headers(headers);
    Ok(if head {
        builder.empty()
    } else {
        builder.fixed(body.into_bytes())
    })
}

/// 304 with the validators and caching headers, no body.
fn not_modified_response(headers: worker::Headers) -> Result<Response> {
    for h in ["content-length", "content-type", "content-encoding"] {
        headers.delete(h)?;
    }
    Ok(Response::builder()
        .with_status(304)
        .with_headers(headers)
        .empty())
}
