//! Signals between host nodes that share one PostgreSQL database (`docs/architecture.md`,
//! section 2). A node caches what every request needs (active policies, the
//! roster, principals) and wakes its inbox streams after its own commits; a
//! change committed by another node must reach those caches and streams too.
//! PostgreSQL's LISTEN/NOTIFY carries the signals. On SQLite there is one node
//! and nothing to send.

use std::sync::Weak;
use std::time::Duration;

use sqlx::AnyPool;
use sqlx::postgres::PgListener;
use tokio::sync::{mpsc, oneshot};

/// The notification channel every node listens on.
const CHANNEL: &str = "isac_signals";

/// Wait before trying again after a connection attempt failed.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// A change another node must know of. Sent after the change has committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// A commit delivered views: inbox streams look for them.
    Deliveries,
    /// Who is an approved member, or a member's class, changed.
    Membership,
    /// A community's active or shadow policy version changed.
    Policy(String),
}

impl Signal {
    fn encode(&self, node: &str) -> String {
        match self {
            Signal::Deliveries => format!("{node} deliveries"),
            Signal::Membership => format!("{node} membership"),
            Signal::Policy(community) => format!("{node} policy {community}"),
        }
    }

    /// The sending node and its signal.
    fn decode(payload: &str) -> Option<(&str, Signal)> {
        let mut parts = payload.splitn(3, ' ');
        let node = parts.next()?;
        let signal = match (parts.next()?, parts.next()) {
            ("deliveries", None) => Signal::Deliveries,
            ("membership", None) => Signal::Membership,
            ("policy", Some(community)) => Signal::Policy(community.into()),
            _ => return None,
        };
        Some((node, signal))
    }
}

/// What a node does with the signals of the others.
pub trait Receiver: Send + Sync + 'static {
    fn received(&self, signal: &Signal);
    /// Signals may have been lost (the listening connection dropped, or it has
    /// just started): act as if everything changed.
    fn missed(&self);
}

/// Sends this node's signals to the others, in order.
#[derive(Clone, Default)]
pub struct Broadcast {
    outbox: Option<mpsc::UnboundedSender<Signal>>,
}

impl Broadcast {
    /// Queues `signal`; it is sent within milliseconds. Never waits: the change
    /// it announces has committed already.
    pub fn send(&self, signal: Signal) {
        if let Some(outbox) = &self.outbox {
            let _ = outbox.send(signal);
        }
    }
}

/// Joins the nodes on the database of `db`: a node id of its own, a task that
/// sends its signals, and a [`Listener`] to start once what receives the
/// others' signals exists. Both end when the last [`Broadcast`] is dropped.
/// On SQLite, a broadcast that sends nothing and no listener.
pub fn join(db: &AnyPool) -> (Broadcast, Option<Listener>) {
    let url = db.connect_options().database_url.to_string();
    if !crate::store::is_postgres(&url) {
        return (Broadcast::default(), None);
    }
    let node = crate::store::new_id("node");
    let (outbox, queue) = mpsc::unbounded_channel();
    let (sending, stopped) = oneshot::channel();
    tokio::spawn(send(db.clone(), node.clone(), queue, sending));
    let broadcast = Broadcast {
        outbox: Some(outbox),
    };
    (broadcast, Some(Listener { url, node, stopped }))
}

/// Listens for the other nodes' signals, once started.
pub struct Listener {
    url: String,
    node: String,
    stopped: oneshot::Receiver<()>,
}

impl Listener {
    /// Passes the other nodes' signals to `receiver` until the broadcast ends.
    /// Started only once `receiver` can be reached: a listener that connected
    /// before its receiver was built would find no one to tell and stop for good.
    pub fn start<R: Receiver>(self, receiver: Weak<R>) {
        tokio::spawn(listen(self.url, self.node, receiver, self.stopped));
    }
}

/// Dropping `_sending` at the end stops the listener.
async fn send(
    db: AnyPool,
    node: String,
    mut queue: mpsc::UnboundedReceiver<Signal>,
    _sending: oneshot::Sender<()>,
) {
    while let Some(signal) = queue.recv().await {
        // pg_notify returns void, which the Any driver cannot describe: select a
        // constant over it.
        let sent = sqlx::query("SELECT 1 FROM (SELECT pg_notify($1, $2)) AS sent")
            .bind(CHANNEL)
            .bind(signal.encode(&node))
            .execute(&db)
            .await;
        if let Err(error) = sent {
            // The other nodes' caches may stay stale until their roster refresh
            // or a restart: loud, so the operator sees it.
            tracing::error!(%error, ?signal, "cannot signal the other host nodes");
        }
    }
}

/// Listens until stopped. After every (re)connection, once LISTEN is in
/// force, it tells `receiver` that signals may have been missed: a change
/// committed while this node was not listening is then read afresh, and every
/// later change is signalled.
async fn listen<R: Receiver>(
    url: String,
    node: String,
    receiver: Weak<R>,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        if !matches!(stopped.try_recv(), Err(oneshot::error::TryRecvError::Empty)) {
            return;
        }
        let mut listener = match connect(&url).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for the other host nodes' signals");
                tokio::time::sleep(RECONNECT_AFTER).await;
                continue;
            }
        };
        match receiver.upgrade() {
            Some(receiver) => receiver.missed(),
            None => return,
        }
        loop {
            let received = tokio::select! {
                _ = &mut stopped => return,
                received = listener.try_recv() => received,
            };
            let Some(receiver) = receiver.upgrade() else {
                return;
            };
            match received {
                Ok(Some(notification)) => match Signal::decode(notification.payload()) {
                    Some((from, _)) if from == node => {}
                    Some((_, signal)) => receiver.received(&signal),
                    None => tracing::warn!(payload = notification.payload(), "unknown signal"),
                },
                // The connection dropped: connect again, then catch up.
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(%error, "lost the other host nodes' signals");
                    break;
                }
            }
        }
    }
}

async fn connect(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::Signal;

    #[test]
    fn signals_survive_the_trip_and_name_their_node() {
        for signal in [
            Signal::Deliveries,
            Signal::Membership,
            Signal::Policy("finance-isac".into()),
        ] {
            assert_eq!(
                Signal::decode(&signal.encode("node-1")),
                Some(("node-1", signal))
            );
        }
        assert_eq!(Signal::decode("node-1 reboot"), None);
        assert_eq!(Signal::decode("node-1 membership extra"), None);
    }
}
