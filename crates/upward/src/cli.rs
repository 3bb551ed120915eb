//! The `upward` command: serve the web interface, run the demo, migrate,
//! import, add the first admin, and run the matching engine over files.

use crate::{demo, match_groups, match_reviews};
use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use upward_domain::roles::{Grant, Role, Scope};
use upward_domain::workflow::PersonStatus;
use upward_storage::{Db, Who, people};
use upward_web::config::{Config, IpRange};
use upward_web::{AppState, security};

#[derive(Parser)]
#[command(name = "upward", version, about = "Upward: software for running a school-improvement partnership.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DbArg {
    /// Database: a SQLite file path or URL (sqlite://...), or postgres://...
    #[arg(long, env = "DATABASE_URL", default_value = "upward-data/upward.db", value_name = "URL")]
    database: String,
}

#[derive(clap::Args, Clone)]
struct ServeOpts {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    addr: SocketAddr,
    /// The address people use to reach Upward (for links in e-mails and
    /// calendar feeds); cookies are Secure when it starts with https.
    #[arg(long, env = "UPWARD_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// SMTP server for e-mail, e.g. smtps://user:password@smtp.example.org:465.
    /// Without it, e-mail is only recorded in the outbox.
    #[arg(long, env = "UPWARD_SMTP_URL", value_name = "URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Sender of e-mail.
    #[arg(long, env = "UPWARD_MAIL_FROM", default_value = "Upward <no-reply@upward.invalid>")]
    mail_from: String,
    /// Do not run background jobs (e-mail) in this instance.
    #[arg(long)]
    no_jobs: bool,
    /// A reverse proxy in front of Upward (an IP address or a CIDR range;
    /// repeat the flag, or separate them with commas). Only requests from
    /// these have their X-Forwarded-For read, for the client's address that
    /// sign-in limits count by. Without it, that header is ignored.
    #[arg(long = "trusted-proxy", env = "UPWARD_TRUSTED_PROXIES", value_name = "IP or CIDR", value_delimiter = ',', value_parser = parse_proxy)]
    trusted_proxies: Vec<IpRange>,
}

fn parse_proxy(s: &str) -> Result<IpRange, String> {
    s.trim().parse()
}

#[derive(Subcommand)]
enum Command {
    /// Create (or reuse) a demo partnership in DIR and serve it.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
        addr: SocketAddr,
        /// Folder for the demo database.
        #[arg(long, default_value = "upward-demo", value_name = "DIR")]
        data_dir: PathBuf,
    },
    /// Serve Upward.
    Serve {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        opts: ServeOpts,
    },
    /// Apply database migrations (also done at every start).
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
    /// Import data.
    Import {
        #[command(subcommand)]
        what: ImportCmd,
    },
    /// Manage people from the command line.
    User {
        #[command(subcommand)]
        what: UserCmd,
    },
    /// Run the matching engine over files.
    Match {
        #[command(subcommand)]
        what: MatchCmd,
    },
}

#[derive(Subcommand)]
enum ImportCmd {
    /// Import a GIAS all-establishments extract (edubasealldataYYYYMMDD.csv).
    Gias {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a person with a role (e.g. the first admin of an empty database).
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "admin")]
        role: String,
        /// Their full name (default: from the e-mail address).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input instead of printing a link
        /// to set one.
        #[arg(long)]
        password_stdin: bool,
        /// Address used in the printed link.
        #[arg(long, env = "UPWARD_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum MatchCmd {
    /// Review teams from a scores file and a conflicts file.
    Reviews(match_reviews::ReviewsArgs),
    /// Groups: an MDGPLIB instance, or schools with their themes.
    Groups(match_groups::GroupsArgs),
}

/// Run the command line.
pub fn main() -> std::process::ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_env("UPWARD_LOG").unwrap_or_else(|_| "info,sqlx=warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Match { what: MatchCmd::Reviews(a) } => match_reviews::run(&a),
        Command::Match { what: MatchCmd::Groups(a) } => match_groups::run(&a),
        other => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(run(other))),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn open(db: &str) -> Result<Db> {
    let db = Db::connect(db).await?;
    db.migrate().await?;
    Ok(db)
}

async fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Demo { addr, data_dir } => {
            let path = data_dir.join("upward.db");
            let db = open(&path.to_string_lossy()).await?;
            let fresh = people::count(&db).await? == 0;
            if fresh {
                eprintln!("Creating the demo partnership in {} ...", path.display());
                demo::seed(&db).await?;
            } else {
                eprintln!("Reusing the demo partnership in {}", path.display());
            }
            let url = format!("http://{addr}");
            let config = Config { public_url: url.clone(), demo: true, ..Config::default() };
            println!("\nUpward is running at {url}\n");
            println!("Sign in as any of these (password: {}):", demo::PASSWORD);
            for (kind, email) in demo::SIGN_INS {
                println!("  {kind:<28} {email}");
            }
            println!(
                "\nE-mail is not sent in the demo: the Outbox ({url}/admin/outbox) keeps a copy of each message, \
                 with password-reset and invitation links withheld (only a delivered e-mail carries them)."
            );
            println!("Stop with Ctrl-C. The data stays in {}.\n", data_dir.display());
            upward_web::serve(AppState::new(db, config), addr).await
        }
        Command::Serve { db, opts } => {
            let db = open(&db.database).await?;
            let config = Config {
                public_url: opts.public_url.unwrap_or_else(|| format!("http://{}", opts.addr)),
                smtp_url: opts.smtp_url,
                mail_from: opts.mail_from,
                demo: false,
                run_jobs: !opts.no_jobs,
                trusted_proxies: opts.trusted_proxies,
                upload_dir: None,
            };
            if people::count(&db).await? == 0 {
                eprintln!(
                    "The database has nobody in it yet. Add the first admin with:\n  upward user add --email you@example.org --role admin"
                );
            }
            eprintln!("Upward is running at {}", config.public_url);
            upward_web::serve(AppState::new(db, config), opts.addr).await
        }
        Command::Migrate { db } => {
            let d = Db::connect(&db.database).await?;
            let applied = d.migrate().await?;
            if applied.is_empty() {
                println!("The database is up to date.");
            } else {
                for m in applied {
                    println!("applied {m}");
                }
            }
            Ok(())
        }
        Command::Import { what: ImportCmd::Gias { file, db } } => import_gias(&db.database, &file).await,
        Command::User { what: UserCmd::Add { email, role, name, password_stdin, public_url, db } } => {
            add_user(&db.database, &email, &role, name, password_stdin, &public_url).await
        }
        Command::Match { .. } => unreachable!("handled before the runtime starts"),
    }
}

async fn import_gias(database: &str, file: &PathBuf) -> Result<()> {
    use indicatif::{ProgressBar, ProgressStyle};
    use upward_web::services::gias::{self, Stage};
    if !file.exists() {
        bail!("{} does not exist", file.display());
    }
    let db = open(database).await?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{msg:40} [{bar:40}] {binary_bytes}/{binary_total_bytes} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("Reading and checking every row");
    let b = bar.clone();
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| file.display().to_string());
    let who = Who::system(format!("command line ({})", whoami()));
    let result = gias::import(&db, &who, file, &name, move |stage| match stage {
        Stage::Reading(p) => {
            b.set_position(p.bytes);
            b.set_message(format!("Checked {} rows", p.rows));
        }
        Stage::Comparing => b.set_message("Comparing with the schools held"),
        Stage::Saving => b.set_message("Saving the changes"),
    })
    .await;
    bar.finish_and_clear();
    match result {
        Ok(r) => {
            println!("Imported {}: {}", r.file_name, r.summary);
            for (urn, n) in r.closed_sample.iter().take(20) {
                println!("  closed: {urn} {n}");
            }
            if r.warnings_total > 0 {
                println!("{} warnings (they did not stop the import):", r.warnings_total);
                for w in r.warnings.iter().take(10) {
                    println!("  {w}");
                }
            }
            Ok(())
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

fn whoami() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown user".into())
}

async fn add_user(
    database: &str,
    email: &str,
    role: &str,
    name: Option<String>,
    password_stdin: bool,
    public_url: &str,
) -> Result<()> {
    let email = upward_domain::validate::email(email).map_err(|m| anyhow::anyhow!(m))?;
    let role: Role = role.parse().map_err(|e: upward_domain::roles::UnknownRole| anyhow::anyhow!(e))?;
    if role.scope_kind() != upward_domain::ScopeKind::Global {
        bail!("{} is held in a Hub, school or trust: add them from the web interface (Invite a person)", role.label());
    }
    let password = if password_stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("reading the password from standard input")?;
        let pw = s.trim_end_matches(['\r', '\n']).to_string();
        upward_domain::validate::password(&pw, &pw).map_err(|m| anyhow::anyhow!(m))?;
        Some(pw)
    } else {
        None
    };
    let db = open(database).await?;
    if people::id_by_email(&db, &email).await?.is_some() {
        bail!("{email} is already in Upward");
    }
    let full_name = name.unwrap_or_else(|| {
        email.split('@').next().unwrap_or(&email).split(['.', '_', '-']).map(capitalise).collect::<Vec<_>>().join(" ")
    });
    let hash = match &password {
        Some(pw) => Some(security::hash_password(pw).map_err(|m| anyhow::anyhow!(m))?),
        None => None,
    };
    let who = Who::system(format!("command line ({})", whoami()));
    let mut tx = db.begin().await?;
    let id = people::create(
        &mut tx,
        &who,
        &people::NewPerson {
            email: email.clone(),
            full_name: full_name.clone(),
            status: if hash.is_some() { PersonStatus::Active } else { PersonStatus::Invited },
            password_hash: hash,
            ..Default::default()
        },
    )
    .await?;
    people::add_grant(&mut tx, &who, id, Grant::new(role, Scope::Global).map_err(|e| anyhow::anyhow!(e))?).await?;
    let link = if password.is_none() {
        let token = security::new_token();
        upward_storage::auth::create_one_time(&mut tx, id, "invite", &security::token_hash(&token), 7 * 24 * 3600)
            .await?;
        Some(format!("{}/invitation/{token}", public_url.trim_end_matches('/')))
    } else {
        None
    };
    tx.commit().await?;
    println!("Added {full_name} <{email}> as {}.", role.label());
    match link {
        Some(l) => {
            println!("Open this link within seven days to choose a password:\n  {l}");
            if !std::io::stdout().is_terminal() {
                eprintln!("(The link is a secret: keep it out of shared logs.)");
            }
        }
        None => println!("They can sign in now with the password given."),
    }
    Ok(())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
