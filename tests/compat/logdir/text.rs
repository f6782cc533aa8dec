//! Text: Markdown, lists and tables, through the writer, a scope and a merged step.
//!
//! Manifest section "text": `{tag: [{"step": s, "contains": [html fragment, ...]}]}`; the
//! check asserts each fragment appears in the HTML TensorBoard renders for that step.

use std::path::Path;

use serde_json::json;
use tensorboard_writer::SummaryWriter;

use crate::{Error, Manifest};

pub fn text(logdir: &Path, m: &mut Manifest) -> Result<(), Error> {
    let run = "text";
    let w = SummaryWriter::new(logdir.join(run))?;
    for step in 0..3u32 {
        w.add_text("notes", &format!("step **{step}**: lr = `1e-3`"), step)?;
        m.point(
            run,
            "text",
            "notes",
            json!({"step": step, "contains": [format!("<strong>{step}</strong>"), "<code>1e-3</code>"]}),
        );
    }
    w.add_text_list("list", &["alpha", "*beta*"], 0u32)?;
    m.point(
        run,
        "text",
        "list",
        json!({"step": 0, "contains": ["<table", "alpha", "<em>beta</em>"]}),
    );
    w.add_text_table(
        "table",
        &[["class", "recall"], ["cat", "0.93"], ["dog", "0.88"]],
        0u32,
    )?;
    m.point(
        run,
        "text",
        "table",
        json!({"step": 0, "contains": ["<table", "<td><p>cat</p></td>", "<td><p>0.88</p></td>"]}),
    );
    let eval = w.scope("eval")?;
    eval.step(5u32)
        .text("summary", "# Done\nfinal accuracy 0.99")
        .scalar("accuracy", 0.99f32)
        .write()?;
    m.point(
        run,
        "text",
        "eval/summary",
        json!({"step": 5, "contains": ["<h1>Done</h1>", "final accuracy 0.99"]}),
    );
    m.expect(run, "eval/accuracy", 5, 0.99, None);
    w.close()?;
    Ok(())
}
