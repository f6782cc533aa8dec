//! `projector_config.pbtxt`: the `ProjectorConfig` message (`projector_config.proto`) in
//! protobuf text format, written and read by hand.
//!
//! The writer emits one field per line with two-space indents. The reader accepts what the
//! protobuf text format allows for this message, so that configs written by TensorFlow,
//! tensorboardX or by hand are kept when an embedding is added: `#` comments, `:` before a
//! message (optional), `{}` or `<>` around messages, `,` or `;` after a field, list syntax for
//! repeated numbers (`tensor_shape: [100, 8]`), single or double quotes, adjacent strings
//! (concatenated), C escapes (`\n \t \" \\ \ooo \xHH \uHHHH \UHHHHHHHH` and the rest) and
//! decimal, hexadecimal or octal integers. A field this message does not have is an error:
//! a config this crate cannot read is never overwritten.

use std::fmt::Write as _;

/// `SpriteMetadata`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Sprite {
    pub(crate) image_path: String,
    pub(crate) single_image_dim: Vec<u32>,
}

/// `EmbeddingInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Info {
    pub(crate) tensor_name: String,
    pub(crate) metadata_path: String,
    pub(crate) bookmarks_path: String,
    pub(crate) tensor_shape: Vec<u32>,
    pub(crate) sprite: Option<Sprite>,
    pub(crate) tensor_path: String,
}

/// `ProjectorConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Config {
    pub(crate) model_checkpoint_path: String,
    pub(crate) embeddings: Vec<Info>,
    pub(crate) model_checkpoint_dir: String,
}

/// The name the projector plugin compares tensor names by (`_canonical_tensor_name`, after
/// the `:0` suffix it strips on load): `name:0` for a name without a `:`.
pub(crate) fn canonical_name(name: &str) -> String {
    let name = name.strip_suffix(":0").unwrap_or(name);
    if name.contains(':') {
        name.to_owned()
    } else {
        format!("{name}:0")
    }
}

impl Config {
    /// Adds `info`, replacing every embedding the plugin would take for the same tensor.
    pub(crate) fn upsert(&mut self, info: Info) {
        let key = canonical_name(&info.tensor_name);
        let first = self
            .embeddings
            .iter()
            .position(|e| canonical_name(&e.tensor_name) == key);
        self.embeddings
            .retain(|e| canonical_name(&e.tensor_name) != key);
        match first {
            Some(i) => self.embeddings.insert(i.min(self.embeddings.len()), info),
            None => self.embeddings.push(info),
        }
    }

    /// The text format, one field per line.
    pub(crate) fn to_text(&self) -> String {
        let mut out = String::new();
        if !self.model_checkpoint_path.is_empty() {
            field_str(
                &mut out,
                0,
                "model_checkpoint_path",
                &self.model_checkpoint_path,
            );
        }
        for e in &self.embeddings {
            out.push_str("embeddings {\n");
            field_str(&mut out, 1, "tensor_name", &e.tensor_name);
            field_str(&mut out, 1, "tensor_path", &e.tensor_path);
            for d in &e.tensor_shape {
                let _ = writeln!(out, "  tensor_shape: {d}");
            }
            field_str(&mut out, 1, "metadata_path", &e.metadata_path);
            field_str(&mut out, 1, "bookmarks_path", &e.bookmarks_path);
            if let Some(s) = &e.sprite {
                out.push_str("  sprite {\n");
                field_str(&mut out, 2, "image_path", &s.image_path);
                for d in &s.single_image_dim {
                    let _ = writeln!(out, "    single_image_dim: {d}");
                }
                out.push_str("  }\n");
            }
            out.push_str("}\n");
        }
        if !self.model_checkpoint_dir.is_empty() {
            field_str(
                &mut out,
                0,
                "model_checkpoint_dir",
                &self.model_checkpoint_dir,
            );
        }
        out
    }

