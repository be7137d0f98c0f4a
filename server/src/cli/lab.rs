//! `viva lab add --owner NAME --title TITLE [--release review|automatic]`: create an open lab
//! session with the standard three-criterion rubric (instructors edit it in the app),
//! releasing results after the instructor's review unless told otherwise. Also what
//! `viva demo` seeds.

use anyhow::Context;
use domain::Role;
use domain::labs::{LabSessionService, NewLabSession};
use domain::users::{UserService, Username};
use sea_orm::DatabaseConnection;

#[derive(Debug, clap::Subcommand)]
pub enum LabCommand {
    /// Create an open lab session owned by an instructor; prints its number.
    Add {
        #[arg(long)]
        owner: String,
        #[arg(long)]
        title: String,
        /// When students see their results: after the instructor's review, or at once
        /// (unless flagged).
        #[arg(long, value_enum, default_value_t = Release::Review)]
        release: Release,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Release {
    Review,
    Automatic,
}

pub async fn run(db: &DatabaseConnection, command: LabCommand) -> anyhow::Result<()> {
    match command {
        LabCommand::Add {
            owner,
            title,
            release,
        } => {
            let name = Username::parse(&owner).map_err(|e| anyhow::anyhow!(e.message))?;
            let owner = UserService::find_by_username(db, &name)
                .await?
                .filter(|u| u.role >= Role::Instructor)
                .with_context(|| format!("there is no instructor {owner:?}"))?;
            let lab = create_standard(db, owner.id, &title, release).await?;
            println!("Created lab session {}.", lab.id);
            Ok(())
        }
    }
}

/// A lab session with the standard rubric: method, result, and reasoning.
pub async fn create_standard(
    db: &DatabaseConnection,
    owner: i32,
    title: &str,
    release: Release,
) -> anyhow::Result<domain::entities::lab_session::Model> {
    use domain::entities::lab_session::ReleaseMode;
    let new = NewLabSession {
        release_mode: match release {
            Release::Review => ReleaseMode::AfterReview,
            Release::Automatic => ReleaseMode::Automatic,
        },
        ..NewLabSession::standard(title)
    };
    Ok(LabSessionService::create(db, owner, new).await?)
}
