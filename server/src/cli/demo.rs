//! `viva demo`: demo accounts for trying Viva out. Passwords are generated on the first run
//! and kept in `<data_dir>/demo-users.csv` (readable by the owner only), so a second
//! `viva demo` prints the same ones instead of locking you out.

use std::path::Path;

use anyhow::Context;
use domain::Role;
use domain::auth::generate_password;
use domain::users::{NewUser, UserService, Username};
use sea_orm::DatabaseConnection;

const FILE: &str = "demo-users.csv";

struct DemoUser {
    username: String,
    display_name: String,
    role: Role,
    password: String,
}

fn demo_users() -> Vec<DemoUser> {
    let user = |username: String, display_name: String, role| DemoUser {
        username,
        display_name,
        role,
        password: generate_password(),
    };
    let mut users = vec![
        user("admin".into(), "Demo Admin".into(), Role::Admin),
        user(
            "instructor1".into(),
            "Ada Instructor".into(),
            Role::Instructor,
        ),
        user(
            "instructor2".into(),
            "Alan Instructor".into(),
            Role::Instructor,
        ),
    ];
    users.extend((1..=30).map(|i| {
        user(
            format!("student{i:02}"),
            format!("Student {i:02}"),
            Role::Student,
        )
    }));
    users
}

pub async fn seed(db: &DatabaseConnection, data_dir: &Path) -> anyhow::Result<()> {
    let file = data_dir.join(FILE);
    let users = match read(&file) {
        Some(users) => users,
        None => {
            let users = demo_users();
            write(&file, &users)?;
            users
        }
    };
    for u in &users {
        let name = Username::parse(&u.username).map_err(|e| anyhow::anyhow!(e.message))?;
        if UserService::find_by_username(db, &name).await?.is_none() {
            let new = NewUser::parse(&u.username, &u.display_name, u.role, &u.password)?;
            UserService::create(db, new).await?;
        }
    }
    seed_lab_session(db).await?;
    print(&users, &file);
    Ok(())
}

/// One open lab session of `instructor1`, so a newcomer can try the whole loop at once.
async fn seed_lab_session(db: &DatabaseConnection) -> anyhow::Result<()> {
    let name = Username::parse("instructor1").map_err(|e| anyhow::anyhow!(e.message))?;
    let Some(owner) = UserService::find_by_username(db, &name).await? else {
        return Ok(());
    };
    let existing = domain::labs::LabSessionService::for_owner(db, owner.id).await?;
    let lab = match existing.into_iter().next() {
        Some(lab) => lab,
        None => {
            super::lab::create_standard(
                db,
                owner.id,
                "Demo lab: measuring g with a pendulum",
                super::lab::Release::Review,
            )
            .await?
        }
    };
    // The same line on every run, like the passwords.
    println!(
        "Demo lab session {}: \"{}\" (instructor1's, open).",
        lab.id, lab.title
    );
    Ok(())
}

fn print(users: &[DemoUser], file: &Path) {
    println!("\nDemo accounts (also in {}):\n", file.display());
    println!("  username     role        password");
    for u in users.iter().take(6) {
        println!(
            "  {:<12} {:<11} {}",
            u.username,
            u.role.as_str(),
            u.password
        );
    }
    println!(
        "  … and {} more students in the file.\n",
        users.len().saturating_sub(6)
    );
}

fn read(file: &Path) -> Option<Vec<DemoUser>> {
    let text = std::fs::read_to_string(file).ok()?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let users: Option<Vec<_>> = reader
        .records()
        .map(|r| {
            let r = r.ok()?;
            Some(DemoUser {
                username: r.get(0)?.to_owned(),
                display_name: r.get(1)?.to_owned(),
                role: Role::parse(r.get(2)?)?,
                password: r.get(3)?.to_owned(),
            })
        })
        .collect();
    users.filter(|u| !u.is_empty())
}

fn write(file: &Path, users: &[DemoUser]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(file)
        .with_context(|| format!("cannot write {}", file.display()))?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["username", "display_name", "role", "password"])?;
    for u in users {
        writer.write_record([&u.username, &u.display_name, u.role.as_str(), &u.password])?;
    }
    out.write_all(&writer.into_inner()?)?;
    Ok(())
}
