//! Reading a password for the CLI: from a hidden prompt on a terminal, otherwise the first
//! line of stdin (for scripts). Never from argv, where `ps` and shell history would see it.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};

pub fn read_new_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("cannot read the password")?;
        let again =
            rpassword::prompt_password("Repeat password: ").context("cannot read the password")?;
        if first != again {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        let password = line.trim_end_matches(['\n', '\r']).to_owned();
        if password.is_empty() {
            bail!("no password on stdin (give it as the first line)");
        }
        Ok(password)
    }
}
