//! The clients' operations, as the primary's state machine applies them: each order of the
//! log that the FSM applies (not a stale one) is a client's call on its key, invoked when the
//! FSM starts its handler and returning what the handler answered. The FSM applies them one
//! at a time, so the history has one process (the `fsm` task): it is linearizable exactly
//! when the primary answers every order as a register per key would in log order, across its
//! crashes and restarts. The settle phase's replica replays the log to check the primary, and
//! is no client. (Kept apart from `tasks.rs` so that its lines do not move the strict `Del`'s
//! panic site, which names its violation.)

use super::super::cache::{Key, V};
use super::super::node::{Op, Outcome, Proposal};
use super::super::{GenCache, State, PRIMARY};
use raceway_sim::consistency::{Op as ClientOp, Value};
use raceway_sim::Cx;

impl GenCache {
    /// A value as the clients' history records it: the value a key holds committed at the
    /// start is the `null` the checkers' registers start from.
    fn recorded(self, k: Key, v: Option<V>) -> Value {
        match v {
            v if v == self.workload.setup().committed[k.ix()] => Value::Nil,
            Some(v) => Value::text(&format!("{v:?}")),
            None => Value::text("absent"),
        }
    }

    /// The order's handler on node `n`, marked as its client's call on the primary.
    pub(super) async fn handle_marked(
        self,
        cx: &Cx<State>,
        n: usize,
        i: u32,
        p: Proposal,
    ) -> Outcome {
        if n != PRIMARY {
            return self.handle(cx, n, i, p).await;
        }
        let k = p.order.key;
        let key = format!("{k:?}");
        let call = match p.order.op {
            Op::Save(v) => cx.invoke(ClientOp::Write, key.as_str(), self.recorded(k, Some(v))),
            Op::Delete => cx.invoke(ClientOp::Delete, key.as_str(), Value::Nil),
            Op::Read => cx.invoke(ClientOp::Read, key.as_str(), Value::Nil),
        };
        let outcome = self.handle(cx, n, i, p).await;
        match outcome {
            Outcome::Read(got) => call.ok_with(self.recorded(k, got)),
            // The handler found nothing to delete: the key is absent, as a delete leaves it.
            Outcome::Saved(..) | Outcome::Deleted(_) | Outcome::NotFound(_) => call.ok(),
            Outcome::Noop | Outcome::Stale(_) => call.fail(),
        }
        outcome
    }
}
