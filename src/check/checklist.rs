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
