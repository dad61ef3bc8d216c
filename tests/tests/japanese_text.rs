//! Reports as Japan's Council members write them: titles, victims and tags in
//! Japanese (limits in characters), and the internationalised domains of
//! phishing against Japanese banks, one indicator whether written in Unicode
//! or punycode, shown in Unicode with homographs flagged.

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn report(title: &str, domain: &str) -> Value {
    json!({
        "title": title, "body": "偽のログインページへ誘導するメール。", "tlp": "green",
        "confidence": "confirmed", "tags": ["フィッシング", "金融機関を狙う攻撃キャンペーン"],
        "indicators": [{"kind": "domain", "value": domain}]
    })
}

async fn submit(server: &TestServer, who: &str, body: &Value) -> Value {
    let sent = server.post(who, "/communities/council/reports", body).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    sent.body
}

#[tokio::test]
async fn japanese_titles_and_idn_domains_are_shared_as_written() {
    let server = TestServer::start().await;
    // 120 characters of Japanese: 360 bytes, once refused as "at most 300 bytes".
    let title = "さくら銀行を装うフィッシングメールが多数確認されています".repeat(5);
    let title: String = title.chars().take(120).collect();
    let first = submit(
        &server,
        "sakura-bank@council",
        &report(&title, "さくら銀行.example"),
    )
    .await;
    let second = submit(
        &server,
        "tokyo@council",
        &report("同じドメインを確認", "xn--y8jl1nm075aexk.example"),
    )
    .await;
    assert_eq!(first["case_id"], second["case_id"], "one domain, one case");

    let view = server
        .view("tokyo@council", first["report_id"].as_str().unwrap())
        .await;
    assert_eq!(view["title"], title.as_str());
    assert_eq!(
        view["indicators"],
        json!([{"kind": "domain", "value": "xn--y8jl1nm075aexk.example"}])
    );
    assert_eq!(
        view["domain_names"],
        json!([{"indicator": 0, "unicode": "さくら銀行.example", "mixed_script": false}])
    );

    // A Cyrillic "а" among Latin letters reads as a homograph.
    let homograph = submit(
        &server,
        "sakura-bank@council",
        &report("偽サイト", "s\u{430}kura-bank.example"),
    )
    .await;
    let view = server
        .view("tokyo@council", homograph["report_id"].as_str().unwrap())
        .await;
    assert_eq!(view["domain_names"][0]["mixed_script"], true, "{view}");
    assert_eq!(
        view["domain_names"][0]["unicode"],
        "s\u{430}kura-bank.example"
    );

    let too_long: String = "詐".repeat(301);
    let refused = server
        .post(
            "tokyo@council",
            "/communities/council/reports",
            &report(&too_long, "a.example"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["field"], "title");
    assert_eq!(
        refused.body["message"],
        "title: must have at most 300 characters"
    );
}
