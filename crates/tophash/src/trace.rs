//! Ready-made [`Observer`](crate::stats::Observer)s: a recorder that writes Chrome Trace Event JSON
//! (feature `trace`; opens in Perfetto or `chrome://tracing`) and a bridge
//! to the `tracing` crate (feature `tracing`).

#[cfg(feature = "trace")]
#[cfg_attr(docsrs, doc(cfg(feature = "trace")))]
pub use recorder::TraceRecorder;
#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub use tracing_bridge::TracingObserver;

#[cfg(feature = "trace")]
mod recorder {
    use std::format;
    use std::io::{self, Write};
    use std::sync::{Arc, Mutex, PoisonError};
    use std::time::{Duration, Instant};
    use std::vec::Vec;

    use crate::stats::{Event, Observer};

    /// Records events with their time since the recorder was made. Clones
    /// share one log: give one to the map, keep one to write the trace.
    ///
    /// Writes resizes as duration events (`"ph": "B"`/`"E"`, so the two
    /// timestamps the source articles ask for are the span's ends), each
    /// evacuated bucket as a counter of progress, and overflow allocations
    /// as instant events.
    ///
    /// ```
    /// use tophash::trace::TraceRecorder;
    /// let rec = TraceRecorder::new();
    /// let mut m = tophash::HashMap::new();
    /// m.set_observer(Some(Box::new(rec.clone())));
    /// for i in 0..100 { m.insert(i, i); }
    /// let mut json = Vec::new();
    /// rec.write_chrome_json(&mut json).unwrap();
    /// let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    /// assert!(v["traceEvents"].as_array().unwrap().iter().any(|e| e["ph"] == "B"));
    /// ```
    #[derive(Clone, Debug)]
    pub struct TraceRecorder {
        start: Instant,
        log: Arc<Mutex<Vec<(Duration, Event)>>>,
    }

    impl Default for TraceRecorder {
        fn default() -> Self {
            Self::new()
        }
    }

    impl TraceRecorder {
        /// An empty recorder; times count from now.
        pub fn new() -> Self {
            TraceRecorder { start: Instant::now(), log: Arc::default() }
        }

        /// The events so far, with their times.
        pub fn events(&self) -> Vec<(Duration, Event)> {
            self.log.lock().unwrap_or_else(PoisonError::into_inner).clone()
        }

        /// Writes the Chrome Trace Event JSON object (`{"traceEvents": [...]}`).
        pub fn write_chrome_json(&self, w: impl Write) -> io::Result<()> {
            let events: Vec<serde_json::Value> = self.events().iter().map(|(t, e)| chrome_event(*t, e)).collect();
            let doc = serde_json::json!({ "traceEvents": events, "displayTimeUnit": "ns" });
            serde_json::to_writer_pretty(w, &doc).map_err(io::Error::other)
        }
    }

    impl Observer for TraceRecorder {
        fn event(&mut self, e: &Event) {
            let t = self.start.elapsed();
            self.log.lock().unwrap_or_else(PoisonError::into_inner).push((t, *e));
        }
    }

    fn chrome_event(t: Duration, e: &Event) -> serde_json::Value {
        use serde_json::json;
        let ts = t.as_nanos() as f64 / 1000.0;
        match *e {
            Event::ResizeStart { kind, reason, old_b, new_b, len } => json!({
                "name": "resize", "cat": "tophash", "ph": "B", "ts": ts, "pid": 1, "tid": 1,
                "args": { "kind": format!("{kind:?}"), "reason": format!("{reason:?}"),
                          "old_B": old_b, "new_B": new_b, "len": len }
            }),
            Event::ResizeEnd { kind, b, len } => json!({
                "name": "resize", "cat": "tophash", "ph": "E", "ts": ts, "pid": 1, "tid": 1,
                "args": { "kind": format!("{kind:?}"), "B": b, "len": len }
            }),
            Event::Evacuated { old_bucket, entries, evacuated, total } => json!({
                "name": "evacuated buckets", "cat": "tophash", "ph": "C", "ts": ts, "pid": 1, "tid": 1,
                "args": { "evacuated": evacuated, "left": total - evacuated, "last_bucket": old_bucket, "last_entries": entries }
            }),
            Event::OverflowAlloc { pooled, overflow_buckets } => json!({
                "name": if pooled { "overflow (pool)" } else { "overflow (alloc)" },
                "cat": "tophash", "ph": "i", "s": "t", "ts": ts, "pid": 1, "tid": 1,
                "args": { "overflow_buckets": overflow_buckets }
            }),
        }
    }
}

#[cfg(feature = "tracing")]
mod tracing_bridge {
    use crate::stats::{Event, Observer};

    /// Emits every event as a `tracing` event at `DEBUG` level (target
    /// `tophash`), inside a `resize` span that opens at the resize's start
    /// and closes at its end.
    ///
    /// ```
    /// let mut m = tophash::HashMap::new();
    /// m.set_observer(Some(Box::new(tophash::trace::TracingObserver::default())));
    /// for i in 0..100 { m.insert(i, i); }
    /// ```
    #[derive(Debug, Default)]
    pub struct TracingObserver {
        span: Option<tracing::Span>,
    }

    impl Observer for TracingObserver {
        fn event(&mut self, e: &Event) {
            match *e {
                Event::ResizeStart { kind, reason, old_b, new_b, len } => {
                    let span = tracing::debug_span!(target: "tophash", "resize", ?kind, old_b, new_b);
                    span.in_scope(
                        || tracing::debug!(target: "tophash", ?kind, ?reason, old_b, new_b, len, "resize start"),
                    );
                    self.span = Some(span);
                }
                Event::ResizeEnd { kind, b, len } => {
                    let span = self.span.take().unwrap_or_else(tracing::Span::none);
                    span.in_scope(|| tracing::debug!(target: "tophash", ?kind, b, len, "resize end"));
                }
                Event::Evacuated { old_bucket, entries, evacuated, total } => {
                    let span = self.span.clone().unwrap_or_else(tracing::Span::none);
                    span.in_scope(
                        || tracing::debug!(target: "tophash", old_bucket, entries, evacuated, total, "evacuated"),
                    );
                }
                Event::OverflowAlloc { pooled, overflow_buckets } => {
                    tracing::debug!(target: "tophash", pooled, overflow_buckets, "overflow bucket")
                }
            }
        }
    }
}
