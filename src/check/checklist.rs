//! The vendor's homologation checklist, as stable ids a check can point at.

use serde::Deserialize;

/// One item of the "Homologation checklist" of the API reference, plus one
/// bucket for documented behaviour the checklist does not name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ChecklistItem {
    ValidKey,
    ActiveEntryPoint,
    AttendantAvailable,
    #[serde(rename = "execute-202")]
    Execute202,
    ExecutionStatus,
    DocumentedBehaviour,
}

impl ChecklistItem {
    /// Every item, in the order the vendor lists them.
    pub const ALL: [ChecklistItem; 6] = [
        ChecklistItem::ValidKey,
        ChecklistItem::ActiveEntryPoint,
        ChecklistItem::AttendantAvailable,
        ChecklistItem::Execute202,
        ChecklistItem::ExecutionStatus,
        ChecklistItem::DocumentedBehaviour,
    ];

    /// The id used in check files and reports.
    pub fn id(self) -> &'static str {
        match self {
            ChecklistItem::ValidKey => "valid-key",
            ChecklistItem::ActiveEntryPoint => "active-entry-point",
            ChecklistItem::AttendantAvailable => "attendant-available",
            ChecklistItem::Execute202 => "execute-202",
            ChecklistItem::ExecutionStatus => "execution-status",
            ChecklistItem::DocumentedBehaviour => "documented-behaviour",
        }
    }

    /// The item's text, as the vendor's checklist words it.
    pub fn text(self) -> &'static str {
        match self {
            ChecklistItem::ValidKey => "Valid key copied from the dashboard.",
            ChecklistItem::ActiveEntryPoint => {
                "Correct and active entryPointId present in the URL."
            }
            ChecklistItem::AttendantAvailable => {
                "Entry point with an attendant/agent configured and available."
            }
            ChecklistItem::Execute202 => {
                "POST returning 202 with executionId in the homologation environment."
            }
            ChecklistItem::ExecutionStatus => {
                "GET query returning completed, failed, or superseded correctly."
            }
            ChecklistItem::DocumentedBehaviour => {
                "Documented behaviour outside the checklist (errors, latest-wins, response shape)."
            }
        }
    }
}

/// What a client check evidences: an item of the vendor's checklist, or
/// one of the page's "Best practices", on which `client` judges the
/// integrator's backend (`run` keeps [`ChecklistItem`] alone).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, schemars::JsonSchema,
)]
pub enum ClientItem {
    #[serde(rename = "valid-key")]
    ValidKey,
    #[serde(rename = "active-entry-point")]
    ActiveEntryPoint,
    #[serde(rename = "attendant-available")]
    AttendantAvailable,
    #[serde(rename = "execute-202")]
    Execute202,
    #[serde(rename = "execution-status")]
    ExecutionStatus,
    #[serde(rename = "documented-behaviour")]
    DocumentedBehaviour,
    /// "Do not expose the key in the public frontend. Keep the key only in
    /// your integration backend."
    #[serde(rename = "practice::key-in-backend")]
    KeyInBackend,
    /// "Treat the POST as asynchronous and check the execution using the
    /// returned executionId."
    #[serde(rename = "practice::asynchronous")]
    Asynchronous,
    /// "Send the same conversationId to preserve the latest-wins policy."
    #[serde(rename = "practice::latest-wins")]
    LatestWins,
    /// "Monitor 401 and 403 errors to detect invalid keys or inactive accounts."
    #[serde(rename = "practice::monitor-401-403")]
    Monitor401403,
    /// Reading an execution politely: not in a tight loop, not past its
    /// end, honouring Retry-After (what "check the execution" implies).
    #[serde(rename = "practice::polite-polling")]
    PolitePolling,
}

impl ClientItem {
    /// The best practices a client is always judged on, in the page's order.
    pub const PRACTICES: [ClientItem; 5] = [
        ClientItem::KeyInBackend,
        ClientItem::Asynchronous,
        ClientItem::LatestWins,
        ClientItem::Monitor401403,
        ClientItem::PolitePolling,
    ];

    /// Every item: the vendor's checklist, then the practices.
    pub const ALL: [ClientItem; 11] = [
        ClientItem::ValidKey,
        ClientItem::ActiveEntryPoint,
        ClientItem::AttendantAvailable,
        ClientItem::Execute202,
        ClientItem::ExecutionStatus,
        ClientItem::DocumentedBehaviour,
        ClientItem::KeyInBackend,
        ClientItem::Asynchronous,
        ClientItem::LatestWins,
        ClientItem::Monitor401403,
        ClientItem::PolitePolling,
    ];

    /// The vendor's checklist item this is, if it is one.
    pub fn checklist(self) -> Option<ChecklistItem> {
        Some(match self {
            ClientItem::ValidKey => ChecklistItem::ValidKey,
            ClientItem::ActiveEntryPoint => ChecklistItem::ActiveEntryPoint,
            ClientItem::AttendantAvailable => ChecklistItem::AttendantAvailable,
            ClientItem::Execute202 => ChecklistItem::Execute202,
            ClientItem::ExecutionStatus => ChecklistItem::ExecutionStatus,
            ClientItem::DocumentedBehaviour => ChecklistItem::DocumentedBehaviour,
            _ => return None,
        })
    }

    /// The id used in check files and reports (`practice::latest-wins`).
    pub fn id(self) -> &'static str {
        match self {
            ClientItem::KeyInBackend => "practice::key-in-backend",
            ClientItem::Asynchronous => "practice::asynchronous",
            ClientItem::LatestWins => "practice::latest-wins",
            ClientItem::Monitor401403 => "practice::monitor-401-403",
            ClientItem::PolitePolling => "practice::polite-polling",
            item => item.checklist().map_or("", ChecklistItem::id),
        }
    }

    /// The check that alone evidences this item, when the others passing
    /// says nothing of it: latest-wins is practised only by a follow-up
    /// sent with the conversationId an answer gave; recognising a
    /// superseded execution does not show that the client continues its
    /// conversations.
    pub fn evidenced_only_by(self) -> Option<&'static str> {
        match self {
            ClientItem::LatestWins => Some("client::conversation-from-api"),
            _ => None,
        }
    }

    /// The item's text, as the vendor's page words it.
    pub fn text(self) -> &'static str {
        match self {
            ClientItem::KeyInBackend => {
                "Do not expose the key in the public frontend; keep it only in your integration backend."
            }
            ClientItem::Asynchronous => {
                "Treat the POST as asynchronous and check the execution using the returned executionId."
            }
            ClientItem::LatestWins => {
                "Send the same conversationId to preserve the latest-wins policy per conversation."
            }
            ClientItem::Monitor401403 => {
                "Monitor 401 and 403 errors to detect invalid keys or inactive accounts."
            }
            ClientItem::PolitePolling => {
                "Check the execution politely: stop at its terminal status, honour Retry-After, no tight loop."
            }
            item => item.checklist().map_or("", ChecklistItem::text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_items_name_the_checklist_and_the_practices() {
        for item in ChecklistItem::ALL {
            let client = ClientItem::ALL
                .iter()
                .find(|c| c.checklist() == Some(item))
                .unwrap();
            assert_eq!(client.id(), item.id());
        }
        for practice in ClientItem::PRACTICES {
            assert!(practice.id().starts_with("practice::"));
            assert!(practice.checklist().is_none());
        }
    }
}
