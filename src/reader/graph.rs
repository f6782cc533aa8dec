//! Graphs: the `graph_def` of an event, tagged run metadata, and Keras model configs.

/// What a graph record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GraphKind {
    /// A serialized `GraphDef` (`Event.graph_def`; tag `__run_graph__`, TensorBoard's name).
    GraphDef,
    /// A serialized `RunMetadata`: `Event.tagged_run_metadata` under its own tag, or a
    /// tensor of plugin `graph_run_metadata` or `graph_run_metadata_graph` (what
    /// `tf.summary.trace_export` writes).
    RunMetadata,
    /// A Keras model's JSON config (plugin `graph_keras_model`).
    KerasModel,
}

/// A graph as written: the bytes the Graphs dashboard parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    /// What the bytes are.
    pub kind: GraphKind,
    /// The serialized message (or JSON text for a Keras model).
    pub bytes: Vec<u8>,
}

/// The tag TensorBoard gives a run's `GraphDef`.
pub const RUN_GRAPH_TAG: &str = "__run_graph__";
