//! `cargo xtask specs --update NAME [--url URL | --file PATH [--url URL]]`: moves one pin.
//!
//! Fetches the source's `follow` URL (its moving branch), `--url`, or copies `--file`; checks
//! that the bytes parse as the spec format regen reads; vendors them into `specs/vendor/`; and
//! rewrites the source's `url` and `sha256` in `specs/sources.toml`, keeping its comments.
//! `--file PATH --url URL` vendors a file downloaded elsewhere and pins the URL it came from.

use super::sha256_hex;
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml_edit::{DocumentMut, value};

/// Where the new spec comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// The source's `follow` URL in `sources.toml`.
    Follow,
    Url(String),
    /// A local file; `url` is where it was published (pinned), if known.
    File {
        path: PathBuf,
        url: Option<String>,
    },
}

/// What `--update` did.
#[derive(Debug)]
pub struct Updated {
    pub name: String,
    pub file: String,
    pub url: String,
    pub old_sha256: String,
    pub sha256: String,
    pub bytes: usize,
}

pub const USAGE: &str =
    "usage: cargo xtask specs --update NAME [--url URL | --file PATH [--url URL]]";

/// Parses the arguments after `--update`.
pub fn parse_args(rest: &[String]) -> Result<(String, Origin)> {
    let Some((name, mut flags)) = rest.split_first() else {
        bail!("{USAGE}");
    };
    let (mut url, mut file) = (None, None);
    while let Some((flag, tail)) = flags.split_first() {
        let Some((arg, tail)) = tail.split_first() else {
            bail!("{flag} needs a value\n{USAGE}");
        };
        match flag.as_str() {
            "--url" if url.is_none() => url = Some(arg.clone()),
            "--file" if file.is_none() => file = Some(PathBuf::from(arg)),
            _ => bail!("unexpected argument `{flag}`\n{USAGE}"),
        }
        flags = tail;
    }
    let origin = match (url, file) {
        (None, None) => Origin::Follow,
        (Some(url), None) => Origin::Url(url),
        (url, Some(path)) => Origin::File { path, url },
    };
    Ok((name.clone(), origin))
}

/// Runs the update in the project at `root` (`specs/sources.toml`, `specs/vendor/`).
pub async fn update(root: &Path, name: &str, origin: &Origin) -> Result<Updated> {
    let sources_path = root.join("specs/sources.toml");
    let text = std::fs::read_to_string(&sources_path)
        .with_context(|| format!("reading {}", sources_path.display()))?;
    let mut doc: DocumentMut = text
        .parse()
        .with_context(|| format!("parsing {}", sources_path.display()))?;
    let entry = find_entry(&mut doc, name)?;
    let get = |key: &str| entry.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let file = get("file").with_context(|| format!("spec `{name}` has no `file`"))?;
    let old_sha256 = get("sha256").unwrap_or_default();

    let (bytes, pinned_url) = match origin {
        Origin::Follow => {
            let follow = get("follow").with_context(|| {
                format!(
                    "spec `{name}` has no `follow` URL in specs/sources.toml: pass --url or --file"
                )
            })?;
            (download(&follow).await?, follow)
        }
        Origin::Url(url) => (download(url).await?, url.clone()),
        Origin::File { path, url } => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let url = match url {
                Some(url) => url.clone(),
                None => format!("file://{}", absolute(path).display()),
            };
            (bytes, url)
        }
    };
    let source_label = match origin {
        Origin::File { path, .. } => path.display().to_string(),
        _ => pinned_url.clone(),
    };
    let parsed = parse_spec(&file, &bytes)
        .with_context(|| format!("{source_label} is not a spec regen can read for `{name}`"))?;
    if let Some(api) = crate::regen::front_end(name) {
        // A spec that parses but lacks an operation or schema the front end names: vendor it
        // anyway (the front end is what has to change), but say so now rather than in regen.
        if let Err(e) = crate::regen::check_spec(api, &parsed) {
            eprintln!("warning: `cargo xtask regen` will fail on this spec: {e:#}");
        }
    }

    let sha256 = sha256_hex(&bytes);
    let target = root.join("specs/vendor").join(&file);
    write_atomically(&target, &bytes)?;
    entry["url"] = value(pinned_url.as_str());
    entry["sha256"] = value(sha256.as_str());
    write_atomically(&sources_path, doc.to_string().as_bytes())?;
    Ok(Updated {
        name: name.to_owned(),
        file,
        url: pinned_url,
        old_sha256,
        sha256,
        bytes: bytes.len(),
    })
}

