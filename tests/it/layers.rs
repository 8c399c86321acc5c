//! One direction of dependency: each module of `src/` may use only modules of
//! a lower layer (the README's module table). Read from the sources: every
//! `crate::<module>` path in a file of another module is checked.

use std::collections::BTreeMap;
use std::path::Path;

/// The layers, bottom first; a module may use the layers below its own and
/// nothing beside it: the stages (ingest, store, billing, reconcile, report)
/// depend only on `domain` and `config`; `deliver` sends what the store's
/// outbox holds; `jobs` runs the stages; `cli` parses the command line.
pub const LAYERS: [&[&str]; 6] = [
    &["domain", "safe_fs", "parallel"],
    &["config", "schedule"],
    &["ingest", "store", "billing", "reconcile", "report"],
    &["deliver"],
    &["jobs", "generate"],
    &["cli"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The part of a line before a `//` comment that is not inside a string.
fn code_part(line: &str) -> &str {
    let (mut in_string, mut escaped, mut prev) = (false, false, ' ');
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '/' if !in_string && prev == '/' => return &line[..i - 1],
            _ => {}
        }
        prev = c;
    }
    line
}

/// The module a path used in `code` names at the crate's top level: every
/// `crate::x`, and every `super::…::x` that climbs out of the file's module
/// (`depth` = how many modules deep the line is, inline `mod` blocks counted).
fn used_modules(code: &str, depth: usize) -> Vec<String> {
    let name = |rest: &str| rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
    let mut out: Vec<String> = code.split("crate::").skip(1).map(name).collect();
    let mut rest = code;
    while let Some(at) = rest.find("super::") {
        let preceded = rest[..at].chars().last().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
        let mut tail = &rest[at..];
        let mut climbs = 0;
        while let Some(t) = tail.strip_prefix("super::") {
            climbs += 1;
            tail = t;
        }
        if !preceded && climbs >= depth {
            out.push(name(tail));
        }
        rest = tail;
    }
    out
}

#[test]
fn no_module_uses_a_module_of_its_own_or_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unknown = Vec::new();
    let mut checked = 0;
    for f in all {
        let rel = f.strip_prefix(&src).unwrap();
        if rel == Path::new("lib.rs") || rel == Path::new("main.rs") {
            continue; // the crate root declares the modules; main calls cli
        }
        let module = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        let Some(own) = layer(&module) else {
            unknown.push(rel.display().to_string());
            continue;
        };
        // How many modules deep the file is: src/a.rs and src/a/mod.rs are 1.
        let base = rel.components().count() - usize::from(rel.ends_with("mod.rs"));
        let mut inline: Vec<usize> = Vec::new();
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = code_part(line);
            let indent = line.len() - line.trim_start().len();
            let trimmed = code.trim();
            if inline.last() == Some(&indent) && trimmed == "}" {
                inline.pop();
            }
            for used in used_modules(code, base + inline.len()) {
                checked += 1;
                if used == module {
                    continue;
                }
                match layer(&used) {
                    Some(l) if l < own => {}
                    _ => wrong.entry(format!("{module} → {used}")).or_default().push(format!(
                        "{}:{}",
                        rel.display(),
                        i + 1
                    )),
                }
            }
            if (trimmed.starts_with("mod ") || trimmed.starts_with("pub mod ")) && trimmed.ends_with('{') {
                inline.push(indent);
            }
        }
    }
    assert!(unknown.is_empty(), "files of a module no layer lists (add it to LAYERS and the README): {unknown:?}");
    assert!(checked > 200, "the sources were read: {checked} paths");
    assert!(wrong.is_empty(), "imports that run up (or across) a layer:\n{wrong:#?}");
}

#[test]
fn the_checker_sees_paths_past_strings_and_through_super() {
    assert_eq!(
        code_part(r#"let u = "http://x"; crate::jobs::run(); // crate::cli"#),
        r#"let u = "http://x"; crate::jobs::run(); "#
    );
    assert_eq!(used_modules("use super::super::jobs::x;", 2), ["jobs"]);
    assert!(used_modules("use super::super::print::x;", 3).is_empty(), "inside the module");
    assert_eq!(used_modules("crate::store::Store", 1), ["store"]);
}
