//! [`SessionStatus`]: how a trial ended.

use crate::proto::hparams as pb;

/// How a session ended, as the HParams dashboard shows (and filters) it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    /// Unknown: what TensorBoard also shows for a session with no end record.
    Unknown,
    /// The trial finished normally.
    Success,
    /// The trial failed.
    Failure,
    /// Still running. The end record cannot be replaced later, so this stays the status
    /// TensorBoard shows for the run.
    Running,
}

impl SessionStatus {
    /// The name TensorBoard shows (`STATUS_SUCCESS` …) without its prefix: `success` ….
    pub fn name(self) -> &'static str {
        match self {
            SessionStatus::Unknown => "unknown",
            SessionStatus::Success => "success",
            SessionStatus::Failure => "failure",
            SessionStatus::Running => "running",
        }
    }

    /// The status a session end record holds (what the reader returns).
    pub(crate) fn from_proto(status: pb::Status) -> SessionStatus {
        match status {
            pb::Status::Success => SessionStatus::Success,
            pb::Status::Failure => SessionStatus::Failure,
            pb::Status::Running => SessionStatus::Running,
            _ => SessionStatus::Unknown,
        }
    }

    pub(super) fn to_proto(self) -> pb::Status {
        match self {
            SessionStatus::Unknown => pb::Status::Unknown,
            SessionStatus::Success => pb::Status::Success,
            SessionStatus::Failure => pb::Status::Failure,
            SessionStatus::Running => pb::Status::Running,
        }
    }
}
