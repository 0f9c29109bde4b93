//! The library's module graph, read from its `crate::` paths: which file uses which,
//! so that a unit test can hold the rule that no chain of `crate::` paths in `src/` and
//! `arch/` leads back to where it started (the crate root included: a module that
//! imports what `lib.rs` re-exports depends on the root, which depends on it).
//!
//! A node is a file. `crate::a::b::Item` leads to the file of the longest module prefix
//! (`src/a/b.rs`, `src/a/b/mod.rs` or `src/a.rs`); `crate::arch::...` to every
//! architecture's `mod.rs`; a path that names no module, to `src/lib.rs`. `lib.rs` itself
//! uses its modules by their relative names (`stack::align_down`, `pub use flags::...`).
//! `mod` declarations, `super::` paths and `$crate::` in macros are not uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every file's uses: file -> (file it uses, the path that says so).
pub type Graph = BTreeMap<String, BTreeSet<(String, String)>>;

/// Reads `src/` (without its unit tests' folder) and `arch/` under `root`.
pub fn read(root: &Path) -> Result<Graph, String> {
    let mut files = Vec::new();
    for folder in ["src", "arch"] {
        collect(&root.join(folder), &mut files)?;
    }
    let relative = |path: &Path| path.strip_prefix(root).unwrap_or(path).to_string_lossy().into_owned();
    let mut sources = BTreeMap::new();
    for file in &files {
        let name = relative(file);
        if name.starts_with("src/tests/") {
            continue;
        }
        let text = std::fs::read_to_string(file).map_err(|error| format!("{name}: {error}"))?;
        sources.insert(name, without_comments(&text));
    }
    let modules = module_files(sources.keys());
    let arch_roots: Vec<String> = sources.keys().filter(|name| is_arch_root(name)).cloned().collect();
    let mut graph = Graph::new();
    for (file, text) in &sources {
        let mut uses = BTreeSet::new();
        for path in crate_paths(text) {
            for target in resolve(&path, &modules, &arch_roots) {
                if target != *file {
                    uses.insert((target, format!("crate::{path}")));
                }
            }
        }
        if file == "src/lib.rs" {
            for (module, target) in &modules {
                if !module.contains("::") && !module.is_empty() && uses_relative(text, module) {
                    uses.insert((target.clone(), format!("{module}::")));
                }
            }
            if uses_relative(text, "arch") {
                for target in &arch_roots {
                    uses.insert((target.clone(), "arch::".into()));
                }
            }
        }
        graph.insert(file.clone(), uses);
    }
    Ok(graph)
}

/// The cycles of `graph` (its strongly connected components of more than one file),
/// each with the uses that close it.
pub fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    let names: Vec<&String> = graph.keys().collect();
    let index_of: BTreeMap<&String, usize> = names.iter().enumerate().map(|(index, name)| (*name, index)).collect();
    let edges: Vec<Vec<usize>> = names
        .iter()
        .map(|name| graph[*name].iter().filter_map(|(target, _)| index_of.get(target).copied()).collect())
        .collect();
    let mut components = Vec::new();
    for component in strongly_connected(&edges) {
        if component.len() < 2 {
            continue;
        }
        let members: BTreeSet<&String> = component.iter().map(|&index| names[index]).collect();
        let mut lines = Vec::new();
        for member in &members {
            for (target, path) in &graph[*member] {
                if members.contains(target) {
                    lines.push(format!("{member} -> {target} ({path})"));
                }
            }
        }
        components.push(lines);
    }
    components
}

/// Tarjan's algorithm, iteratively.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let count = edges.len();
    let (mut index, mut low, mut on_stack) = (vec![usize::MAX; count], vec![0; count], vec![false; count]);
    let (mut stack, mut components, mut next) = (Vec::new(), Vec::new(), 0);
    for start in 0..count {
        if index[start] != usize::MAX {
            continue;
        }
        let mut work = vec![(start, 0)];
        while let Some((node, edge)) = work.pop() {
            if edge == 0 {
                index[node] = next;
                low[node] = next;
                next += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&target) = edges[node].get(edge) {
                work.push((node, edge + 1));
                if index[target] == usize::MAX {
                    work.push((target, 0));
                } else if on_stack[target] {
                    low[node] = low[node].min(index[target]);
                }
                continue;
            }
            if low[node] == index[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                components.push(component);
            }
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
        }
    }
    components
}

