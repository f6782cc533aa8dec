//! Writing a graph: [`SummaryWriter::add_graph`] and its variants.

use prost::Message;

use crate::error::Result;
use crate::proto::{Event, GraphDef, event};
use crate::writer::{Step, SummaryWriter};

use super::builder::GraphBuilder;
use super::names::check_graph_def;

impl SummaryWriter {
    /// Writes `graph` as this run's graph, shown in the Graphs dashboard (a `graph_def`
    /// event at step 0, like TensorFlow's and PyTorch's writers). Checks it first
    /// ([`GraphBuilder::build`]); on error nothing is written. The writer's scope does not
    /// apply: node names are written as built. To replace a graph already written to the
    /// run, use [`add_graph_at`](Self::add_graph_at) with a higher step.
    pub fn add_graph(&self, graph: &GraphBuilder) -> Result<()> {
        self.add_graph_at(graph, 0i64)
    }

    /// Like [`add_graph`](Self::add_graph), at `step`. TensorBoard shows the graph with the
    /// highest step. Two graphs at the same step make the loaders disagree (the Python
    /// loader keeps the first, the Rust one the last), and so does a graph at a lower step
    /// than an earlier one: give each new graph a higher step.
    ///
    /// ```
    /// # use tensorboard_writer::summary::graph::GraphBuilder;
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let g = GraphBuilder::new();
    /// let x = g.node("x", "Placeholder").add()?;
    /// writer.add_graph(&g)?; // step 0
    /// g.scope("head")?.node("Softmax", "Softmax").input(&x).add()?;
    /// writer.add_graph_at(&g, 1000u32)?; // shown instead of the first
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_graph_at(&self, graph: &GraphBuilder, step: impl Step) -> Result<()> {
        self.add_graph_def(&graph.build()?, step)
    }

    /// Writes a `GraphDef` made elsewhere as this run's graph at `step` (0 unless it replaces
    /// an earlier graph, see [`add_graph_at`](Self::add_graph_at)), after checking it as
    /// [`add_graph`](Self::add_graph) does: nodes present, the [name rules],
    /// unique names, control inputs last and inputs that name nodes of the graph. The graph
    /// is written as given (set `versions` yourself).
    ///
    /// ```
    /// use tensorboard_writer::proto::{GraphDef, NodeDef};
    /// # let dir = tempfile::tempdir()?;
    /// # let writer = tensorboard_writer::SummaryWriter::new(dir.path())?;
    /// let node = |name: &str, op: &str, input: &[&str]| NodeDef {
    ///     name: name.into(),
    ///     op: op.into(),
    ///     input: input.iter().map(|s| s.to_string()).collect(),
    ///     ..Default::default()
    /// };
    /// let mut graph = GraphDef {
    ///     node: vec![node("x", "Placeholder", &[]), node("y/Relu", "Relu", &["x"])],
    ///     ..Default::default()
    /// };
    /// writer.add_graph_def(&graph, 0u32)?;
    /// graph.node[1].input = vec!["z".into()];
    /// assert!(writer.add_graph_def(&graph, 1u32).is_err()); // "z" names no node
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// [name rules]: crate::summary::graph#name-rules
    pub fn add_graph_def(&self, graph: &GraphDef, step: impl Step) -> Result<()> {
        let step = step.to_step()?;
        check_graph_def(graph)?;
        self.write_event(&Event {
            wall_time: crate::clock::precise(),
            step,
            source_metadata: None,
            what: Some(event::What::GraphDef(graph.encode_to_vec())),
        })
    }
}
