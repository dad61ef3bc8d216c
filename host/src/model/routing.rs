use serde::{Deserialize, Serialize};

use super::{MemberId, ReportField, Tlp};

/// A byte range of a text field to mask.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    pub field: ReportField,
    pub start: u32,
    pub end: u32,
}

/// One operation that removes information from a recipient's view.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Redaction {
    DropIndicator(u32),
    MaskSpan(Span),
    DropField(ReportField),
    RaiseTlp(Tlp),
}

/// Members who receive the same view at the same time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryGroup {
    pub recipients: Vec<MemberId>,
    #[serde(default)]
    pub redactions: Vec<Redaction>,
    #[serde(default)]
    pub delay_seconds: u32,
}

/// A sanitised copy for another community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forward {
    pub community: String,
    #[serde(default)]
    pub redactions: Vec<Redaction>,
}

/// Who receives a report, what each group sees and when, and where copies go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    #[serde(default)]
    pub groups: Vec<DeliveryGroup>,
    #[serde(default)]
    pub forwards: Vec<Forward>,
}

impl Routing {
    /// The same routing in a canonical order (recipients sorted, groups sorted by
    /// their recipients), so that two routings deciding the same thing compare equal
    /// whatever order a plugin built them in.
    pub fn canonical(&self) -> Routing {
        let mut groups = self.groups.clone();
        for group in &mut groups {
            group.recipients.sort_unstable();
        }
        groups.sort_by(|a, b| {
            a.recipients
                .cmp(&b.recipients)
                .then(a.delay_seconds.cmp(&b.delay_seconds))
        });
        let mut forwards = self.forwards.clone();
        forwards.sort_by(|a, b| a.community.cmp(&b.community));
        Routing { groups, forwards }
    }
}
