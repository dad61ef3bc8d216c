//! The `isac-host` command line.

mod bench;
mod cache;
mod data;
mod governance;
mod inspect;
mod policy;
mod refusal;
mod replay;
mod scaffold;
mod server;
mod stats;
mod test;
mod vacuum;
mod watch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::runtime::{Plugin, PolicyRuntime, RuntimeLimits};

/// Exit status when a plugin or fixture cannot even be loaded.
pub const EXIT_UNUSABLE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "isac-host",
    version,
    about = "A WebAssembly plugin host for threat-sharing policies"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API on a database in a data directory.
    Serve {
        #[command(flatten)]
        serve: server::ServeArgs,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Serve a demo Council (seven ISACs, members of every kind, reference plugins)
    /// and write DATA/demo-credentials.json.
    Demo {
        #[command(flatten)]
        serve: server::ServeArgs,
        #[command(flatten)]
        limits: LimitArgs,
        /// Let the secretariat move the clock forward (`POST /api/v1/demo/clock`),
        /// so deliveries a policy delays by hours can be seen arriving.
        #[arg(long)]
        clock: bool,
    },
    /// Issue a secretariat, steering committee or operator token (prints it once).
    Token {
        #[command(flatten)]
        data: data::DataArgs,
        /// secretariat, steering_committee or operator
        #[arg(long)]
        role: String,
        /// The community, for an operator token.
        #[arg(long)]
        community: Option<String>,
    },
    /// A community's fiscal-year statistics (cases, continuing, publications, trend
    /// reports, reports per sector, members over time).
    Stats(stats::StatsArgs),
    /// Rewrite the SQLite database in --data with 8 KiB pages (one made by an
    /// earlier release keeps 4 KiB pages, slower for bulk adds) and without its
    /// free pages. Stop the server first: a database in use is left as it is.
    Vacuum {
        #[command(flatten)]
        data: data::DataArgs,
    },
    /// Check the audit log's hash chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The general assembly: rules, sessions, votes (over HTTP, like `plugin` steps).
    #[command(subcommand)]
    Assembly(governance::AssemblyCommand),
    /// Requests for information: send, follow, remind, answer, decline (over HTTP).
    #[command(subcommand)]
    Request(governance::RequestCommand),
    /// Inspect, test and benchmark policy plugins; stage, shadow, approve, activate,
    /// roll back and replay community policy versions.
    #[command(subcommand)]
    Plugin(PluginCommand),
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Exit 0 when the chain is intact; 1 naming the first altered or removed
    /// entry, or how it fails a saved checkpoint (cut short or rewritten).
    Verify {
        #[command(flatten)]
        data: data::DataArgs,
        /// A checkpoint saved as JSON (from `GET /audit/checkpoints` or the
        /// inbox stream) that the chain must still hold.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum PluginCommand {
    /// Write a new policy project (outside this repository): source, SDK
    /// dependency, build command, fixtures and a README of four commands.
    New(scaffold::NewArgs),
    /// Show a plugin's contract version, imports, exports, size and sha256.
    Inspect {
        /// The plugin: a .wasm component, or the name of a built-in reference plugin.
        file: PathBuf,
    },
    /// Run fixtures through the real runtime: exit 0 all pass, 1 any fails, 2 unusable input.
    Test {
        /// The plugin: a .wasm component, or the name of a built-in reference plugin.
        file: PathBuf,
        /// Directory of fixture files (*.yaml, *.yml, *.json).
        #[arg(long)]
        fixtures: PathBuf,
        /// Also say, for every member of each fixture's audience, what it
        /// receives and which group (and contract 0.2 selector) decided it.
        #[arg(long)]
        explain: bool,
        /// Run again whenever the plugin file or a fixture changes (Ctrl-C to stop).
        #[arg(long)]
        watch: bool,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        cache: cache::CacheArgs,
    },
    /// Time each stage of an evaluation over the fixtures (min, median, p99).
    Bench {
        /// The plugin: a .wasm component, or the name of a built-in reference plugin.
        file: PathBuf,
        #[arg(long)]
        fixtures: PathBuf,
        /// Evaluations per fixture.
        #[arg(long, default_value_t = 500)]
        iterations: u32,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        cache: cache::CacheArgs,
    },
    /// Run a candidate against the community's last N stored reports (read-only,
    /// on the data directory) and print the decision diffs against what happened.
    Replay {
        /// The plugin: a .wasm component, or the name of a built-in reference plugin.
        file: PathBuf,
        /// The community whose stored reports are replayed, by id (`council`,
        /// `financials-isac`).
        #[arg(long)]
        community: String,
        /// How many of its latest reports.
        #[arg(long, default_value_t = 100)]
        last: u32,
        #[command(flatten)]
        data: data::DataArgs,
        /// Settings as JSON, or @FILE; the community's active settings when left out.
        #[arg(long)]
        settings: Option<String>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    #[command(flatten)]
    Registry(policy::PolicyStep),
}

/// The sandbox limits, settable for every command that runs a plugin.
#[derive(Debug, Args)]
struct LimitArgs {
    /// Memory a plugin instance may use, in MiB.
    #[arg(long, default_value_t = 64)]
    memory_mib: usize,
    /// Time one plugin call may take, in milliseconds.
    #[arg(long, default_value_t = 100)]
    deadline_ms: u64,
    /// Size of one call's answer, in KiB.
    #[arg(long, default_value_t = 1024)]
    output_kib: usize,
}

impl LimitArgs {
    fn limits(&self) -> RuntimeLimits {
        RuntimeLimits {
            memory_bytes: self.memory_mib << 20,
            deadline: Duration::from_millis(self.deadline_ms),
            output_bytes: self.output_kib << 10,
            ..RuntimeLimits::default()
        }
    }
}

impl Cli {
    /// Whether the command runs the server (rather than printing and exiting).
    pub fn serves(&self) -> bool {
        matches!(self.command, Command::Serve { .. } | Command::Demo { .. })
    }
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve { serve, limits } => server::serve(serve, limits.limits()),
        Command::Demo {
            serve,
            limits,
            clock,
        } => server::demo(serve, limits.limits(), clock),
        Command::Token {
            data,
            role,
            community,
        } => server::token(&data, &role, community),
        Command::Audit(AuditCommand::Verify { data, checkpoint }) => {
            server::verify_audit(&data, checkpoint.as_deref())
        }
        Command::Stats(args) => stats::run(&args),
        Command::Vacuum { data } => vacuum::run(&data),
        Command::Assembly(command) => governance::assembly(command),
        Command::Request(command) => governance::request(command),
        Command::Plugin(command) => plugin(command),
    }
}

fn plugin(command: PluginCommand) -> ExitCode {
    match command {
        PluginCommand::New(args) => scaffold::run(&args),
        PluginCommand::Inspect { file } => inspect::run(&file),
        PluginCommand::Test {
            file,
            fixtures,
            explain,
            watch,
            limits,
            cache,
        } => test::run(
            &file,
            &fixtures,
            explain,
            watch,
            cache.runtime(limits.limits()),
        ),
        PluginCommand::Bench {
            file,
            fixtures,
            iterations,
            limits,
            cache,
        } => bench::run(&file, &fixtures, iterations, cache.runtime(limits.limits())),
        PluginCommand::Replay {
            file,
            community,
            last,
            data,
            settings,
            limits,
        } => replay::run(replay::ReplayArgs {
            file: &file,
            community: &community,
            last,
            data: &data,
            settings: settings.as_deref(),
            limits: limits.limits(),
        }),
        PluginCommand::Registry(step) => policy::run(step),
    }
}

/// A plugin's bytes: the file at `file`, or, when there is none, the reference
/// plugin of that name built into this binary (`baseline`, `financials`, `give-and-take`).
fn read_plugin(file: &Path) -> Result<Vec<u8>, String> {
    let error = match std::fs::read(file) {
        Ok(bytes) => return Ok(bytes),
        Err(error) => error,
    };
    let builtin = isac_plugin_artifacts::REFERENCE_PLUGINS;
    if let Some((_, bytes)) = builtin.iter().find(|(name, _)| Path::new(name) == file) {
        return Ok(bytes.to_vec());
    }
    let names: Vec<&str> = builtin.iter().map(|(name, _)| *name).collect();
    Err(format!(
        "{}: cannot read: {error} (nor is it a built-in plugin: {})",
        file.display(),
        names.join(", ")
    ))
}

/// Reads and loads a plugin, or says why not (naming the file).
fn load_plugin(runtime: &PolicyRuntime, file: &Path) -> Result<Arc<Plugin>, String> {
    let bytes = read_plugin(file)?;
    runtime
        .load(&bytes)
        .map_err(|e| format!("{}: {}", file.display(), e.fault))
}

fn new_runtime(limits: RuntimeLimits) -> Result<PolicyRuntime, String> {
    PolicyRuntime::new(limits).map_err(|e| e.to_string())
}
