#!/usr/bin/env python3
"""Fails when files of src/ import each other in a cycle (non-test code).

An edge A -> B means that A's code (comments, doc comments and `#[cfg(test)]` modules left
out) names a path that resolves to the module defined by B: `crate::a::b::Item`,
`super::x::Item`, `self::x::Item`, `child::Item` (a child module of the file's own), or a
`use` of them. `mod x;` declarations are not edges;
`pub use x::Item` re-exports are. The crate root (src/lib.rs) is left out: it declares and
re-exports everything. Prints each cycle and exits 1, or prints a summary and exits 0.

    python3 scripts/check-module-cycles.py [SRC_DIR]
"""
import os
import re
import sys

src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
src = os.path.normpath(src)


def module_of(path):
    """src/a/b.rs and src/a/b/mod.rs -> ('a', 'b')."""
    rel = os.path.relpath(path, src)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib"):
        rel = rel[:-1]
    return tuple(rel)


files = {}
for root, _, names in os.walk(src):
    for n in names:
        if n.endswith(".rs"):
            p = os.path.join(root, n)
            files[module_of(p)] = p


def strip(text):
    """Code without comments, string contents and `#[cfg(test)]` items."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i)
            i = n if j < 0 else j + 2
        elif text[i] == '"' and not (i > 0 and text[i - 1] == "'"):
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        elif text.startswith("r#\"", i):
            j = text.find('"#', i + 3)
            out.append('""')
            i = n if j < 0 else j + 2
        else:
            out.append(text[i])
            i += 1
    code = "".join(out)
    # Drop #[cfg(test)] items: the attribute, then up to the end of the item (`;` or the
    # matching close brace).
    while True:
        m = re.search(r"#\[cfg\(test\)\]", code)
        if not m:
            break
        j = m.end()
        depth = 0
        while j < len(code):
            c = code[j]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    j += 1
                    break
            elif c == ";" and depth == 0:
                j += 1
                break
            j += 1
        code = code[: m.start()] + code[j:]
    return code


def expand_use_groups(code):
    """`a::{b, c::{d}}` -> `a::b a::c::d` (enough for path extraction)."""
    pat = re.compile(r"((?:[A-Za-z_][A-Za-z0-9_]*::)+)\{([^{}]*)\}")
    while True:
        new = pat.sub(
            lambda m: " ".join(m.group(1) + part.strip() for part in m.group(2).split(",") if part.strip()),
            code,
        )
        if new == code:
            return code
        code = new


def inline_modules(code):
    """(start, end, name) of every inline `mod name { … }` block."""
    found = []
    for m in re.finditer(r"\bmod\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{", code):
        depth, j = 0, m.end() - 1
        while j < len(code):
            if code[j] == "{":
                depth += 1
            elif code[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        found.append((m.start(), j, m.group(1)))
    return found


def module_at(here, blocks, pos):
    """The module a position of a file's code is in, inline modules included."""
    names = [name for start, end, name in sorted(blocks) if start < pos < end]
    return here + tuple(names)


def resolve(here, path):
    """The module a path names, as the longest prefix that is a file's module."""
    parts = path.split("::")
    if parts[0] == "crate":
        base, rest = (), parts[1:]
    elif parts[0] in ("super", "self"):
        base = here
        # A file's own module is `here`; `super` is its parent.
        while parts and parts[0] in ("super", "self"):
            if parts[0] == "super":
                base = base[:-1]
            parts = parts[1:]
        rest = parts
    else:
        return None
    best = None
    for k in range(len(rest) + 1):
        cand = base + tuple(rest[:k])
        if cand in files:
            best = cand
    return best


edges = {m: set() for m in files}
for mod, path in files.items():
    if mod == ():
        continue
    with open(path, encoding="utf-8") as f:
        code = expand_use_groups(strip(f.read()))
    blocks = inline_modules(code)
    for m in re.finditer(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)", code):
        target = resolve(module_at(mod, blocks, m.start()), m.group(1))
        if target is not None and target != mod and target != ():
            edges[mod].add(target)
    # Paths relative to the file's own module (`use child::Item`, `child::f()`): a first
    # segment that names a child module, not preceded by `::`.
    for m in re.finditer(r"(?<![:\w])([a-z_][a-z0-9_]*)((?:::[A-Za-z_][A-Za-z0-9_]*)+)", code):
        if mod + (m.group(1),) in files:
            target = resolve(mod, "self::" + m.group(1) + m.group(2))
            if target is not None and target != mod:
                edges[mod].add(target)

# Tarjan's strongly connected components.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(comp)


sys.setrecursionlimit(10000)
for v in sorted(edges):
    if v not in index:
        visit(v)


def name(m):
    return os.path.relpath(files[m], os.path.dirname(src))


if sccs:
    for comp in sccs:
        members = set(comp)
        print("import cycle among: " + ", ".join(sorted(name(m) for m in comp)))
        for m in sorted(comp):
            for t in sorted(edges[m] & members):
                print(f"    {name(m)} -> {name(t)}")
    sys.exit(1)
print(f"no import cycles among {len(files)} files of {os.path.relpath(src)}")