fn collect(folder: &Path, files: &mut Vec<std::path::PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(folder).map_err(|error| format!("{}: {error}", folder.display()))?;
    for entry in entries {
        let path = entry.map_err(|error| error.to_string())?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    files.sort();
    Ok(())
}

/// `arch/<folder>/mod.rs`: what `crate::arch` is on that architecture.
fn is_arch_root(name: &str) -> bool {
    name.starts_with("arch/") && name.ends_with("/mod.rs") && name.matches('/').count() == 2
}

/// Module path (`sys::file`, `""` for the root) -> file, for `src/`.
fn module_files<'a>(names: impl Iterator<Item = &'a String>) -> BTreeMap<String, String> {
    let mut modules = BTreeMap::new();
    for name in names {
        let Some(inner) = name.strip_prefix("src/").and_then(|rest| rest.strip_suffix(".rs")) else { continue };
        let module = match inner {
            "lib" => String::new(),
            _ => inner.strip_suffix("/mod").unwrap_or(inner).replace('/', "::"),
        };
        modules.insert(module, name.clone());
    }
    modules
}

/// The files `path` (after `crate::`) leads to.
fn resolve(path: &str, modules: &BTreeMap<String, String>, arch_roots: &[String]) -> Vec<String> {
    let segments: Vec<&str> = path.split("::").collect();
    if segments[0] == "arch" {
        return arch_roots.to_vec();
    }
    for length in (1..=segments.len()).rev() {
        if let Some(file) = modules.get(&segments[..length].join("::")) {
            return vec![file.clone()];
        }
    }
    vec![modules[""].clone()]
}

/// Whether `text` names `module::` as a relative path (not `x::module::`, not `$crate`).
fn uses_relative(text: &str, module: &str) -> bool {
    let needle = format!("{module}::");
    text.match_indices(&needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    })
}

/// Every `crate::` path of `text` (braced groups expanded), without the `crate::`.
fn crate_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c == '$' || c.is_alphanumeric() || c == '_') {
            continue;
        }
        expand("", &text[at + "crate::".len()..], &mut paths);
    }
    paths
}

/// Reads one path at the start of `rest` (`a::b`, `a::{b, c::d}`), appending each
/// full path under `prefix`.
fn expand(prefix: &str, rest: &str, out: &mut Vec<String>) -> usize {
    let mut consumed = 0;
    let mut path = prefix.to_string();
    loop {
        let tail = &rest[consumed..];
        if let Some(group) = tail.strip_prefix('{') {
            consumed += 1;
            let mut inner = 0;
            loop {
                let item = group[inner..].trim_start();
                inner += group[inner..].len() - item.len();
                if item.starts_with('}') || item.is_empty() {
                    return consumed + inner + 1;
                }
                inner += expand(&path, item, out);
                let after = group[inner..].trim_start();
                inner += group[inner..].len() - after.len();
                if after.starts_with(',') {
                    inner += 1;
                }
            }
        }
        let word: String = tail.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if word.is_empty() {
            if !path.is_empty() && path != prefix {
                out.push(path.trim_end_matches("::").to_string());
            }
            return consumed;
        }
        consumed += word.len();
        path.push_str(&word);
        if rest[consumed..].starts_with("::") {
            consumed += 2;
            path.push_str("::");
        } else {
            if word != "self" {
                out.push(path);
            } else if !prefix.is_empty() {
                out.push(prefix.trim_end_matches("::").to_string());
            }
            return consumed;
        }
    }
}

/// `text` without `//` comments (doc comments included: their paths are links, not
/// uses). String literals holding `//` do not occur in these files' paths.
fn without_comments(text: &str) -> String {
    text.lines().map(|line| line.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braced_groups_expand_to_every_path() {
        let mut paths = crate_paths("use crate::{errno::Errno, sys::{self, close}, arch};\nlet x = crate::stack::MIN;");
        paths.sort();
        assert_eq!(paths, ["arch", "errno::Errno", "stack::MIN", "sys", "sys::close"]);
        assert!(crate_paths("$crate::print!()").is_empty());
    }

    #[test]
    fn a_cycle_is_found_with_the_uses_that_close_it() {
        let mut graph = Graph::new();
        graph.insert("a".into(), [("b".into(), "crate::b".into())].into());
        graph.insert("b".into(), [("a".into(), "crate::a".into())].into());
        graph.insert("c".into(), [("a".into(), "crate::a".into())].into());
        assert_eq!(cycles(&graph), [["a -> b (crate::b)", "b -> a (crate::a)"]]);
    }
}

#[cfg(test)]
mod repository {
    #[test]
    fn no_chain_of_crate_paths_in_src_and_arch_leads_back_to_its_start() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let graph = super::read(root).unwrap();
        let cycles = super::cycles(&graph);
        assert!(cycles.is_empty(), "cycles of crate:: paths:\n{}", cycles.iter().map(|lines| lines.join("\n")).collect::<Vec<_>>().join("\n\n"));
    }
}
