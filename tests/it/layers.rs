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
    &["domain", "safe_fs"],
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

#[test]
fn no_module_uses_a_module_of_its_own_or_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut checked = 0;
    for f in all {
        let rel = f.strip_prefix(&src).unwrap();
        let module = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        let Some(own) = layer(&module) else { continue };
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for part in code.split("crate::").skip(1) {
                let used: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
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
        }
    }
    assert!(checked > 200, "the sources were read: {checked} paths");
    assert!(wrong.is_empty(), "imports that run up (or across) a layer:\n{wrong:#?}");
}
