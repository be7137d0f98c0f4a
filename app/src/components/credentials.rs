use leptos::prelude::*;

use crate::dto::IssuedCredentials;

/// Accounts just created or reset, with the passwords Viva generated. Shown once: the
/// server keeps only hashes, so the admin downloads or copies them now.
#[component]
pub fn CredentialsTable(credentials: Vec<IssuedCredentials>) -> impl IntoView {
    let generated = credentials.iter().any(|c| c.password.is_some());
    let download = generated.then(|| {
        format!(
            "data:text/csv;charset=utf-8,{}",
            percent_encode(&to_csv(&credentials))
        )
    });
    let rows = credentials
        .into_iter()
        .map(|c| {
            view! {
                <tr>
                    <td>{c.username}</td>
                    <td>{c.display_name}</td>
                    <td>{c.role.label()}</td>
                    <td class="password">{c.password.unwrap_or_else(|| "(as given)".into())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="credentials" role="status">
            {generated.then(|| view! {
                <p class="warning">
                    "These passwords are shown only once. Download or copy them now and hand them out."
                </p>
            })}
            <div class="table-scroll" tabindex="0" role="region" aria-label="New accounts and passwords">
                <table>
                    <thead><tr><th scope="col">"Username"</th><th scope="col">"Name"</th><th scope="col">"Role"</th><th scope="col">"Password"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {download.map(|href| view! {
                <a class="button" download="viva-passwords.csv" href=href>"Download as CSV"</a>
            })}
        </div>
    }
}

fn to_csv(credentials: &[IssuedCredentials]) -> String {
    let mut out = String::from("username,display_name,role,password\n");
    for c in credentials {
        let fields = [
            c.username.as_str(),
            c.display_name.as_str(),
            c.role.as_str(),
            c.password.as_deref().unwrap_or(""),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn csv_field(f: &str) -> String {
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_owned()
    }
}

/// Encodes everything but RFC 3986's unreserved characters, as a `data:` URL needs.
/// Written here rather than pulling a crate into the WASM bundle for eight lines.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::Role;

    #[test]
    fn csv_quotes_awkward_names_and_the_url_encoding_round_trips_bytes() {
        let creds = [IssuedCredentials {
            username: "zoë".into(),
            display_name: "Ünal, \"Zoë\"".into(),
            role: Role::Student,
            password: Some("pw".into()),
        }];
        let csv = to_csv(&creds);
        assert_eq!(
            csv.lines().nth(1),
            Some("zoë,\"Ünal, \"\"Zoë\"\"\",student,pw")
        );
        assert_eq!(percent_encode("a b,ë"), "a%20b%2C%C3%AB");
    }
}
