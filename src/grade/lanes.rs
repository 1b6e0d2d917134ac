//! One lane per execution: the POST that created it, each read, and the
//! terminal status the client was shown, with the checks each call broke.

use std::collections::HashMap;

use crate::check::TERMINAL_STATUSES;
use crate::recording::Recording;
use crate::result::{Lane, LaneEvent};
use crate::secret::Redactor;

use super::check::Graded;
use super::traffic::Traffic;

/// The lanes of `recording`, in order of the first call naming each
/// execution; paths pass through `redactor` (a key put in a path stays out).
pub fn lanes(recording: &Recording, graded: &Graded, redactor: &Redactor) -> Vec<Lane> {
    let traffic = Traffic::index(recording);
    let mut broke: HashMap<u64, Vec<String>> = HashMap::new();
    for (seq, id) in &graded.violations {
        let ids = broke.entry(*seq).or_default();
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    let mut lanes: Vec<Lane> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (i, call) in traffic.calls.iter().enumerate() {
        let view = &traffic.views[i];
        let id = match (&view.reads, &view.executes, &view.execution_id) {
            (Some(read), _, _) => read.clone(),
            (None, Some(_), Some(created)) => created.clone(),
            _ => continue,
        };
        // An execute answered with an id seen before (a mock that answers
        // one id to every execute) starts a lane of its own.
        let created = view.reads.is_none();
        if created && by_id.contains_key(&id) {
            by_id.remove(&id);
        }
        let at = *by_id.entry(id.clone()).or_insert_with(|| {
            lanes.push(Lane {
                execution_id: redactor.redact(&id),
                ..Lane::default()
            });
            lanes.len() - 1
        });
        let lane = &mut lanes[at];
        if lane.conversation_id.is_none() {
            lane.conversation_id = view.conversation_id.clone();
        }
        let status = view.execution_status.clone();
        if lane.terminal.is_none() && view.reads.is_some() {
            lane.terminal = status
                .clone()
                .filter(|s| TERMINAL_STATUSES.contains(&s.as_str()));
        }
        lane.events.push(LaneEvent {
            seq: call.seq,
            at_ms: call.at.as_secs_f64() * 1000.0,
            method: call.method.clone(),
            path: redactor.redact(&call.path),
            status: call.status_code(),
            execution_status: status,
            violations: broke.remove(&call.seq).unwrap_or_default(),
            presented: call.presented.clone(),
        });
    }
    lanes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::traffic::sample::{get, post, recording};

    #[test]
    fn an_id_accepted_again_starts_a_lane_of_its_own() {
        let m = r#"{"message":"a"}"#;
        let rec = recording(vec![
            post(0, m, "e1"),
            get(300, "e1", "completed"),
            post(400, m, "e1"),
            get(700, "e1", "completed"),
        ]);
        let graded = Graded::default();
        let lanes = lanes(&rec, &graded, &Redactor::default());
        let seqs: Vec<Vec<u64>> = lanes
            .iter()
            .map(|l| l.events.iter().map(|e| e.seq).collect())
            .collect();
        assert_eq!(seqs, [vec![0, 1], vec![2, 3]]);
    }

    #[test]
    fn each_execution_gets_its_lane_with_its_violations() {
        let rec = recording(vec![
            post(0, r#"{"message":"a"}"#, "e1"),
            get(300, "e1", "completed"),
            get(310, "e1", "completed"),
            get(400, "zz", "completed"),
        ]);
        let graded = Graded {
            results: Vec::new(),
            violations: vec![
                (2, "client::stops-at-terminal".into()),
                (2, "client::poll-interval".into()),
            ],
            ..Graded::default()
        };
        let lanes = lanes(&rec, &graded, &Redactor::default());
        assert_eq!(lanes.len(), 2);
        assert_eq!(lanes[0].execution_id, "e1");
        assert_eq!(lanes[0].terminal.as_deref(), Some("completed"));
        assert_eq!(lanes[0].conversation_id.as_deref(), Some("conv_e1"));
        let seqs: Vec<u64> = lanes[0].events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [0, 1, 2]);
        assert_eq!(lanes[0].events[2].violations.len(), 2);
        assert_eq!(lanes[1].execution_id, "zz");
    }
}
