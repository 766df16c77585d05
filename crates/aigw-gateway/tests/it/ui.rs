//! The dashboard at `/ui`, in a real browser (headless Chromium from the distribution, driven
//! through chromedriver): sign in with the admin key, create a key and read its secret from the
//! page, send traffic with it (one translated request that loses fields), see the spend chart
//! and the request with its losses, revoke the key and see the next request refused in the
//! client's shape. Screenshots of each page go to `target/ui-screenshots/`. Without the admin
//! key `/ui`, its files and its API answer 401.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::webdriver;

use common::*;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const ADMIN: &str = "admin-secret-ui-0123456789";
/// A Chat request to it is translated to Anthropic's Messages API.
const LOSSY: &str = "an/replay:0055-test-mid-conversation-system-prompt-inline-system-supported-0";

fn config(dir: &std::path::Path, mock: &str, compat: &str) -> String {
    let prices = dir.join("prices.toml");
    std::fs::write(
        &prices,
        "[[price]]\nprovider = \"an\"\nmodel = \"replay:*\"\nsince = \"2020-01-01\"\n\
         input = 3.00\noutput = 15.00\n\n\
         [[price]]\nprovider = \"oa\"\nmodel = \"gpt-4o-mini\"\nsince = \"2020-01-01\"\n\
         input = 0.15\noutput = 0.60\n",
    )
    .unwrap();
    let extra = format!(
        "[store]\nurl = \"sqlite://{}\"\nkey_refresh_ms = 50\nspend_flush_ms = 50\n",
        dir.join("aigw.db").display()
    );
    format!(
        "{}\n[pricing]\nfile = \"{}\"\n\n[[routes]]\nmodel = \"mini\"\n\
         targets = [\"oa/gpt-4o-mini\"]\n",
        standard_config(mock, compat, &extra),
        prices.display()
    )
}

fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("ui-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

/// A Chat request for `model` with `key`, and (optionally) fields Anthropic has no place for.
async fn chat(url: &str, key: &str, model: &str, lossy: bool) -> (u16, Value) {
    let mut body = request_body(Client::Chat, model, false, false);
    if lossy {
        body["logprobs"] = json!(true);
        body["seed"] = json!(7);
    }
    let (status, answer, _) = send_read(
        http()
            .post(format!("{url}/v1/chat/completions"))
            .bearer_auth(key)
            .json(&body),
    )
    .await;
    (status, answer)
}

#[tokio::test]
async fn without_the_admin_key_the_dashboard_and_its_api_answer_401() {
    let Some(corpus) = corpus("without_the_admin_key_the_dashboard_and_its_api_answer_401") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let compat = mock(&corpus, true).await;
    let mock = mock(&corpus, false).await;
    let gateway = Gateway::open(
        &config(dir.path(), &mock.url(), &compat.url()),
        &[("AIGW_ADMIN_KEY", ADMIN)],
    )
    .await;
    let url = &gateway.url;
    let http = http();
    for path in [
        "/ui",
        "/ui/",
        "/ui/app.js",
        "/admin/usage?by=day",
        "/admin/requests",
        "/admin/health",
    ] {
        let r = http.get(format!("{url}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
        let r = http
            .get(format!("{url}{path}"))
            .header("cookie", "aigw_admin=wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path} with a wrong cookie");
    }
    // The 401 page is the sign-in form, not the dashboard.
    let login = http.get(format!("{url}/ui")).send().await.unwrap();
    let text = login.text().await.unwrap();
    assert!(text.contains("id=\"admin-key\"") && !text.contains("page-keys"));
    // With the key, as a header or as the cookie the sign-in form sets.
    let r = http
        .get(format!("{url}/ui"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("page-keys"));
    let r = http
        .get(format!("{url}/ui/chart.js"))
        .header("cookie", format!("aigw_admin={ADMIN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let r = http
        .get(format!("{url}/ui/nope.js"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// The admin endpoints the dashboard reads: `/admin/requests` filters and its `loss_list`,
/// `/admin/usage`'s `until`.
#[tokio::test]
async fn the_admin_api_filters_requests_and_bounds_usage_for_the_dashboard() {
    let Some(corpus) = corpus("the_admin_api_filters_requests_and_bounds_usage_for_the_dashboard")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let compat = mock(&corpus, true).await;
    let mock = mock(&corpus, false).await;
    let gateway = Gateway::open(
        &config(dir.path(), &mock.url(), &compat.url()),
        &[("AIGW_ADMIN_KEY", ADMIN)],
    )
    .await;
    let url = &gateway.url;
    // No key in the store: the gateway is open, requests carry no key id.
    assert_eq!(chat(url, "x", "mini", false).await.0, 200);
    assert_eq!(chat(url, "x", LOSSY, true).await.0, 200);
    assert_eq!(chat(url, "x", "nope/nothing", false).await.0, 404);
    let admin = |path: &str| send_read(http().get(format!("{url}/admin{path}")).bearer_auth(ADMIN));
    let ids = |answer: &Value| -> Vec<String> {
        answer["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["requested_model"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, all, _) = admin("/requests").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&all), ["nope/nothing", LOSSY, "mini"], "newest first");
    let (_, lossy, _) = admin("/requests?losses=true").await;
    assert_eq!(ids(&lossy), [LOSSY]);
    let losses = &lossy["data"][0]["loss_list"];
    let seed = losses
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["pointer"] == "/seed")
        .unwrap_or_else(|| panic!("{losses}"));
    assert_eq!(seed["kind"], "dropped");
    assert!(seed["reason"].as_str().unwrap().contains("no equivalent"));
    let (_, clean, _) = admin("/requests?losses=false").await;
    assert_eq!(ids(&clean), ["nope/nothing", "mini"]);
    let (_, errors, _) = admin("/requests?status=4xx").await;
    assert_eq!(ids(&errors), ["nope/nothing"]);
    let (_, ok, _) = admin("/requests?status=200&limit=1").await;
    assert_eq!(ids(&ok), [LOSSY]);
    let (_, by_model, _) = admin("/requests?model=oa/gpt-4o-mini").await;
    assert_eq!(ids(&by_model), ["mini"], "the answering model matches too");
    let (_, by_key, _) = admin("/requests?key=key_nope").await;
    assert!(ids(&by_key).is_empty());
    for bad in [
        "/requests?status=ok",
        "/requests?losses=maybe",
        "/requests?colour=1",
    ] {
        let (status, answer, _) = admin(bad).await;
        assert_eq!(status, 400, "{bad}: {answer}");
    }

    // Usage: everything until now, nothing until a day ago; `until` is checked like `since`.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, report, _) = admin("/usage?by=model").await;
        let requests: i64 = report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["requests"].as_i64().unwrap())
            .sum();
        if requests == 3 {
            break;
        }
        assert!(Instant::now() < deadline, "spend not logged: {report}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, past, _) = admin("/usage?by=day&until=1d").await;
    assert_eq!(status, 200, "{past}");
    assert_eq!(past["rows"], json!([]), "{past}");
    assert!(past["until_ms"].is_i64());
    let (_, future, _) = admin("/usage?by=day&until=2999-01-01T00:00:00Z").await;
    assert_eq!(future["rows"][0]["requests"], 3, "{future}");
    let (status, bad, _) = admin("/usage?until=later").await;
    assert_eq!(status, 400);
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("until:"),
        "{bad}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_a_browser_creates_a_key_shows_spend_and_losses_and_revokes() {
    let test = "the_dashboard_in_a_browser_creates_a_key_shows_spend_and_losses_and_revokes";
    let Some(corpus) = corpus(test) else {
        return;
    };
    let Some((chromium, driver)) = webdriver::browser() else {
        aigw_governance::testing::skipped(&format!(
            "{test}: chromium and chromedriver are not installed (apt-get install chromium \
             chromium-driver)"
        ));
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let compat = mock(&corpus, true).await;
    let mock = mock(&corpus, false).await;
    let gateway = Gateway::open(
        &config(dir.path(), &mock.url(), &compat.url()),
        &[("AIGW_ADMIN_KEY", ADMIN)],
    )
    .await;
    let url = gateway.url.clone();
    let shots = screenshots();
    let browser = webdriver::Browser::start(&chromium, &driver).await;

    // Sign in: a wrong key is refused on the page, the right one opens the Keys page.
    browser.goto(&format!("{url}/ui")).await;
    browser.type_into("#admin-key", "not-the-key").await;
    browser.click("#login").await;
    browser
        .wait_for(
            "return document.getElementById('login-error').textContent.includes('refused')",
            json!([]),
            "the wrong key refused",
        )
        .await;
    browser
        .script("document.getElementById('admin-key').value = ''", json!([]))
        .await;
    browser.type_into("#admin-key", ADMIN).await;
    browser.click("#login").await;
    browser.find("body[data-loaded='keys']").await;

    // Create a key with a limit and read its secret from the page.
    browser.type_into("#key-name", "dashboard-test").await;
    browser.type_into("#key-rpm", "100").await;
    browser.click("#key-submit").await;
    browser.find("#new-secret:not([hidden])").await;
    let secret = browser.text("#secret-value").await;
    assert!(secret.starts_with("sk-aigw-"), "{secret:?}");
    browser.find("tr[data-key] button[data-revoke]").await;
    let key_id = browser
        .script(
            "return document.querySelector('tr[data-key] button[data-revoke]').dataset.revoke",
            json!([]),
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        browser.text(&format!("tr[data-key='{key_id}'] td")).await,
        "dashboard-test"
    );
    browser.screenshot(&shots.join("keys.png")).await;

    // Traffic with the new key: a route, and a translated request that loses two fields.
    let (status, answer) = chat(&url, &secret, "mini", false).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = chat(&url, &secret, LOSSY, true).await;
    assert_eq!(status, 200, "{answer}");
    // The spend log is written in the background: wait for both rows.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, report, _) = send_read(
            http()
                .get(format!("{url}/admin/usage?by=key"))
                .bearer_auth(ADMIN),
        )
        .await;
        let logged = report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["group"] == key_id.as_str() && r["requests"] == 2);
        if logged {
            break;
        }
        assert!(Instant::now() < deadline, "spend not logged: {report}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Spend: today's column, the key's and both models' bars, and the totals.
    browser.goto(&format!("{url}/ui#spend")).await;
    browser.find("body[data-loaded='spend']").await;
    browser.find("#spend-series svg rect.bar").await;
    let bars = browser
        .script(
            "return [...document.querySelectorAll('#spend-models svg rect.bar')].length",
            json!([]),
        )
        .await;
    assert_eq!(bars, json!(2), "one bar per model");
    let key_bar = browser
        .script(
            "return document.querySelector('#spend-keys svg').textContent",
            json!([]),
        )
        .await;
    assert!(
        key_bar.as_str().unwrap().contains("dashboard-test"),
        "{key_bar}"
    );
    assert_eq!(
        browser.text("[data-total='Requests'] b").await,
        "2",
        "the totals count both requests"
    );
    let cost = browser.text("[data-total='Cost'] b").await;
    assert!(cost.starts_with('$') && cost != "$0.0000", "{cost}");
    browser.screenshot(&shots.join("spend.png")).await;

    // Requests: the translated one with its losses, expanded.
    browser.goto(&format!("{url}/ui#requests")).await;
    browser.find("body[data-loaded='requests']").await;
    browser.click("tr.request:not([data-losses='0'])").await;
    let seed = browser
        .text("tr.detail:not([hidden]) tr[data-pointer='/seed']")
        .await;
    assert!(seed.starts_with("/seed dropped"), "{seed}");
    let logprobs = browser
        .text("tr.detail:not([hidden]) tr[data-pointer='/logprobs']")
        .await;
    assert!(logprobs.starts_with("/logprobs dropped"), "{logprobs}");
    browser.screenshot(&shots.join("requests.png")).await;
    // The "had losses" filter keeps only that one.
    browser
        .script(
            "document.getElementById('req-losses').value = 'true'",
            json!([]),
        )
        .await;
    browser.click("#requests-form button[type='submit']").await;
    browser
        .wait_for(
            "return document.querySelectorAll('tr.request').length === 1",
            json!([]),
            "the losses filter",
        )
        .await;

    // Health: the route's member, its breaker and latency.
    browser.goto(&format!("{url}/ui#health")).await;
    browser.find("body[data-loaded='health']").await;
    let route = browser.text("[data-route='mini']").await;
    assert!(
        route.contains("oa/gpt-4o-mini") && route.contains("closed"),
        "{route}"
    );
    browser.screenshot(&shots.join("health.png")).await;

    // A narrow window: the page does not scroll sideways (tables scroll in their box).
    browser.window(420, 900).await;
    browser.goto(&format!("{url}/ui#requests")).await;
    browser.find("body[data-loaded='requests']").await;
    let fits = browser
        .script(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            json!([]),
        )
        .await;
    assert_eq!(fits, json!(true), "the page overflows a narrow window");
    browser.screenshot(&shots.join("requests-narrow.png")).await;
    browser.window(1280, 900).await;

    // Revoke (two clicks), then the key is refused in the client's shape.
    browser.goto(&format!("{url}/ui#keys")).await;
    browser.find("body[data-loaded='keys']").await;
    let shown = browser
        .script(
            "return document.getElementById('secret-value').textContent",
            json!([]),
        )
        .await;
    assert_eq!(
        shown,
        json!(""),
        "the secret stays on the page after leaving it"
    );
    let revoke = format!("button[data-revoke='{key_id}']");
    browser.click(&revoke).await;
    browser.click(&revoke).await;
    browser
        .find(&format!("tr[data-key='{key_id}'] .badge.revoked"))
        .await;
    browser.screenshot(&shots.join("keys-revoked.png")).await;
    let (status, answer) = chat(&url, &secret, "mini", false).await;
    assert!(status == 401 || status == 403, "{status} {answer}");
    assert!(answer["error"]["message"].is_string(), "{answer}");
    drop(browser);
    println!(
        "browser test: {:.1} s, screenshots in {}",
        started.elapsed().as_secs_f64(),
        shots.display()
    );
}
