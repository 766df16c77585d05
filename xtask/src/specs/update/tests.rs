use super::{Origin, parse_args, parse_spec, update};
use crate::specs::sha256_hex;
use std::path::{Path, PathBuf};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SPEC: &str =
    r#"{"openapi": "3.1.0", "paths": {}, "components": {"schemas": {"A": {"type": "object"}}}}"#;

/// A project root with a `sources.toml` of two specs (`follow` pointing at `follow`).
fn project(follow: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("specs")).expect("specs dir");
    let sources = format!(
        r#"# Pinned specs.

[[spec]]
name = "demo"
file = "demo/openapi.json"
# Where it comes from.
url = "https://example.invalid/old/openapi.json"
sha256 = "00"
follow = "{follow}"

[[spec]]
name = "other"
file = "other/openapi.yaml"
url = "https://example.invalid/other.yaml"
sha256 = "11"
"#
    );
    std::fs::write(dir.path().join("specs/sources.toml"), sources).expect("sources");
    dir
}

fn sources(root: &Path) -> String {
    std::fs::read_to_string(root.join("specs/sources.toml")).expect("sources")
}

fn spec_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("spec file");
    path
}

#[tokio::test]
async fn file_is_vendored_and_pinned_keeping_comments_and_other_entries() {
    let root = project("https://example.invalid/main/openapi.json");
    let file = spec_file(root.path(), "new.json", SPEC);
    let origin = Origin::File {
        path: file.clone(),
        url: None,
    };
    let u = update(root.path(), "demo", &origin).await.expect("update");
    assert_eq!(u.sha256, sha256_hex(SPEC.as_bytes()));
    assert_eq!(u.old_sha256, "00");
    let vendored = std::fs::read_to_string(root.path().join("specs/vendor/demo/openapi.json"))
        .expect("vendored");
    assert_eq!(vendored, SPEC);
    let text = sources(root.path());
    assert!(text.contains("# Pinned specs."), "{text}");
    assert!(
        text.contains("# Where it comes from.\nurl = \"file://"),
        "{text}"
    );
    assert!(
        text.contains(&format!("sha256 = \"{}\"", u.sha256)),
        "{text}"
    );
    assert!(
        text.contains("sha256 = \"11\""),
        "the other entry is untouched: {text}"
    );

    // With --url too, the published URL is pinned.
    let origin = Origin::File {
        path: file,
        url: Some("https://example.invalid/abc/openapi.json".into()),
    };
    update(root.path(), "demo", &origin).await.expect("update");
    assert!(sources(root.path()).contains("url = \"https://example.invalid/abc/openapi.json\""));
}

#[tokio::test]
async fn url_and_follow_are_fetched() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/pinned/openapi.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(SPEC))
        .mount(&server)
        .await;
    let follow_spec = SPEC.replace("\"A\"", "\"B\"");
    Mock::given(method("GET"))
        .and(path("/main/openapi.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(follow_spec.clone()))
        .mount(&server)
        .await;
    let root = project(&format!("{}/main/openapi.json", server.uri()));

    let url = format!("{}/pinned/openapi.json", server.uri());
    let u = update(root.path(), "demo", &Origin::Url(url.clone()))
        .await
        .expect("update from --url");
    assert_eq!(u.sha256, sha256_hex(SPEC.as_bytes()));
    assert!(sources(root.path()).contains(&format!("url = \"{url}\"")));

    let u = update(root.path(), "demo", &Origin::Follow)
        .await
        .expect("update from follow");
    assert_eq!(u.sha256, sha256_hex(follow_spec.as_bytes()));
    assert_eq!(u.url, format!("{}/main/openapi.json", server.uri()));
    let vendored = std::fs::read_to_string(root.path().join("specs/vendor/demo/openapi.json"))
        .expect("vendored");
    assert_eq!(vendored, follow_spec);
}

#[tokio::test]
async fn bad_urls_are_clear_errors_and_change_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let root = project("https://example.invalid/main/openapi.json");
    let before = sources(root.path());
    let cases = [
        ("not a url".to_owned(), "is not a valid URL"),
        (
            "ftp://example.invalid/x.json".to_owned(),
            "only http and https",
        ),
        (format!("{}/missing.json", server.uri()), "HTTP 404"),
    ];
    for (url, expected) in cases {
        let err = update(root.path(), "demo", &Origin::Url(url.clone()))
            .await
            .expect_err("must fail");
        let err = format!("{err:#}");
        assert!(err.contains(expected), "{url}: {err}");
    }
    // Nothing listens on a port just released by a bound listener.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("http://127.0.0.1:{port}/openapi.json");
    let err = update(root.path(), "demo", &Origin::Url(url.clone()))
        .await
        .expect_err("connection refused");
    assert!(
        format!("{err:#}").contains(&format!("fetching {url}")),
        "{err:#}"
    );
    assert_eq!(sources(root.path()), before);
    assert!(!root.path().join("specs/vendor").exists());
}

