//! The OpenAPI document at `/api/v1/openapi.json`: OpenAPI 3.1, each of its
//! operations routed (and no other method on its paths), each naming who may
//! call it, and every error it lists in the JSON error shape. That no route
//! exists outside the document is checked where routes are registered (the unit
//! test in `host/src/api/openapi.rs`); TAXII (`/taxii2/`) is left out of the
//! document, as its own specification defines it.

use std::collections::BTreeSet;

use isac_tests::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// Every (method, path) the document lists, with a sample value in each path parameter.
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.push((method.to_string(), path.clone(), operation.clone()));
            }
        }
    }
    found
}

/// The path with `1` in each parameter (`/members/{id}` → `/members/1`).
fn sample(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        out.push('1');
        rest = &rest[rest.find('}').expect("closed parameter") + 1..];
    }
    out + rest
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_every_operation_is_routed() {
    let server = TestServer::start().await;
    let reply = server.get("", "/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    let document = reply.body;
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "{}",
        document["openapi"]
    );
    let operations = operations(&document);
    let paths: BTreeSet<&str> = operations.iter().map(|(_, p, _)| p.as_str()).collect();
    // The probes and the API: nothing else, and at least the README's routes.
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with("/api/v1/") || ["/healthz", "/readyz", "/metrics"].contains(p)),
        "{paths:?}"
    );
    assert_eq!(operations.len(), 72, "{paths:?}");

    let client = reqwest::Client::new();
    let mut failures = Vec::new();
    for (method, path, operation) in &operations {
        let description = operation["description"].as_str().unwrap_or_default();
        if description.trim().is_empty() {
            failures.push(format!(
                "{method} {path}: no description naming who may call it"
            ));
        }
        for (status, response) in operation["responses"].as_object().expect("responses") {
            let schema = &response["content"]["application/json"]["schema"]["$ref"];
            if status.starts_with('4') && schema != "#/components/schemas/ErrorBody" {
                failures.push(format!("{method} {path}: {status} is not an ErrorBody"));
            }
        }
        // Routed: anonymous, without a body, the answer is the handler's (never
        // the router's "no route" 404 or 405). `/inbox/stream` refuses anonymous
        // callers before it streams.
        let url = format!("{}{}", server.base, sample(path));
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let response = client.request(method.clone(), &url).send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status == StatusCode::METHOD_NOT_ALLOWED || body["message"] == "no route for this path" {
            failures.push(format!("{method} {path}: not routed ({status})"));
        }
    }
    // No method the document leaves out is routed on a documented path.
    for path in &paths {
        let item = &document["paths"][*path];
        for method in METHODS.iter().filter(|m| item.get(**m).is_none()) {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let url = format!("{}{}", server.base, sample(path));
            let status = client
                .request(method.clone(), &url)
                .send()
                .await
                .unwrap()
                .status();
            if status != StatusCode::METHOD_NOT_ALLOWED {
                failures.push(format!("{method} {path}: {status}, not in the document"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
