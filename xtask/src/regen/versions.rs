//! `cargo xtask versions`: each generated crate's version against the API change report, as
//! the version policy (CONTRIBUTING.md, "Versions") says — pre-1.0, a breaking change raises
//! the minor version, a compatible one the patch version — and a CHANGELOG.md entry for the
//! version.
//!
//! What a version shipped is the `api-summary.json` of the first commit that has that version
//! (from git history: no release tags needed). Two checks per crate:
//! 1. the summary now against that baseline: any change since needs a new version;
//! 2. after a bump, the summary now against the previous version's baseline: the bump must be
//!    at least what the report requires.

use super::summary::{self, ApiSummary};
use super::{anthropic, crate_name, gemini, openai, report};
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

pub fn run(args: &[String]) -> Result<()> {
    if !args.is_empty() {
        bail!("usage: cargo xtask versions");
    }
    check(&crate::project_root())
}

/// The checks on the repository at `root`.
fn check(root: &Path) -> Result<()> {
    let root = root.to_path_buf();
    if git(&root, &["rev-parse", "--is-shallow-repository"])?.trim() == "true" {
        bail!(
            "versions: a shallow clone has no history to find what each version shipped (fetch with --unshallow)"
        );
    }
    let mut failures = Vec::new();
    for api in [&openai::API, &anthropic::API, &gemini::API] {
        let name = crate_name(api.crate_dir);
        let groups: Vec<&str> = api.groups.iter().map(|g| g.name).collect();
        let manifest = format!("{}/Cargo.toml", api.crate_dir);
        let summary_path = format!("{}/src/generated/{}", api.crate_dir, summary::FILE);
        let read =
            |p: &str| std::fs::read_to_string(root.join(p)).with_context(|| format!("reading {p}"));
        let version = version_of(&read(&manifest)?, &read("Cargo.toml")?)?;
        let current = ApiSummary::from_json(&read(&summary_path)?)?;

        // (commit, version, summary) for every commit touching the files, oldest first.
        let log = git(
            &root,
            &[
                "log",
                "--topo-order",
                "--reverse",
                "--format=%H",
                "--",
                &manifest,
                "Cargo.toml",
                &summary_path,
            ],
        )?;
        let mut history = Vec::new();
        for commit in log.lines() {
            let show = |p: &str| git_show(&root, commit, p);
            let (Some(summary), Some(m), Some(ws)) =
                (show(&summary_path)?, show(&manifest)?, show("Cargo.toml")?)
            else {
                continue;
            };
            history.push((commit.to_owned(), version_of(&m, &ws)?, summary));
        }
        let first_of = |v: &Version| history.iter().find(|(_, hv, _)| hv == v);
        let compare = |text: &str| -> Result<(usize, usize)> {
            let old = ApiSummary::from_json(text)?;
            Ok(report::diff(name, Some(&old), &current, &groups).counts())
        };

        match first_of(&version) {
            Some((commit, _, text)) => {
                let (breaking, compatible) = compare(text)?;
                println!(
                    "versions: {name} {version}: since {} (its first commit): {breaking} breaking, {compatible} compatible",
                    &commit[..12]
                );
                if breaking + compatible > 0 {
                    failures.push(format!(
                        "{name} {version}: the API changed since {version} was set ({breaking} breaking, {compatible} compatible): set {} and add the report (`cargo xtask regen` writes target/regen-report.md) to {}/CHANGELOG.md",
                        version.next(breaking > 0),
                        api.crate_dir
                    ));
                }
            }
            None => println!("versions: {name} {version}: new, not committed yet"),
        }
        // The previous version: the last one in history before this one.
        let before_current = history
            .iter()
            .position(|(_, v, _)| *v == version)
            .unwrap_or(history.len());
        if let Some((_, previous, _)) = history[..before_current]
            .iter()
            .rev()
            .find(|(_, v, _)| *v != version)
            && let Some((commit, _, text)) = first_of(previous)
        {
            let (breaking, compatible) = compare(text)?;
            let required = previous.next(breaking > 0);
            println!(
                "versions: {name} {previous} → {version}: since {} ({previous}): {breaking} breaking, {compatible} compatible; needs at least {required}",
                &commit[..12]
            );
            if breaking + compatible > 0 && version < required {
                failures.push(format!(
                    "{name}: {previous} → {version} is not enough for {breaking} breaking, {compatible} compatible changes: at least {required}"
                ));
            }
        }
        let changelog = read(&format!("{}/CHANGELOG.md", api.crate_dir)).unwrap_or_default();
        if !changelog
            .lines()
            .any(|l| l.starts_with(&format!("## {version}")))
        {
            failures.push(format!(
                "{name} {version}: {}/CHANGELOG.md has no `## {version}` entry",
                api.crate_dir
            ));
        }
    }
    if failures.is_empty() {
        println!("versions: every generated crate's version matches its API changes");
        Ok(())
    } else {
        bail!("versions:\n  {}", failures.join("\n  "))
    }
}

/// `major.minor.patch` (a pre-release or build suffix is ignored).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Version(u64, u64, u64);

impl Version {
    fn parse(text: &str) -> Result<Version> {
        let core = text.split(['-', '+']).next().unwrap_or(text);
        let parts: Vec<u64> = core
            .split('.')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .with_context(|| format!("version `{text}`"))?;
        match parts[..] {
            [major, minor, patch] => Ok(Version(major, minor, patch)),
            _ => bail!("version `{text}` is not major.minor.patch"),
        }
    }