fn find_entry<'d>(doc: &'d mut DocumentMut, name: &str) -> Result<&'d mut toml_edit::Table> {
    let specs = doc
        .get_mut("spec")
        .and_then(|s| s.as_array_of_tables_mut())
        .context("specs/sources.toml has no [[spec]] entries")?;
    let known: Vec<String> = specs
        .iter()
        .filter_map(|t| t.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .collect();
    specs
        .iter_mut()
        .find(|t| t.get("name").and_then(|n| n.as_str()) == Some(name))
        .with_context(|| {
            format!(
                "no spec named `{name}` in specs/sources.toml (known: {})",
                known.join(", ")
            )
        })
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Parses the bytes as the pinned file is read: JSON for `.json` (what regen reads), YAML for
/// `.yaml`/`.yml`; the document must be an OpenAPI 3 spec with `components.schemas` or a
/// Google discovery document with `schemas`. Returns it as JSON.
pub fn parse_spec(file: &str, bytes: &[u8]) -> Result<Value> {
    let doc: Value = if file.ends_with(".yaml") || file.ends_with(".yml") {
        serde_norway::from_slice(bytes).context("not YAML")?
    } else {
        serde_json::from_slice(bytes).context("not JSON")?
    };
    let openapi = doc.get("openapi").and_then(Value::as_str);
    let discovery = doc.get("discoveryVersion").and_then(Value::as_str);
    match (openapi, discovery) {
        (Some(version), _) => {
            if !version.starts_with('3') {
                bail!("OpenAPI {version}: only OpenAPI 3.x is supported");
            }
            if doc
                .pointer("/components/schemas")
                .and_then(Value::as_object)
                .is_none()
            {
                bail!("an OpenAPI document without components.schemas");
            }
        }
        (None, Some(_)) => {
            if doc.get("schemas").and_then(Value::as_object).is_none() {
                bail!("a discovery document without schemas");
            }
        }
        (None, None) => {
            bail!(
                "neither an OpenAPI document (no `openapi` key) nor a discovery document (no `discoveryVersion`)"
            )
        }
    }
    Ok(doc)
}

/// GET with redirects followed; any status but 2xx is an error naming it.
pub async fn download(url: &str) -> Result<Vec<u8>> {
    let parsed = reqwest::Url::parse(url).with_context(|| format!("`{url}` is not a valid URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        bail!("`{url}`: only http and https URLs can be fetched (use --file for a local file)");
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .user_agent("aigw-xtask")
        .build()
        .context("building the HTTP client")?;
    let response = client
        .get(parsed)
        .send()
        .await
        .with_context(|| format!("fetching {url}"))?;
    let status = response.status();
    if !status.is_success() {
        bail!("fetching {url}: HTTP {status}");
    }
    let body = response
        .bytes()
        .await
        .with_context(|| format!("reading the body of {url}"))?;
    Ok(body.to_vec())
}

/// Writes to a temporary name and renames, so an interrupted run leaves the old file intact.
fn write_atomically(target: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let partial = target.with_extension("partial");
    std::fs::write(&partial, bytes).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, target).with_context(|| format!("renaming to {}", target.display()))
}

/// `cargo xtask specs --update ...`.
pub fn run(rest: &[String]) -> Result<()> {
    let (name, origin) = parse_args(rest)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let root = crate::project_root();
    let u = runtime.block_on(update(&root, &name, &origin))?;
    if u.old_sha256 == u.sha256 {
        println!(
            "specs: {} unchanged ({} bytes, sha256 {})",
            u.name, u.bytes, u.sha256
        );
        return Ok(());
    }
    println!("specs: {} {} ({} bytes)", u.name, u.file, u.bytes);
    println!("  url    {}", u.url);
    println!("  sha256 {} → {}", u.old_sha256, u.sha256);
    println!(
        "specs: pinned in specs/sources.toml and vendored; next: `cargo xtask regen` (prints the API change report)"
    );
    Ok(())
}

#[cfg(test)]
mod tests;
