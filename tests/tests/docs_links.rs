//! The README and the documents in `docs/` link only to files inside the
//! repository (a clone holds nothing else), and every such file exists.

use std::path::{Path, PathBuf};

/// The relative link targets of Markdown `[text](target)` links in `text`.
fn relative_links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|target| target.split('#').next().unwrap_or_default().to_string())
        .filter(|target| {
            !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:")
        })
        .collect()
}

#[test]
fn every_relative_link_resolves_inside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap();
    let mut documents: Vec<PathBuf> = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            documents.push(path);
        }
    }
    assert!(
        documents
            .iter()
            .any(|d| d.ends_with("docs/architecture.md"))
    );
    let mut broken = Vec::new();
    for document in &documents {
        let text = std::fs::read_to_string(document).unwrap();
        for link in relative_links(&text) {
            let target = document.parent().unwrap().join(&link);
            match target.canonicalize() {
                Ok(found) if found.starts_with(&root) => {}
                Ok(_) => broken.push(format!(
                    "{}: {link} is outside the repository",
                    document.display()
                )),
                Err(_) => broken.push(format!("{}: {link} does not exist", document.display())),
            }
        }
    }
    assert!(broken.is_empty(), "{broken:#?}");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(relative_links(&readme).contains(&"docs/architecture.md".to_string()));
}