    /// The smallest version after this one that a breaking (or only compatible) change needs:
    /// pre-1.0 breaking → minor, compatible → patch; from 1.0 breaking → major, compatible →
    /// minor.
    fn next(self, breaking: bool) -> Version {
        let Version(major, minor, patch) = self;
        match (major, breaking) {
            (0, true) => Version(0, minor + 1, 0),
            (0, false) => Version(0, minor, patch + 1),
            (_, true) => Version(major + 1, 0, 0),
            (_, false) => Version(major, minor + 1, 0),
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The package's version, following `version.workspace = true` to the workspace's.
fn version_of(manifest: &str, workspace: &str) -> Result<Version> {
    let manifest: toml::Table = toml::from_str(manifest).context("parsing Cargo.toml")?;
    let version = manifest
        .get("package")
        .and_then(|p| p.get("version"))
        .context("no package.version")?;
    if let Some(v) = version.as_str() {
        return Version::parse(v);
    }
    let workspace: toml::Table =
        toml::from_str(workspace).context("parsing the workspace's Cargo.toml")?;
    let v = workspace
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .context("no workspace.package.version")?;
    Version::parse(v)
}

fn git(root: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .context("running git")?;
    if !out.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8(out.stdout).context("git output is not UTF-8")
}

/// A file at a commit; `None` when it did not exist there.
fn git_show(root: &Path, commit: &str, path: &str) -> Result<Option<String>> {
    let out = Command::new("git")
        .current_dir(root)
        .args(["show", &format!("{commit}:{path}")])
        .output()
        .context("running git")?;
    if !out.status.success() {
        return Ok(None);
    }
    Ok(Some(String::from_utf8(out.stdout).context("not UTF-8")?))
}

#[cfg(test)]
mod tests {
    use super::Version;
    use std::path::Path;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .current_dir(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }

    fn write(dir: &Path, path: &str, text: &str) {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// A repository with the three generated crates at `0.1.0`, one type each.
    fn repository() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        git(root, &["init", "-q"]);
        write(
            root,
            "Cargo.toml",
            "[workspace.package]\nversion = \"0.1.0\"\n",
        );
        for api in [
            &super::openai::API,
            &super::anthropic::API,
            &super::gemini::API,
        ] {
            let c = api.crate_dir;
            write(
                root,
                &format!("{c}/Cargo.toml"),
                "[package]\nversion.workspace = true\n",
            );
            write(
                root,
                &format!("{c}/CHANGELOG.md"),
                "# Changelog\n\n## 0.1.0\n",
            );
            write(
                root,
                &format!("{c}/src/generated/api-summary.json"),
                r#"{"spec":"s","sha256":"0","types":{"Kept":{"kind":"struct","groups":["error"]},"Gone":{"kind":"struct","groups":["error"]}}}"#,
            );
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-qm", "0.1.0"]);
        dir
    }

    #[test]
    fn a_breaking_change_needs_a_minor_bump() {
        if Command::new("git").arg("--version").output().is_err() {
            eprintln!("SKIPPED a_breaking_change_needs_a_minor_bump: no git");
            return;
        }
        let dir = repository();
        let root = dir.path();
        super::check(root).expect("nothing changed: passes");

        // A type removed (breaking), the version unchanged: fails, naming 0.2.0.
        let crate_dir = super::openai::API.crate_dir;
        let summary = format!("{crate_dir}/src/generated/api-summary.json");
        write(
            root,
            &summary,
            r#"{"spec":"s","sha256":"1","types":{"Kept":{"kind":"struct","groups":["error"]}}}"#,
        );
        let error = format!(
            "{:#}",
            super::check(root).expect_err("unchanged minor fails")
        );
        assert!(error.contains("set 0.2.0"), "{error}");

        // Only the patch raised: still fails (committed, so 0.1.1 has a baseline).
        let manifest = format!("{crate_dir}/Cargo.toml");
        write(root, &manifest, "[package]\nversion = \"0.1.1\"\n");
        write(
            root,
            &format!("{crate_dir}/CHANGELOG.md"),
            "## 0.1.1\n\n## 0.1.0\n",
        );
        git(root, &["add", "-A"]);
        git(root, &["commit", "-qm", "patch only"]);
        let error = format!(
            "{:#}",
            super::check(root).expect_err("a patch bump is not enough")
        );
        assert!(error.contains("at least 0.2.0"), "{error}");

        // The minor raised, with its CHANGELOG entry: passes.
        write(root, &manifest, "[package]\nversion = \"0.2.0\"\n");
        write(
            root,
            &format!("{crate_dir}/CHANGELOG.md"),
            "## 0.2.0\n\n## 0.1.1\n",
        );
        super::check(root).expect("0.2.0 passes");
        git(root, &["add", "-A"]);
        git(root, &["commit", "-qm", "0.2.0"]);
        super::check(root).expect("0.2.0 committed passes");
    }

    #[test]
    fn bumps_follow_the_policy() {
        let v = Version::parse("0.1.3").expect("parses");
        assert_eq!(v.next(true), Version(0, 2, 0));
        assert_eq!(v.next(false), Version(0, 1, 4));
        let v = Version::parse("1.4.2-rc.1").expect("parses");
        assert_eq!(v.next(true), Version(2, 0, 0));
        assert_eq!(v.next(false), Version(1, 5, 0));
        assert!(Version(0, 1, 9) < Version(0, 2, 0));
        assert!(Version::parse("1.2").is_err());
    }
}
