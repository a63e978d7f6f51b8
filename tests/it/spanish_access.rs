//! The logging-in journey in Spanish: the finder, the login page and its errors, Forgot your
//! password? and the reset link's page, for a browser that asks for Spanish; and the mail, in
//! the language of the account it goes to (whatever the language of the request that caused
//! it), through a real SMTP server on loopback.

use base64ct::{Base64, Encoding};
use reqwest::StatusCode;
use reqwest::header::ACCEPT_LANGUAGE;

use crate::harness::TestApp;
use crate::recovery::app;
use crate::smtp::{Received, Sink};
use homeroom::domain::{DistrictSlug, Lang};
use homeroom::services::worker;

/// A page, asked for in `accept` (or with no `Accept-Language`): its status and its text.
async fn page(app: &TestApp, path: &str, accept: Option<&str>) -> (StatusCode, String) {
    let mut request = app.client.get(app.url(path));
    if let Some(accept) = accept {
        request = request.header(ACCEPT_LANGUAGE, accept);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn post_form(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    accept: Option<&str>,
) -> (StatusCode, String) {
    let mut request = app.client.post(app.url(path)).form(form);
    if let Some(accept) = accept {
        request = request.header(ACCEPT_LANGUAGE, accept);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

fn has_all(html: &str, words: &[&str]) {
    for word in words {
        assert!(html.contains(word), "{word:?} is missing from:\n{html}");
    }
}

fn has_none(html: &str, words: &[&str]) {
    for word in words {
        assert!(!html.contains(word), "{word:?} is in:\n{html}");
    }
}

async fn switch(app: &TestApp, key: &str, value: &str) {
    homeroom::services::districts::set(&app.app, "cedar-valley", key, value)
        .await
        .unwrap();
}

/// Sets the language Maria's account reads its mail in.
async fn maria_reads(app: &TestApp, lang: Lang) {
    let store = &app.app.store;
    let district = store
        .district_by_slug(&DistrictSlug::parse("cedar-valley").unwrap())
        .await
        .unwrap()
        .unwrap();
    let (account, _) = store
        .account_for_login(district.id, "maria.alvarez")
        .await
        .unwrap()
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.set_account_language(district.id, account.id, lang)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Bytes from `=XX` quoted-printable escapes, with soft line breaks undone.
fn quoted_printable(text: &str) -> Vec<u8> {
    let text = text.replace("=\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// A received mail as a person reads it: the subject, then each part's text, decoded from
/// base64 or quoted-printable.
fn read(mail: &Received) -> (String, String) {
    let data = mail.data.replace("\r\n", "\n");
    let (head, _) = data.split_once("\n\n").unwrap();
    // The Subject header, unfolded, its encoded words (RFC 2047) decoded.
    let mut subject_raw = String::new();
    let mut in_subject = false;
    for line in head.lines() {
        if let Some(value) = line.strip_prefix("Subject:") {
            subject_raw.push_str(value.trim());
            in_subject = true;
        } else if in_subject && line.starts_with([' ', '\t']) {
            subject_raw.push(' ');
            subject_raw.push_str(line.trim());
        } else {
            in_subject = false;
        }
    }
    // Space between two encoded words is not part of the text; any other space is.
    let mut subject = String::new();
    let mut after_encoded = false;
    for word in subject_raw.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        let encoded = lower
            .strip_prefix("=?utf-8?")
            .and_then(|w| w.strip_suffix("?="));
        let joined = after_encoded && encoded.is_some();
        if !subject.is_empty() && !joined {
            subject.push(' ');
        }
        after_encoded = encoded.is_some();
        match encoded {
            Some(inner) => {
                let payload = &word[word.len() - inner.len()..word.len() - 2];
                let bytes = if inner.starts_with("b?") {
                    Base64::decode_vec(payload).unwrap()
                } else {
                    quoted_printable(&payload.replace('_', " "))
                };
                subject.push_str(&String::from_utf8(bytes).unwrap());
            }
            None => subject.push_str(word),
        }
    }
    let mut body = String::new();
    for part in data.split("\n--").skip(1) {
        let Some((part_head, content)) = part.split_once("\n\n") else {
            continue;
        };
        let part_head = part_head.to_ascii_lowercase();
        let bytes = if part_head.contains("content-transfer-encoding: base64") {
            let compact: String = content.split_whitespace().collect();
            Base64::decode_vec(&compact).unwrap()
        } else if part_head.contains("content-transfer-encoding: quoted-printable") {
            quoted_printable(content)
        } else {
            content.as_bytes().to_vec()
        };
        body.push_str(&String::from_utf8(bytes).unwrap());
        body.push('\n');
    }
    (subject, body)
}

/// The token of the reset link in a mail's text.
fn token_in(text: &str) -> String {
    let start = text.find("/password/reset?token=").expect("a reset link") + 22;
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[tokio::test]
async fn the_finder_and_the_login_page_speak_spanish_to_a_spanish_browser() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    switch(&app, "forgot_password", "on").await;
    switch(&app, "forgot_username", "on").await;
    let es = Some("es-MX,es;q=0.9");

    // Find your district.
    let (status, html) = page(&app, "/?q=cedar", es).await;
    assert_eq!(status, StatusCode::OK);
    has_all(
        &html,
        &[
            "<html lang=\"es\">",
            "<title>Busque su distrito · Homeroom</title>",
            "<h1>Busque su distrito</h1>",
            "<label for=\"q\">Nombre del distrito</label>",
            "<label for=\"state\">Estado</label>",
            "<option value=\"\">Todos los estados</option>",
            ">Buscar</button>",
            "<h2 id=\"results-heading\">Distritos</h2>",
            "Cedar Valley Public Schools",
            "href=\"/d/cedar-valley/parent\">Padres</a>",
            "href=\"/d/cedar-valley/student\">Estudiante</a>",
        ],
    );
    has_none(
        &html,
        &["Find your district", ">Parent</a>", ">Search</button>"],
    );
    let (_, html) = page(&app, "/?q=nowhere+at+all", es).await;
    has_all(
        &html,
        &["No se encontraron distritos", "Revise cómo lo escribió"],
    );
    let (status, html) = page(&app, "/?state=ZZ", es).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    has_all(&html, &["Elija un estado de la lista."]);
    // The same page in English without the header.
    let (_, html) = page(&app, "/?q=cedar", None).await;
    has_all(
        &html,
        &[
            "<html lang=\"en\">",
            "<h1>Find your district</h1>",
            "href=\"/d/cedar-valley/parent\">Parent</a>",
            "href=\"/d/cedar-valley/student\">Student</a>",
        ],
    );
    has_none(&html, &["Busque su distrito", "Padres"]);

    // Log in, with its links.
    let (status, html) = page(&app, "/d/cedar-valley/parent", es).await;
    assert_eq!(status, StatusCode::OK);
    has_all(
        &html,
        &[
            "<title>Portal de Padres · Cedar Valley Public Schools · Homeroom</title>",
            "<h1>Portal de Padres</h1>",
            "<label for=\"username\">Nombre de usuario</label>",
            "<label for=\"password\">Contraseña</label>",
            "<button type=\"submit\">Iniciar sesión</button>",
            ">¿Olvidó su contraseña?</a>",
            ">¿Olvidó su nombre de usuario?</a>",
            "/activate\">Usuario nuevo</a>",
            ">¿Es estudiante? Vaya al Portal de Estudiantes</a>",
            ">Buscar otro distrito</a>",
        ],
    );
    has_none(&html, &["Username", "Log In", "New User", "Forgot your"]);
    let (_, html) = page(&app, "/d/cedar-valley/student", es).await;
    has_all(
        &html,
        &[
            "<h1>Portal de Estudiantes</h1>",
            ">¿Es padre o tutor? Vaya al Portal de Padres</a>",
        ],
    );

    // What went wrong, in Spanish: a wrong password, then a parent on the Student page.
    let (status, html) = post_form(
        &app,
        "/d/cedar-valley/parent",
        &[
            ("username", "maria.alvarez"),
            ("password", "not her password"),
        ],
        es,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    has_all(
        &html,
        &[
            "El nombre de usuario o la contraseña no son correctos.",
            "value=\"maria.alvarez\"",
        ],
    );
    let (status, html) = post_form(
        &app,
        "/d/cedar-valley/student",
        &[
            ("username", "maria.alvarez"),
            ("password", "maple river lantern"),
        ],
        es,
    )
    .await;
    assert_ne!(status, StatusCode::SEE_OTHER, "{html}");
    has_all(
        &html,
        &[
            "Esta es una cuenta de padre o tutor. Inicie sesión en el Portal de Padres.",
            "<a href=\"/d/cedar-valley/parent\">Ir al Portal de Padres</a>",
        ],
    );
    // A form without its fields.
    let (status, html) = post_form(&app, "/d/cedar-valley/parent", &[], es).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    has_all(&html, &["Escriba su nombre de usuario y su contraseña."]);

    // And in English without the header, word for word as DESIGN.md has them.
    let (_, html) = page(&app, "/d/cedar-valley/parent", None).await;
    has_all(
        &html,
        &[
            "<h1>Parent Portal</h1>",
            "<label for=\"username\">Username</label>",
            "<label for=\"password\">Password</label>",
            "<button type=\"submit\">Log In</button>",
            ">Forgot your password?</a>",
            ">Forgot your username?</a>",
            "/activate\">New User</a>",
            ">Student? Go to the Student portal</a>",
        ],
    );
    has_none(&html, &["Contraseña", "Iniciar sesión"]);

    // New User and the forgotten-username page.
    let (_, html) = page(&app, "/d/cedar-valley/activate", es).await;
    has_all(
        &html,
        &[
            "<h1>Usuario nuevo</h1>",
            "<label for=\"key\">Clave de activación</label>",
            ">Continuar</button>",
            "¿No tiene clave? Comuníquese con su distrito escolar",
            ">Volver a Iniciar sesión</a>",
        ],
    );
    let (status, html) = post_form(
        &app,
        "/d/cedar-valley/activate",
        &[("key", "7K3M-9QRT-A2B4-C6D8-EFGH")],
        es,
    )
    .await;
    assert!(status.is_client_error(), "{status}: {html}");
    has_all(&html, &["Esta clave de activación no es válida."]);
    let (_, html) = page(&app, "/d/cedar-valley/username/forgot", es).await;
    has_all(
        &html,
        &[
            "<h1>¿Olvidó su nombre de usuario?</h1>",
            "<label for=\"email\">Correo electrónico</label>",
            ">Enviar mis nombres de usuario</button>",
        ],
    );
    app.stop().await;
}

#[tokio::test]
async fn reset_mail_is_written_in_the_language_of_the_account() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    switch(&app, "forgot_password", "on").await;
    maria_reads(&app, Lang::Es).await;

    // The page in Spanish; the request itself from an English browser: the mail follows the
    // account, not the request.
    let (status, html) = page(&app, "/d/cedar-valley/password/forgot", Some("es")).await;
    assert_eq!(status, StatusCode::OK);
    has_all(
        &html,
        &[
            "<h1>¿Olvidó su contraseña?</h1>",
            "Escriba su nombre de usuario.",
            ">Enviar el enlace</button>",
        ],
    );
    let (status, html) = post_form(
        &app,
        "/d/cedar-valley/password/forgot",
        &[("username", "maria.alvarez")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    has_all(
        &html,
        &["If that username has an account with an email address"],
    );
    assert_eq!(worker::run_due(&app.app).await.unwrap(), 1);
    let received = sink.received().await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["maria.alvarez@example.org"]);
    let (subject, body) = read(&received[0]);
    assert_eq!(
        subject,
        "Restablezca la contraseña de su portal de Cedar Valley Public Schools"
    );
    has_all(
        &body,
        &[
            // The text part.
            "Hola, Maria:",
            "Alguien pidió restablecer la contraseña de la cuenta maria.alvarez del portal de Cedar Valley Public Schools.",
            "abra este enlace en los próximos 30 minutos",
            "El enlace funciona una sola vez.",
            // The HTML part.
            "<html lang=\"es\">",
            "<title>Restablezca su contraseña</title>",
            "de la cuenta <strong>maria.alvarez</strong> del portal",
            ">Elegir una contraseña nueva</a>",
        ],
    );
    has_none(&body, &["Hello", "Someone asked", "Choose a new password"]);

    // The link's page in Spanish, and the new password; the "changed" mail is Spanish too.
    let token = token_in(&body);
    let (status, html) = page(
        &app,
        &format!("/d/cedar-valley/password/reset?token={token}"),
        Some("es"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    has_all(
        &html,
        &[
            "<h1>Elija una contraseña nueva</h1>",
            "<label for=\"password\">Contraseña nueva</label>",
            ">Cambiar contraseña</button>",
        ],
    );
    let (status, html) = post_form(
        &app,
        "/d/cedar-valley/password/reset",
        &[("token", &token), ("password", "juniper sailboat echo")],
        Some("es"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    has_all(
        &html,
        &["Su contraseña se cambió. Inicie sesión con ella ahora."],
    );
    let (status, html) = post_form(
        &app,
        "/d/cedar-valley/password/reset",
        &[("token", &token), ("password", "another fine phrase")],
        Some("es"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    has_all(&html, &["Este enlace no es válido: ya se usó o venció."]);
    assert_eq!(worker::run_due(&app.app).await.unwrap(), 1);
    let received = sink.received().await;
    assert_eq!(received.len(), 2);
    let (subject, body) = read(&received[1]);
    assert_eq!(
        subject,
        "Se cambió la contraseña de su portal de Cedar Valley Public Schools"
    );
    has_all(
        &body,
        &[
            "Se cambió la contraseña de la cuenta maria.alvarez del portal",
            "<strong>maria.alvarez</strong>",
            "comuníquese de inmediato con su distrito escolar",
        ],
    );

    // An account that reads English gets English, even when asked from a Spanish page.
    maria_reads(&app, Lang::En).await;
    let (status, html) = post_form(
        &app,
        "/d/cedar-valley/password/forgot",
        &[("username", "maria.alvarez")],
        Some("es"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    has_all(&html, &["Si ese nombre de usuario tiene una cuenta"]);
    assert_eq!(worker::run_due(&app.app).await.unwrap(), 1);
    let received = sink.received().await;
    assert_eq!(received.len(), 3);
    let (subject, body) = read(&received[2]);
    assert_eq!(
        subject,
        "Reset your Cedar Valley Public Schools portal password"
    );
    has_all(
        &body,
        &[
            "Hello Maria,",
            "Someone asked to reset the password of the Cedar Valley Public Schools portal account maria.alvarez.",
            "<html lang=\"en\">",
            "portal account <strong>maria.alvarez</strong>.",
            ">Choose a new password</a>",
        ],
    );
    has_none(&body, &["Hola", "contraseña"]);
    app.stop().await;
}
