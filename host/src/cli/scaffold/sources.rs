//! What `plugin new` writes, per language: the reference policy's source and
//! fixtures (built into this binary, so a project can start anywhere), the
//! SDK dependency and the build command.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Rust,
    Python,
    Js,
}

/// The reference policy a new project starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Reference {
    Baseline,
    Financials,
    GiveAndTake,
}

impl Reference {
    pub fn name(self) -> &'static str {
        match self {
            Reference::Baseline => "baseline",
            Reference::Financials => "financials",
            Reference::GiveAndTake => "give-and-take",
        }
    }
}

/// (file name, text) of each fixture of a reference policy.
type Fixtures = &'static [(&'static str, &'static str)];

macro_rules! fixtures {
    ($plugin:literal: $($file:literal),+ $(,)?) => {
        &[$(($file, include_str!(concat!("../../../../plugins/", $plugin, "/fixtures/", $file)))),+]
    };
}

const BASELINE_FIXTURES: Fixtures = fixtures!("baseline":
    "01-new-case-green.yaml",
    "02-joins-case-sharing-indicator.yaml",
    "03-window-setting.yaml",
    "04-amber-stays-in-community.yaml",
    "05-suspicion-task-force-only.yaml",
    "06-red-named-recipients.yaml",
    "07-bad-settings.yaml",
);
const FINANCIALS_FIXTURES: Fixtures = fixtures!("financials":
    "01-emails-for-banks-only.yaml",
    "02-confirmed-forwarded-to-council.yaml",
    "03-amber-strict-never-forwarded.yaml",
    "04-bad-settings.yaml",
);
const GIVE_AND_TAKE_FIXTURES: Fixtures = fixtures!("give-and-take":
    "01-free-riders-wait.yaml",
    "02-delay-setting.yaml",
    "03-bad-settings.yaml",
);

/// The texts a project is made of.
pub struct Sources {
    pub files: Vec<(String, String)>,
    pub fixtures: Fixtures,
    pub language: &'static str,
    pub sdk: &'static str,
    /// Commands run once, before the first build (Markdown).
    pub setup: &'static str,
    pub build: &'static str,
    /// The built component, relative to the project.
    pub wasm: String,
}

/// Why a combination cannot be written.
#[derive(Debug, thiserror::Error)]
#[error("the {from} reference policy exists only in Rust; in {lang} start from baseline")]
pub struct NotInLanguage {
    from: &'static str,
    lang: &'static str,
}

pub fn sources(lang: Lang, from: Reference, name: &str) -> Result<Sources, NotInLanguage> {
    let fixtures = match from {
        Reference::Baseline => BASELINE_FIXTURES,
        Reference::Financials => FINANCIALS_FIXTURES,
        Reference::GiveAndTake => GIVE_AND_TAKE_FIXTURES,
    };
    let only_rust = |lang| NotInLanguage {
        from: from.name(),
        lang,
    };
    Ok(match lang {
        Lang::Rust => Sources {
            files: vec![
                (
                    "Cargo.toml".into(),
                    include_str!("templates/Cargo.toml.in").replace("{name}", name),
                ),
                ("src/lib.rs".into(), rust_source(from).into()),
                (".gitignore".into(), "/target\n".into()),
            ],
            fixtures,
            language: "Rust",
            sdk: "the `isac-policy-sdk` crate",
            setup: "Once: `rustup target add wasm32-wasip2`. `cargo test` runs the native unit tests.\n",
            build: "cargo build --release --target wasm32-wasip2",
            wasm: format!(
                "target/wasm32-wasip2/release/{}.wasm",
                name.replace('-', "_")
            ),
        },
        Lang::Python if from != Reference::Baseline => return Err(only_rust("Python")),
        Lang::Python => Sources {
            files: vec![
                (
                    "app.py".into(),
                    include_str!("../../../../plugins/baseline-py/app.py").into(),
                ),
                ("requirements.txt".into(), "isac-policy-sdk==0.1.0\n".into()),
                (".gitignore".into(), "/.venv\n*.wasm\n__pycache__/\n".into()),
            ],
            fixtures,
            language: "Python",
            sdk: "the `isac-policy-sdk` package, which brings componentize-py",
            setup: "Once: `python3 -m venv .venv && .venv/bin/pip install -r requirements.txt`.\n",
            build: ".venv/bin/isac-policy-build app policy.wasm",
            wasm: "policy.wasm".into(),
        },
        Lang::Js if from != Reference::Baseline => return Err(only_rust("JavaScript")),
        Lang::Js => Sources {
            files: vec![
                ("app.js".into(), js_source()),
                (
                    "package.json".into(),
                    include_str!("templates/package.json.in").replace("{name}", name),
                ),
                (".gitignore".into(), "/node_modules\n*.wasm\n".into()),
            ],
            fixtures,
            language: "JavaScript",
            sdk: "the `isac-policy-sdk` package, which brings componentize-js and jco",
            setup: "Once: `npm install`.\n",
            build: "npm run build",
            wasm: "policy.wasm".into(),
        },
    })
}

fn rust_source(from: Reference) -> &'static str {
    match from {
        Reference::Baseline => include_str!("../../../../plugins/baseline/src/lib.rs"),
        Reference::Financials => include_str!("../../../../plugins/financials/src/lib.rs"),
        Reference::GiveAndTake => include_str!("../../../../plugins/give-and-take/src/lib.rs"),
    }
}

/// The JavaScript baseline, importing the installed SDK instead of the tree's:
/// componentize-js bundles relative imports, not package names.
fn js_source() -> String {
    include_str!("../../../../plugins/baseline-js/app.js").replace(
        "'../sdk-js/index.js'",
        "'./node_modules/isac-policy-sdk/index.js'",
    )
}
