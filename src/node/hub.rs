//! Fan-out of committed changes to subscribed connections.

use std::sync::Mutex;
use std::sync::mpsc::Sender;

use crate::proto::Event;
use crate::store::Change;

/// The subscriber list. A subscriber whose channel is closed is dropped at the next publish.
#[derive(Default)]
pub struct Hub {
    subs: Mutex<Vec<Sender<Event>>>,
}

impl Hub {
    /// Adds a subscriber.
    pub fn subscribe(&self, tx: Sender<Event>) {
        if let Ok(mut s) = self.subs.lock() {
            s.push(tx);
        }
    }

    /// Sends an event to every live subscriber.
    pub fn publish(&self, ev: Event) {
        if let Ok(mut s) = self.subs.lock() {
            s.retain(|tx| tx.send(ev.clone()).is_ok());
        }
    }

    /// Publishes committed changes.
    pub fn publish_changes(&self, changes: Vec<Change>) {
        for c in changes {
            self.publish(Event::Changed { change: c });
        }
    }
}
