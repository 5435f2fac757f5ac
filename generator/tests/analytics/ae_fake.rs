//! A loopback stand-in for Cloudflare Workers Analytics Engine's SQL API.
//!
//! Like the real service it takes `POST /client/v4/accounts/{account}/analytics_engine/sql`
//! with a bearer token and the SQL text as the body, keeps data points in
//! the columns `timestamp, _sample_interval, index1, blob1..blob20,
//! double1..double20`, and answers `{"meta":[…],"data":[…],"rows":N}` with
//! 64-bit integers quoted, as ClickHouse's JSON output does. SQLite runs the
//! SQL; the few ClickHouse functions the report uses (`toDateTime`,
//! `formatDateTime`) are registered under their own names, so the text is
//! executed exactly as sent.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, NaiveDateTime};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::Connection;
use serde_json::{json, Map, Value};

pub const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";
pub const TOKEN: &str = "test-token-with-analytics-read";
const TIME: &str = "%Y-%m-%d %H:%M:%S";

struct Inner {
    conn: Mutex<Connection>,
    queries: Mutex<Vec<String>>,
}

pub struct FakeAnalyticsEngine {
    inner: Arc<Inner>,
    pub addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

/// One data point as the worker writes it.
pub struct Point<'a> {
    pub ts_ms: u64,
    pub sample_interval: u32,
    pub index: &'a str,
    pub blobs: &'a [&'a str],
    pub doubles: &'a [f64],
}

fn to_text(secs: i64) -> Option<String> {
    DateTime::from_timestamp(secs, 0).map(|d| d.format(TIME).to_string())
}

fn register(conn: &Connection) {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("toDateTime", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Integer(n) => to_text(n),
            ValueRef::Real(f) => to_text(f as i64),
            ValueRef::Text(t) => {
                let t = String::from_utf8_lossy(t);
                match t.parse::<i64>() {
                    Ok(n) => to_text(n),
                    Err(_) => NaiveDateTime::parse_from_str(&t, TIME)
                        .ok()
                        .map(|d| d.format(TIME).to_string()),
                }
            }
            _ => None,
        })
    })
    .unwrap();
    conn.create_scalar_function("formatDateTime", 2, flags, |ctx| {
        let ts: String = ctx.get(0)?;
        let fmt: String = ctx.get(1)?;
        Ok(NaiveDateTime::parse_from_str(&ts, TIME)
            .ok()
            .map(|d| d.format(&fmt).to_string()))
    })
    .unwrap();
}

impl FakeAnalyticsEngine {
    pub fn start(dataset: &str) -> Self {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn);
        let blobs: Vec<String> = (1..=20)
            .map(|i| format!("blob{i} TEXT NOT NULL DEFAULT ''"))
            .collect();
        let doubles: Vec<String> = (1..=20)
            .map(|i| format!("double{i} REAL NOT NULL DEFAULT 0"))
            .collect();
        conn.execute_batch(&format!(
            "CREATE TABLE {dataset} (timestamp TEXT NOT NULL, _sample_interval INTEGER NOT NULL, index1 TEXT NOT NULL, {}, {})",
            blobs.join(", "),
            doubles.join(", ")
        ))
        .unwrap();
        let inner = Arc::new(Inner {
            conn: Mutex::new(conn),
            queries: Mutex::new(Vec::new()),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route(
                "/client/v4/accounts/{account}/analytics_engine/sql",
                post(sql),
            )
            .with_state(inner.clone());
        runtime.spawn(async move { axum::serve(listener, app).await });
        FakeAnalyticsEngine {
            inner,
            addr,
            _runtime: runtime,
        }
    }

    pub fn api_base(&self) -> String {
        format!("http://{}/client/v4", self.addr)
    }

    pub fn write(&self, dataset: &str, p: Point) {
        let mut cols = vec![
            "timestamp".to_string(),
            "_sample_interval".into(),
            "index1".into(),
        ];
        let mut values: Vec<SqlValue> = vec![
            SqlValue::Text(to_text((p.ts_ms / 1000) as i64).unwrap()),
            SqlValue::Integer(p.sample_interval.into()),
            SqlValue::Text(p.index.into()),
        ];
        for (i, b) in p.blobs.iter().enumerate() {
            cols.push(format!("blob{}", i + 1));
            values.push(SqlValue::Text(b.to_string()));
        }
        for (i, d) in p.doubles.iter().enumerate() {
            cols.push(format!("double{}", i + 1));
            values.push(SqlValue::Real(*d));
        }
        let marks = vec!["?"; cols.len()].join(", ");
        self.inner
            .conn
            .lock()
            .unwrap()
            .execute(
                &format!(
                    "INSERT INTO {dataset} ({}) VALUES ({marks})",
                    cols.join(", ")
                ),
                rusqlite::params_from_iter(values),
            )
            .unwrap();
    }

    /// Every SQL text received, in order.
    pub fn queries(&self) -> Vec<String> {
        self.inner.queries.lock().unwrap().clone()
    }
}

fn json_answer(status: StatusCode, v: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        v.to_string(),
    )
        .into_response()
}

fn error(status: StatusCode, code: u32, message: &str) -> Response {
    json_answer(
        status,
        json!({"success": false, "errors": [{"code": code, "message": message}], "messages": [], "result": null}),
    )
}

async fn sql(
    State(inner): State<Arc<Inner>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {TOKEN}") {
        return error(StatusCode::UNAUTHORIZED, 10000, "Authentication error");
    }
    if account != ACCOUNT {
        return error(StatusCode::FORBIDDEN, 10000, "Authentication error");
    }
    inner.queries.lock().unwrap().push(body.clone());
    let conn = inner.conn.lock().unwrap();
    let mut stmt = match conn.prepare(&body) {
        Ok(s) if s.readonly() => s,
        Ok(_) => {
            return (StatusCode::UNPROCESSABLE_ENTITY, "only SELECT is supported").into_response()
        }
        Err(e) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("cannot parse query: {e}"),
            )
                .into_response()
        }
    };
    let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
    let mut types: Vec<&str> = vec!["String"; names.len()];
    let mut data = Vec::new();
    let mut rows = stmt.query([]).unwrap();
    while let Some(row) = rows.next().unwrap() {
        let mut obj = Map::new();
        for (i, name) in names.iter().enumerate() {
            let v = match row.get_ref(i).unwrap() {
                ValueRef::Null => Value::Null,
                // ClickHouse quotes 64-bit integers in JSON output.
                ValueRef::Integer(n) => {
                    types[i] = "UInt64";
                    Value::String(n.to_string())
                }
                ValueRef::Real(f) => {
                    types[i] = "Float64";
                    json!(f)
                }
                ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(_) => Value::Null,
            };
            obj.insert(name.clone(), v);
        }
        data.push(Value::Object(obj));
    }
    let meta: Vec<Value> = names
        .iter()
        .zip(&types)
        .map(|(n, t)| json!({"name": n, "type": t}))
        .collect();
    let n = data.len();
    json_answer(
        StatusCode::OK,
        json!({"meta": meta, "data": data, "rows": n, "rows_before_limit_at_least": n}),
    )
}
