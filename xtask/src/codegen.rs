//! The one writer every generator goes through: in normal mode it updates files whose text
//! changed, in `--check` mode it only compares and reports (rust-analyzer's
//! `ensure_file_contents` habit).

use anyhow::{Context, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Collects generated files and writes or checks them.
pub struct Output {
    check: bool,
    written: Vec<PathBuf>,
    unchanged: usize,
    stale: Vec<String>,
}

impl Output {
    pub fn new(check: bool) -> Self {
        Output {
            check,
            written: Vec::new(),
            unchanged: 0,
            stale: Vec::new(),
        }
    }

    /// Ensures `path` holds exactly `contents`.
    pub fn ensure(&mut self, path: &Path, contents: &str) -> Result<()> {
        let current = std::fs::read_to_string(path).ok();
        if current.as_deref() == Some(contents) {
            self.unchanged += 1;
            return Ok(());
        }
        if self.check {
            let what = match current {
                None => "missing".to_owned(),
                Some(old) => first_difference(&old, contents),
            };
            self.stale.push(format!("{}: {what}", display(path)));
            return Ok(());
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))?;
        self.written.push(path.to_path_buf());
        Ok(())
    }

    /// Removes (or, in check mode, reports) files in `dir` that the generator did not produce.
    pub fn remove_others(&mut self, dir: &Path, produced: &BTreeSet<PathBuf>) -> Result<()> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(());
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.is_file() && !produced.contains(&path) {
                if self.check {
                    self.stale
                        .push(format!("{}: not produced by the generator", display(&path)));
                } else {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("removing {}", path.display()))?;
                    println!("removed {}", display(&path));
                }
            }
        }
        Ok(())
    }

    /// Prints the summary; in check mode fails when anything differs.
    pub fn finish(self) -> Result<()> {
        if self.check {
            if self.stale.is_empty() {
                println!(
                    "regen --check: {} generated files up to date",
                    self.unchanged
                );
                return Ok(());
            }
            eprintln!(
                "regen --check: {} generated file(s) not up to date:",
                self.stale.len()
            );
            for line in &self.stale {
                eprintln!("  {line}");
            }
            let hint = if std::env::var_os("CI").is_some() {
                "run `cargo xtask regen` locally and commit the result"
            } else {
                "run `cargo xtask regen`"
            };
            anyhow::bail!("generated code is stale: {hint}");
        }
        for path in &self.written {
            println!("updated {}", display(path));
        }
        println!(
            "regen: {} files written, {} unchanged",
            self.written.len(),
            self.unchanged
        );
        Ok(())
    }
}

fn display(path: &Path) -> String {
    let root = crate::project_root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// "line N differs: `old` vs `new`" for the first differing line.
fn first_difference(old: &str, new: &str) -> String {
    let mut old_lines = old.lines();
    let mut new_lines = new.lines();
    let mut n = 0;
    loop {
        n += 1;
        match (old_lines.next(), new_lines.next()) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(a), Some(b)) => {
                return format!(
                    "line {n} differs: on disk `{}`, generated `{}`",
                    clip(a),
                    clip(b)
                );
            }
            (Some(_), None) => return format!("on disk has extra lines from line {n}"),
            (None, Some(_)) => return format!("generated has extra lines from line {n}"),
            (None, None) => return "differs in line endings".to_owned(),
        }
    }
}

fn clip(line: &str) -> String {
    let line = line.trim();
    if line.chars().count() > 60 {
        format!("{}…", line.chars().take(60).collect::<String>())
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::{Output, first_difference};
    use std::collections::BTreeSet;

    /// A fresh directory, removed when the returned guard is dropped.
    fn scratch_dir() -> tempfile::TempDir {
        tempfile::tempdir().expect("temp dir")
    }

    #[test]
    fn check_mode_fails_on_a_changed_line_and_write_mode_repairs_it() {
        let dir = scratch_dir();
        let file = dir.path().join("gen.rs");
        let text = "// @generated\npub struct A;\n";
        Output::new(false).ensure(&file, text).expect("write");
        let mut check = Output::new(true);
        check.ensure(&file, text).expect("compare");
        assert!(check.finish().is_ok(), "fresh file passes");

        std::fs::write(&file, "// @generated\npub struct B;\n").expect("edit");
        let mut check = Output::new(true);
        check.ensure(&file, text).expect("compare");
        let err = check.finish().expect_err("stale file fails");
        assert!(err.to_string().contains("stale"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&file).expect("read"),
            "// @generated\npub struct B;\n"
        );

        Output::new(false).ensure(&file, text).expect("rewrite");
        assert_eq!(std::fs::read_to_string(&file).expect("read"), text);
    }

    #[test]
    fn files_the_generator_no_longer_produces_are_reported_then_removed() {
        let dir = scratch_dir();
        let dir = dir.path();
        std::fs::write(dir.join("old.rs"), "x").expect("write");
        let mut check = Output::new(true);
        check.remove_others(dir, &BTreeSet::new()).expect("scan");
        assert!(check.finish().is_err());
        let mut write = Output::new(false);
        write.remove_others(dir, &BTreeSet::new()).expect("remove");
        assert!(!dir.join("old.rs").exists());
    }

    #[test]
    fn reports_first_differing_line() {
        assert_eq!(
            first_difference("a\nb\nc", "a\nx\nc"),
            "line 2 differs: on disk `b`, generated `x`"
        );
        assert_eq!(
            first_difference("a\n", "a\nb\n"),
            "generated has extra lines from line 2"
        );
    }
}