#[tokio::test]
async fn a_file_that_is_not_a_spec_is_refused() {
    let root = project("https://example.invalid/main/openapi.json");
    let cases = [
        ("hello.json", "hello", "not JSON"),
        (
            "other.json",
            r#"{"swagger": "2.0"}"#,
            "neither an OpenAPI document",
        ),
        (
            "old.json",
            r#"{"openapi": "2.0", "components": {"schemas": {}}}"#,
            "only OpenAPI 3",
        ),
        (
            "bare.json",
            r#"{"openapi": "3.1.0", "paths": {}}"#,
            "without components.schemas",
        ),
    ];
    for (name, text, expected) in cases {
        let file = spec_file(root.path(), name, text);
        let origin = Origin::File {
            path: file,
            url: None,
        };
        let err = update(root.path(), "demo", &origin)
            .await
            .expect_err("must fail");
        let err = format!("{err:#}");
        assert!(
            err.contains("is not a spec regen can read for `demo`"),
            "{err}"
        );
        assert!(err.contains(expected), "{name}: {err}");
    }
    let missing = Origin::File {
        path: root.path().join("absent.json"),
        url: None,
    };
    let err = update(root.path(), "demo", &missing)
        .await
        .expect_err("missing");
    assert!(format!("{err:#}").contains("absent.json"), "{err:#}");
}

#[tokio::test]
async fn an_unknown_name_lists_the_known_ones() {
    let root = project("https://example.invalid/main/openapi.json");
    let err = update(root.path(), "opena1", &Origin::Follow)
        .await
        .expect_err("unknown");
    assert_eq!(
        err.to_string(),
        "no spec named `opena1` in specs/sources.toml (known: demo, other)"
    );
    let err = update(root.path(), "other", &Origin::Follow)
        .await
        .expect_err("no follow");
    assert!(err.to_string().contains("has no `follow` URL"), "{err}");
}

#[test]
fn yaml_specs_parse_as_yaml_and_discovery_documents_are_recognised() {
    let yaml = "openapi: 3.1.0\ncomponents:\n  schemas:\n    A: {type: object}\n";
    let doc = parse_spec("m/openapi.yaml", yaml.as_bytes()).expect("YAML spec");
    assert_eq!(doc["components"]["schemas"]["A"]["type"], "object");
    assert!(
        parse_spec("m/openapi.json", yaml.as_bytes()).is_err(),
        "regen reads .json as JSON"
    );
    let discovery = r#"{"discoveryVersion": "v1", "schemas": {"A": {"type": "object"}}}"#;
    parse_spec("g/discovery.json", discovery.as_bytes()).expect("discovery");
}

#[test]
fn arguments() {
    let args = |s: &str| -> Vec<String> { s.split_whitespace().map(str::to_owned).collect() };
    assert_eq!(
        parse_args(&args("openai")).expect("follow"),
        ("openai".to_owned(), Origin::Follow)
    );
    assert_eq!(
        parse_args(&args("openai --url http://x/y")).expect("url").1,
        Origin::Url("http://x/y".into())
    );
    assert_eq!(
        parse_args(&args("openai --file f.json --url http://x/y"))
            .expect("file")
            .1,
        Origin::File {
            path: "f.json".into(),
            url: Some("http://x/y".into())
        }
    );
    assert!(parse_args(&args("")).is_err());
    assert!(parse_args(&args("openai --url")).is_err());
    assert!(parse_args(&args("openai --zip x")).is_err());
}