    /// Parses a config; the error says what is wrong and on which line.
    pub(crate) fn parse(text: &str) -> Result<Config, String> {
        let mut p = Parser {
            s: text.as_bytes(),
            pos: 0,
        };
        let mut config = Config::default();
        loop {
            p.skip_ws();
            if p.pos == p.s.len() {
                return Ok(config);
            }
            let name = p.ident()?;
            match name.as_str() {
                "model_checkpoint_path" => config.model_checkpoint_path = p.string_field()?,
                "model_checkpoint_dir" => config.model_checkpoint_dir = p.string_field()?,
                "embeddings" => {
                    let close = p.open_message()?;
                    config.embeddings.push(p.info(close)?);
                }
                _ => return Err(p.err(&format!("unknown ProjectorConfig field {name:?}"))),
            }
            p.separator();
        }
    }
}

/// Appends `name: "value"` at `depth` (nothing for an empty value, the proto3 default).
fn field_str(out: &mut String, depth: usize, name: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    for _ in 0..depth {
        out.push_str("  ");
    }
    out.push_str(name);
    out.push_str(": \"");
    escape_into(out, value);
    out.push_str("\"\n");
}

/// Text-format string escaping: `"` and `\` backslashed, `\n \r \t` by name, every other
/// byte outside printable ASCII (control characters and each byte of a non-ASCII
/// character) as a three-digit octal escape, which every text-format parser reads back.
pub(crate) fn escape_into(out: &mut String, value: &str) {
    for &b in value.as_bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7E => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> String {
        let line = 1 + self.s[..self.pos.min(self.s.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        format!("line {line}: {what}")
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    /// Skips whitespace and `#` comments.
    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else if b == b'#' {
                while let Some(b) = self.peek() {
                    self.pos += 1;
                    if b == b'\n' {
                        break;
                    }
                }
            } else {
                break;
            }
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// An optional `,` or `;` after a field.
    fn separator(&mut self) {
        if !self.eat(b',') {
            self.eat(b';');
        }
    }

    fn ident(&mut self) -> Result<String, String> {
        self.skip_ws();
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b.is_ascii_alphanumeric() || b == b'_' {
                self.pos += 1;
            } else {
                break;
            }
        }
        if start == self.pos {
            return Err(self.err("expected a field name"));
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.pos]).into_owned())
    }

    /// `[:] {` or `[:] <`; returns the closing delimiter.
    fn open_message(&mut self) -> Result<u8, String> {
        self.eat(b':');
        if self.eat(b'{') {
            Ok(b'}')
        } else if self.eat(b'<') {
            Ok(b'>')
        } else {
            Err(self.err("expected '{' or '<' to open a message"))
        }
    }

    fn string_field(&mut self) -> Result<String, String> {
        if !self.eat(b':') {
            return Err(self.err("expected ':' after a string field name"));
        }
        self.string()
    }

    /// One or more adjacent quoted strings, unescaped and concatenated, as UTF-8.
    fn string(&mut self) -> Result<String, String> {
        self.skip_ws();
        let mut bytes = Vec::new();
        let mut any = false;
        while let Some(q @ (b'"' | b'\'')) = self.peek() {
            any = true;
            self.pos += 1;
            loop {
                let Some(b) = self.peek() else {
                    return Err(self.err("unterminated string"));
                };
                self.pos += 1;
                match b {
                    b'\n' => return Err(self.err("newline inside a string")),
                    b'\\' => self.escape(&mut bytes)?,
                    _ if b == q => break,
                    _ => bytes.push(b),
                }
            }
            self.skip_ws();
        }
        if !any {
            return Err(self.err("expected a quoted string"));
        }
        String::from_utf8(bytes).map_err(|_| self.err("string is not valid UTF-8"))
    }

    /// The escape after a backslash, appended to `out`.
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
        let Some(c) = self.peek() else {
            return Err(self.err("unterminated escape"));
        };
        self.pos += 1;
        let simple = match c {
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0C),
            b'v' => Some(0x0B),
            b'"' | b'\'' | b'\\' | b'?' => Some(c),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            return Ok(());
        }
        match c {
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                let b = u8::try_from(v).map_err(|_| self.err("octal escape above \\377"))?;
                out.push(b);
            }
            b'x' | b'X' => {
                let v = self.hex_digits(1, 2)?;
                out.push(v as u8);
            }
            b'u' | b'U' => {
                let n = if c == b'u' { 4 } else { 8 };
                let v = self.hex_digits(n, n)?;
                let ch = char::from_u32(v).ok_or_else(|| self.err("bad unicode escape"))?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            _ => return Err(self.err(&format!("unknown escape \\{}", char::from(c)))),
        }
        Ok(())
    }

    fn hex_digits(&mut self, min: usize, max: usize) -> Result<u32, String> {
        let mut v = 0u32;
        let mut n = 0;
        while n < max {
            let Some(d) = self.peek().and_then(|b| char::from(b).to_digit(16)) else {
                break;
            };
            v = v * 16 + d;
            self.pos += 1;
            n += 1;
        }
        if n < min {
            return Err(self.err("too few hex digits in an escape"));
        }
        Ok(v)
    }

    /// An unsigned 32-bit integer (decimal, `0x` hexadecimal or `0` octal).
    fn uint(&mut self) -> Result<u32, String> {
        self.skip_ws();
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b.is_ascii_alphanumeric() {
                self.pos += 1;
            } else {
                break;
            }
        }
        let tok = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
        let parsed = if let Some(hex) = tok.strip_prefix("0x").or_else(|| tok.strip_prefix("0X")) {
            u32::from_str_radix(hex, 16)
        } else if tok.len() > 1 && tok.starts_with('0') {
            u32::from_str_radix(&tok[1..], 8)
        } else {
            tok.parse()
        };
        parsed.map_err(|_| self.err(&format!("expected an unsigned 32-bit integer, got {tok:?}")))
    }

    /// `: n` or `: [n, m, ...]`, appended to `out`.
    fn uint_field(&mut self, out: &mut Vec<u32>) -> Result<(), String> {
        if !self.eat(b':') {
            return Err(self.err("expected ':' after an integer field name"));
        }
        if self.eat(b'[') {
            if self.eat(b']') {
                return Ok(());
            }
            loop {
                out.push(self.uint()?);
                if self.eat(b']') {
                    return Ok(());
                }
                if !self.eat(b',') {
                    return Err(self.err("expected ',' or ']' in a list"));
                }
            }
        }
        out.push(self.uint()?);
        Ok(())
    }

    fn info(&mut self, close: u8) -> Result<Info, String> {
        let mut info = Info::default();
        loop {
            if self.eat(close) {
                return Ok(info);
            }
            if self.peek().is_none() {
                return Err(self.err("unterminated embeddings message"));
            }
            let name = self.ident()?;
            match name.as_str() {
                "tensor_name" => info.tensor_name = self.string_field()?,
                "metadata_path" => info.metadata_path = self.string_field()?,
                "bookmarks_path" => info.bookmarks_path = self.string_field()?,
                "tensor_path" => info.tensor_path = self.string_field()?,
                "tensor_shape" => self.uint_field(&mut info.tensor_shape)?,
                "sprite" => {
                    let close = self.open_message()?;
                    // Fields of a repeated sprite message merge, as in protobuf.
                    let mut sprite = info.sprite.take().unwrap_or_default();
                    self.sprite(close, &mut sprite)?;
                    info.sprite = Some(sprite);
                }
                _ => return Err(self.err(&format!("unknown EmbeddingInfo field {name:?}"))),
            }
            self.separator();
        }
    }

    fn sprite(&mut self, close: u8, sprite: &mut Sprite) -> Result<(), String> {
        loop {
            if self.eat(close) {
                return Ok(());
            }
            if self.peek().is_none() {
                return Err(self.err("unterminated sprite message"));
            }
            let name = self.ident()?;
            match name.as_str() {
                "image_path" => sprite.image_path = self.string_field()?,
                "single_image_dim" => self.uint_field(&mut sprite.single_image_dim)?,
                _ => return Err(self.err(&format!("unknown SpriteMetadata field {name:?}"))),
            }
            self.separator();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str) -> Info {
        Info {
            tensor_name: name.into(),
            tensor_path: format!("{name}/tensors.tsv"),
            tensor_shape: vec![3, 2],
            ..Info::default()
        }
    }

    #[test]
    fn round_trip_with_awkward_strings() {
        let config = Config {
            model_checkpoint_path: "ckpt/model".into(),
            embeddings: vec![
                Info {
                    tensor_name: "wörds \"quoted\" \\ back\ttab\nnl:00001".into(),
                    metadata_path: "a/metadata.tsv".into(),
                    bookmarks_path: "a/b.json".into(),
                    tensor_shape: vec![10, 4],
                    sprite: Some(Sprite {
                        image_path: "a/sprite.png".into(),
                        single_image_dim: vec![28, 14],
                    }),
                    tensor_path: "a/tensors.tsv".into(),
                },
                info("x"),
            ],
            model_checkpoint_dir: "dir".into(),
        };
        let text = config.to_text();
        assert!(text.is_ascii(), "{text}");
        // ö is C3 B6 in UTF-8: octal 303 266.
        assert!(text.contains(r#"tensor_name: "w\303\266rds \"quoted\" \\ back\ttab\nnl:00001""#));
        assert_eq!(Config::parse(&text).unwrap(), config);
    }

    #[test]
    fn parses_other_writers_syntax() {
        let text = "# written by hand\n\
            model_checkpoint_path: 'm'\n\
            embeddings: < tensor_name: \"a\" 'b' tensor_shape: [0x10, 010, 3]; sprite { image_path: \"s\\x41\\101\\u00e9\" }, \
            sprite { single_image_dim: 5 single_image_dim: 6 } >\n\
            embeddings {}";
        let c = Config::parse(text).unwrap();
        assert_eq!(c.model_checkpoint_path, "m");
        assert_eq!(c.embeddings.len(), 2);
        let e = &c.embeddings[0];
        assert_eq!(e.tensor_name, "ab");
        assert_eq!(e.tensor_shape, [16, 8, 3]);
        let s = e.sprite.as_ref().unwrap();
        assert_eq!(s.image_path, "sAAé");
        assert_eq!(s.single_image_dim, [5, 6]);
        assert_eq!(c.embeddings[1], Info::default());
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn rejects_what_it_cannot_keep() {
        for (text, want) in [
            (
                "embeddings { foo: 1 }",
                "unknown EmbeddingInfo field \"foo\"",
            ),
            ("bar: \"x\"", "unknown ProjectorConfig field"),
            ("embeddings { tensor_name: \"a }", "unterminated string"),
            ("embeddings { tensor_shape: -1 }", "unsigned 32-bit"),
            ("embeddings { tensor_shape: 4294967296 }", "unsigned 32-bit"),
            (
                "embeddings {\n\n tensor_name: x }",
                "line 3: expected a quoted string",
            ),
            ("embeddings { tensor_name: \"\\xff\" }", "not valid UTF-8"),
            ("embeddings { tensor_name: \"a\"", "unterminated embeddings"),
            ("embeddings tensor_name", "expected '{'"),
            (
                "embeddings { sprite { image_path: \"\\q\" } }",
                "unknown escape",
            ),
        ] {
            let e = Config::parse(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn upsert_replaces_by_canonical_name() {
        let mut c = Config::default();
        c.upsert(info("a:00001"));
        c.upsert(info("b:00001"));
        c.upsert(info("plain"));
        let mut again = info("a:00001");
        again.tensor_shape = vec![7, 7];
        c.upsert(again.clone());
        // "plain:0" is the same tensor as "plain" for the plugin.
        c.upsert(info("plain:0"));
        let names: Vec<_> = c
            .embeddings
            .iter()
            .map(|e| e.tensor_name.as_str())
            .collect();
        assert_eq!(names, ["a:00001", "b:00001", "plain:0"]);
        assert_eq!(c.embeddings[0], again);
    }
}
