//! Fan-out of committed changes to subscribed connections.
//!
//! A subscriber is a non-blocking sink: it returns `false` when it cannot take the event (its
//! connection's outbox is full or closed), and is then dropped (and its connection closed by the sink).
//! A connection removes its subscriber when it ends ([`Hub::unsubscribe`]), so nothing outlives it.

use std::sync::Mutex;

use crate::proto::Event;
use crate::store::Change;

/// A subscriber's sink: `false` = drop this subscriber.
pub type Sink = Box<dyn Fn(&Event) -> bool + Send>;

/// The subscriber list.
#[derive(Default)]
pub struct Hub {
    subs: Mutex<(u64, Vec<(u64, Sink)>)>,
}

impl Hub {
    /// Adds a subscriber; returns its id for [`Hub::unsubscribe`].
    pub fn subscribe(&self, sink: Sink) -> u64 {
        let mut g = match self.subs.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        g.0 += 1;
        let id = g.0;
        g.1.push((id, sink));
        id
    }

    /// Removes a subscriber (its connection ended).
    pub fn unsubscribe(&self, id: u64) {
        if let Ok(mut g) = self.subs.lock() {
            g.1.retain(|(i, _)| *i != id);
        }
    }

    /// Number of live subscribers.
    pub fn len(&self) -> usize {
        self.subs.lock().map_or(0, |g| g.1.len())
    }

    /// True when nobody is subscribed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sends an event to every live subscriber; never waits for a slow one.
    pub fn publish(&self, ev: Event) {
        if let Ok(mut g) = self.subs.lock() {
            g.1.retain(|(_, sink)| sink(&ev));
        }
    }

    /// Publishes committed changes.
    pub fn publish_changes(&self, changes: Vec<Change>) {
        for c in changes {
            self.publish(Event::Changed { change: c });
        }
    }
}
