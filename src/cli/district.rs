//! `homeroom district add|list|set`.

use clap::Subcommand;

use super::CliError;
use crate::app::App;
use crate::domain::{District, Portal, Tool, ToolState};
use crate::services::access::Staff;
use crate::services::{districts, tools};

#[derive(Debug, Subcommand)]
pub enum DistrictCommand {
    /// Add a district.
    Add {
        /// The short name in addresses, e.g. cedar-valley.
        #[arg(long)]
        slug: String,
        /// The name families know, e.g. "Cedar Valley Public Schools".
        #[arg(long)]
        name: String,
        /// Two-letter postal code of the state, DC or territory.
        #[arg(long)]
        state: String,
    },
    /// List every district.
    List,
    /// Change a setting: forgot_password, forgot_username, notifications, linking (on/off);
    /// captcha_after_failures, captcha_after_address_failures, password_min_length,
    /// key_lifetime_days (numbers); timezone (IANA name); maintenance (a message, or off);
    /// grading_scale (letters and their lowest percentage, e.g. A:90,B:80,C:70,D:60,F:0).
    Set {
        slug: String,
        key: String,
        value: String,
    },
    /// Which portal tools families see: list them, switch one on or off, or switch one off for
    /// a window of dates with a reason.
    Tools {
        slug: String,
        #[command(subcommand)]
        action: Option<ToolsAction>,
    },
    /// Sign in with the district's identity provider (OpenID Connect) on the staff, teacher
    /// or student portal.
    Sso {
        #[command(subcommand)]
        action: SsoAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum SsoAction {
    /// Set a portal's provider (its discovery document is fetched to check it). The redirect
    /// URI to register at the provider is <public_url>/d/<slug>/sso/callback.
    Set {
        #[arg(long)]
        district: String,
        /// staff, teacher or student.
        #[arg(long)]
        portal: String,
        /// The issuer, e.g. https://accounts.google.com.
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        client_id: String,
        /// Read the client secret from the first line of standard input.
        #[arg(long, required = true)]
        client_secret_stdin: bool,
        /// The claim that names the person: email, preferred_username or sub.
        #[arg(long, default_value = "email")]
        claim: String,
        /// What the claim is compared with: sourcedId, email or username.
        #[arg(long = "match", default_value = "email")]
        match_by: String,
        /// The provider's name on the login page's button, e.g. Google.
        #[arg(long, default_value = "your district")]
        name: String,
    },
    /// Show the district's providers (never their secrets).
    Show {
        #[arg(long)]
        district: String,
    },
    /// Stop signing in with the provider on a portal.
    Off {
        #[arg(long)]
        district: String,
        #[arg(long)]
        portal: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ToolsAction {
    /// Show every switch and window (the default).
    List,
    /// Switch a tool on.
    On(SwitchArgs),
    /// Switch a tool off; families see the reason.
    Off(SwitchArgs),
    /// Switch a tool off from one date to another (inclusive, in the district's time zone).
    Window {
        /// today, calendar, assignments, grades, attendance or schedule.
        tool: String,
        #[arg(long, default_value = "both")]
        portal: String,
        /// A school's sourcedId; the whole district without it.
        #[arg(long)]
        school: Option<String>,
        /// The first day off, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// The last day off, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// What families read, e.g. "Grades are closed while report cards are prepared."
        #[arg(long)]
        reason: String,
    },
    /// Remove a window by its number (from `list`).
    RemoveWindow { id: i64 },
}

#[derive(Debug, clap::Args)]
pub struct SwitchArgs {
    /// today, calendar, assignments, grades, attendance or schedule.
    tool: String,
    /// parent, student or both.
    #[arg(long, default_value = "both")]
    portal: String,
    /// A school's sourcedId; the whole district without it.
    #[arg(long)]
    school: Option<String>,
    /// What families read while the tool is off.
    #[arg(long)]
    reason: Option<String>,
}

pub async fn run(app: &App, command: DistrictCommand) -> Result<(), CliError> {
    match command {
        DistrictCommand::Add { slug, name, state } => {
            let district = districts::add(app, &slug, &name, &state).await?;
            println!(
                "added {} ({}, {}); time zone {}",
                district.slug,
                district.name,
                district.state,
                district.settings.timezone.as_str()
            );
        }
        DistrictCommand::List => {
            let listing = districts::list(app).await?;
            if listing.is_empty() {
                println!("no districts yet: add one with `homeroom district add`");
                return Ok(());
            }
            println!(
                "{:<24} {:<5} {:>7} {:>8} {:>9}  {:<11} NAME",
                "SLUG", "STATE", "SCHOOLS", "STUDENTS", "GUARDIANS", "MAINTENANCE"
            );
            for (district, counts) in listing {
                println!(
                    "{:<24} {:<5} {:>7} {:>8} {:>9}  {:<11} {}",
                    district.slug.as_str(),
                    district.state.code(),
                    counts.schools,
                    counts.students,
                    counts.guardians,
                    if district.maintenance().is_some() {
                        "on"
                    } else {
                        "off"
                    },
                    district.name
                );
            }
        }
        DistrictCommand::Set { slug, key, value } => {
            let district = districts::set(app, &slug, &key, &value).await?;
            println!("{}: {}", district.slug, describe(&district, &key));
        }
        DistrictCommand::Tools { slug, action } => {
            let district = districts::by_slug(app, &slug).await?;
            tools_command(app, &district, action.unwrap_or(ToolsAction::List)).await?;
        }
        DistrictCommand::Sso { action } => sso_command(app, action).await?,
    }
    Ok(())
}

async fn sso_command(app: &App, action: SsoAction) -> Result<(), CliError> {
    match action {
        SsoAction::Set {
            district,
            portal,
            issuer,
            client_id,
            client_secret_stdin: _,
            claim,
            match_by,
            name,
        } => {
            let district = districts::by_slug(app, &district).await?;
            let mut secret = String::new();
            std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut secret)?;
            let setting = crate::services::sso::ProviderSetting {
                portal: &portal,
                issuer: &issuer,
                client_id: &client_id,
                client_secret: secret.trim_end_matches(['\r', '\n']),
                claim: &claim,
                match_by: &match_by,
                label: &name,
            };
            crate::services::sso::configure(app, &district, &setting).await?;
            println!(
                "{}: {portal} signs in with {name} ({issuer}); register the redirect URI {}",
                district.slug,
                crate::services::sso::redirect_uri(app, &district)
            );
        }
        SsoAction::Show { district } => {
            let district = districts::by_slug(app, &district).await?;
            let providers = crate::services::sso::providers(app, &district).await?;
            if providers.is_empty() {
                println!("{}: no single sign-on", district.slug);
            }
            for p in providers {
                println!(
                    "{:<8} {} ({}) client {} claim {} matched by {}",
                    p.portal.as_str(),
                    p.issuer,
                    p.label,
                    p.client_id,
                    p.claim.as_str(),
                    p.match_by.as_str()
                );
            }
            println!(
                "redirect URI: {}",
                crate::services::sso::redirect_uri(app, &district)
            );
        }
        SsoAction::Off { district, portal } => {
            let district = districts::by_slug(app, &district).await?;
            let removed = crate::services::sso::remove(app, &district, &portal).await?;
            println!(
                "{}: {portal} {}",
                district.slug,
                if removed {
                    "no longer signs in with a provider"
                } else {
                    "had no provider"
                }
            );
        }
    }
    Ok(())
}

async fn tools_command(
    app: &App,
    district: &District,
    action: ToolsAction,
) -> Result<(), CliError> {
    match action {
        ToolsAction::List => {
            let overview = tools::overview(app, &Staff::operator(district.clone())).await?;
            println!("{}: tools on {}", district.slug, overview.today);
            println!("{:<12} {:<8} {:<8}  WHERE", "TOOL", "PARENT", "STUDENT");
            for tool in Tool::ALL {
                let state = |portal| match overview.rules.state(tool, portal, None, overview.today)
                {
                    ToolState::On => "on".to_owned(),
                    ToolState::Off { .. } => "off".to_owned(),
                };
                println!(
                    "{:<12} {:<8} {:<8}  whole district",
                    tool.as_str(),
                    state(Portal::Parent),
                    state(Portal::Student)
                );
            }
            for s in &overview.rules.settings {
                println!(
                    "switch: {} {} {} for {}{}",
                    s.tool,
                    if s.enabled { "on" } else { "off" },
                    s.portal.as_str(),
                    overview.school_name(s.school),
                    s.reason
                        .as_ref()
                        .map(|r| format!(": {}", r.as_str()))
                        .unwrap_or_default()
                );
            }
            for w in &overview.rules.windows {
                println!(
                    "window {}: {} off {} to {} for {} ({}): {}",
                    w.id,
                    w.tool,
                    w.start,
                    w.end,
                    w.portal.map_or("both portals", |p| p.as_str()),
                    overview.school_name(w.school),
                    w.reason.as_str()
                );
            }
        }
        ToolsAction::On(args) => switch(app, district, args, true).await?,
        ToolsAction::Off(args) => switch(app, district, args, false).await?,
        ToolsAction::Window {
            tool,
            portal,
            school,
            from,
            to,
            reason,
        } => {
            let id = tools::add_window(
                app,
                &Staff::operator(district.clone()),
                &tools::WindowRequest {
                    tool: &tool,
                    portal: &portal,
                    school: school.as_deref(),
                    from: &from,
                    to: &to,
                    reason: &reason,
                },
            )
            .await?;
            println!(
                "{}: window {id}: {tool} off from {from} to {to}",
                district.slug
            );
        }
        ToolsAction::RemoveWindow { id } => {
            tools::remove_window(app, &Staff::operator(district.clone()), id).await?;
            println!("{}: window {id} removed", district.slug);
        }
    }
    Ok(())
}

async fn switch(
    app: &App,
    district: &District,
    args: SwitchArgs,
    enabled: bool,
) -> Result<(), CliError> {
    tools::switch(
        app,
        &Staff::operator(district.clone()),
        &tools::SwitchRequest {
            tool: &args.tool,
            portal: &args.portal,
            school: args.school.as_deref(),
            enabled,
            reason: args.reason.as_deref(),
        },
    )
    .await?;
    println!(
        "{}: {} {} for {} portal{}",
        district.slug,
        args.tool.trim().to_ascii_lowercase(),
        if enabled { "on" } else { "off" },
        args.portal,
        if args.portal == "both" { "s" } else { "" }
    );
    Ok(())
}

fn describe(district: &District, key: &str) -> String {
    match (key, district.maintenance()) {
        ("maintenance", Some(message)) => format!("in maintenance: {}", message.as_str()),
        ("maintenance", None) => "maintenance off: open to families".to_owned(),
        _ => format!("{key} updated"),
    }
}
