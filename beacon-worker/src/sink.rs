//! Writes a validated event to the store chosen by `BEACON_SINK`.

use smartlinks_core::beacon::Event;
use worker::wasm_bindgen::JsValue;
use worker::{AnalyticsEngineDataPointBuilder, Env, Result};

use crate::config::{Sink, ANALYTICS_BINDING, D1_BINDING};
use crate::record::{d1_values, data_point, SqlValue, D1_INSERT};

pub async fn store(env: &Env, sink: Sink, event: &Event) -> Result<()> {
    match sink {
        Sink::AnalyticsEngine => {
            let p = data_point(event);
            AnalyticsEngineDataPointBuilder::new()
                .indexes([p.index.as_str()])
                .doubles(p.doubles)
                .blobs(p.blobs)
                .write_to(&env.analytics_engine(ANALYTICS_BINDING)?)
        }
        Sink::D1 => {
            let values: Vec<JsValue> = d1_values(event)
                .into_iter()
                .map(|v| match v {
                    SqlValue::Number(n) => JsValue::from_f64(n),
                    SqlValue::Text(s) => JsValue::from_str(&s),
                    SqlValue::Null => JsValue::NULL,
                })
                .collect();
            env.d1(D1_BINDING)?
                .prepare(D1_INSERT)
                .bind(&values)?
                .run()
                .await?;
            Ok(())
        }
    }
}
