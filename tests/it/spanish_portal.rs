//! The pages families use after logging in speak Spanish to a browser that asks for it
//! (`Accept-Language: es`) and English otherwise: home, the six tools, Notifications, the
//! Access Log, Linked Districts, and the pages of errors.

use reqwest::StatusCode;
use reqwest::header::ACCEPT_LANGUAGE;

use crate::portal::{Portal, portal_with};
use homeroom::services::notifications::{self, MessageRequest};
use homeroom::services::tools::{self, SwitchRequest};
use homeroom::services::worker;

const SPANISH: &str = "es-MX,es;q=0.9,en;q=0.5";

/// The portal fixture, in a state that links districts, with a message from school in every
/// inbox.
async fn fixture() -> Portal {
    let p = portal_with(|c| homeroom::config::ConfigInput {
        linking_states: Some(vec!["CA".into()]),
        ..c
    })
    .await;
    notifications::send_message(
        &p.app.app,
        &crate::harness::operator(&p.district),
        &MessageRequest {
            audience: "district",
            reference: None,
            title: "Early release",
            body: "School ends at noon on Friday.",
        },
    )
    .await
    .unwrap();
    while worker::run_due(&p.app.app).await.unwrap() > 0 {}
    p
}

/// A page as Maria, Ava's mother, reads it: in Spanish or in the browser's default.
async fn read(p: &Portal, path: &str, spanish: bool) -> (StatusCode, String) {
    let (status, html) = p
        .page_in(path, Some("parent"), spanish.then_some(SPANISH))
        .await;
    let lang = if spanish { "es" } else { "en" };
    assert!(
        html.contains(&format!("<html lang=\"{lang}\">")),
        "{path} is not in {lang}: {html}"
    );
    (status, html)
}

/// Each page holds its own words, and none of the other language's.
fn in_words(path: &str, html: &str, expected: &[&str], other: &[&str]) {
    for words in expected {
        assert!(html.contains(words), "{path}: no {words:?} in {html}");
    }
    for words in other {
        assert!(!html.contains(words), "{path}: {words:?} in {html}");
    }
}

/// (path, Spanish words, English words), Ava's tools by her id.
fn pages(ava: i64) -> Vec<(String, Vec<&'static str>, Vec<&'static str>)> {
    let tool = |name: &str| format!("/d/river/students/{ava}/{name}");
    vec![
        (
            "/d/river/home".to_owned(),
            vec![
                "Le damos la bienvenida, Maria",
                "Ha iniciado sesión en el Portal de Padres como <strong>maria</strong>.",
                "aria-label=\"Herramientas de Ava Alvarez\"",
                ">Hoy</a>",
                ">Calificaciones</a>",
                ">Distritos vinculados</a>",
                ">Cerrar sesión</button>",
            ],
            vec![
                "Welcome, Maria",
                "You are logged in to the Parent Portal as <strong>maria</strong>.",
                "aria-label=\"Tools for Ava Alvarez\"",
                ">Today</a>",
                ">Grades</a>",
                ">Linked Districts</a>",
                ">Log Out</button>",
            ],
        ),
        (
            tool("today"),
            vec![
                "<h1>Hoy <span",
                "Clases de hoy",
                "Período 1 · Math 3",
                "Próximas entregas",
                "se entrega el 2025-10-08",
                "Puntuaciones recientes",
                "Asistencia de hoy",
                "<strong>Tardanza</strong>, sin justificar",
                ">Registro de acceso</a>",
            ],
            vec![
                "<h1>Today <span",
                "Today's classes",
                "Period 1 · Math 3",
                "Due soon",
                "due 2025-10-08",
                "Recent scores",
                "Attendance today",
                "<strong>Tardy</strong>, unexcused",
                ">Access Log</a>",
            ],
        ),
        (
            tool("calendar"),
            vec![
                "<h2>octubre de 2025</h2>",
                ">Mes anterior</a>",
                ">Mes siguiente</a>",
                "No hay clases: Indigenous Peoples",
                "Se entrega: Homework 3",
            ],
            vec![
                "<h2>October 2025</h2>",
                ">Previous month</a>",
                ">Next month</a>",
                "No school: Indigenous Peoples",
                "Due: Homework 3",
            ],
        ),
        (
            tool("assignments"),
            vec![
                "<h1>Tareas <span",
                ">Tarea</th>",
                ">Fecha de entrega</th>",
                ">Puntuación</th>",
                ">Falta</span>",
                ">Tarde</span>",
                ">Justificado</span>",
            ],
            vec![
                "<h1>Assignments <span",
                ">Assignment</th>",
                ">Due</th>",
                ">Score</th>",
                ">Missing</span>",
                ">Late</span>",
                ">Excused</span>",
            ],
        ),
        (
            tool("grades"),
            vec![
                "<h1>Calificaciones <span",
                ">Período de calificaciones</th>",
                ">En curso</th>",
                ">1 falta</span>",
                "Letras: ",
            ],
            vec![
                "<h1>Grades <span",
                ">Grading period</th>",
                ">In progress</th>",
                ">1 missing</span>",
                "Letters: ",
            ],
        ),
        (
            tool("attendance"),
            vec![
                "<h1>Asistencia <span",
                "Fall:\n    1 ausencia, 1 tardanza (1 justificada, 1 sin justificar)",
                "<strong>Ausente</strong>, justificada",
                "Todo el día",
                "No hay ausencias ni tardanzas.",
            ],
            vec![
                "<h1>Attendance <span",
                "Fall:\n    1 absence, 1 tardy (1 excused, 1 unexcused)",
                "<strong>Absent</strong>, excused",
                "Whole day",
                "No absences or tardies.",
            ],
        ),
        (
            tool("schedule"),
            vec![
                "<h1>Horario <span",
                "del 2025-08-15 al 2025-12-19",
                ">Período</th>",
                ">Salón</th>",
                ">Maestro(a)</th>",
            ],
            vec![
                "<h1>Schedule <span",
                "2025-08-15 to 2025-12-19",
                ">Period</th>",
                ">Room</th>",
                ">Teacher</th>",
            ],
        ),
        (
            "/d/river/notifications".to_owned(),
            vec![
                "<h1>Notificaciones</h1>",
                "sin leer</span>",
                "Las notificaciones se guardan durante 90 días.",
                "6 de octubre a las 12:00 p. m.",
                ">Marcar como leída</button>",
                "Puntuaciones nuevas por correo electrónico",
                "En un resumen diario, a las 5 p. m.",
                ">Guardar</button>",
            ],
            vec![
                "<h1>Notifications</h1>",
                "unread</span>",
                "Notifications are kept for 90 days.",
                "October 6 at 12:00 PM",
                ">Mark read</button>",
                "New scores by email",
                "In one daily summary, at 5 PM",
                ">Save</button>",
            ],
        ),
        (
            "/d/river/access-log".to_owned(),
            vec![
                "<h1>Registro de acceso</h1>",
                "Consultas de los expedientes de sus hijos",
                "<td>6 oct 2025, 12:00 p. m.</td>",
                "<td>Maria Alvarez (padre o tutor)</td>",
                "<td>Calificaciones</td>",
            ],
            vec![
                "<h1>Access Log</h1>",
                "Reads of your children",
                "<td>Oct 6, 2025 12:00 PM</td>",
                "<td>Maria Alvarez (parent)</td>",
                "<td>Grades</td>",
            ],
        ),
        (
            "/d/river/links".to_owned(),
            vec![
                "<h1>Distritos vinculados</h1>",
                "Esta cuenta todavía no está vinculada con una cuenta de otro distrito.",
                ">Administrar distritos</a>",
            ],
            vec![
                "<h1>Linked Districts</h1>",
                "This account is not linked with an account in another district yet.",
                ">Manage Districts</a>",
            ],
        ),
        (
            "/d/river/links/manage".to_owned(),
            vec![
                "<h1>Administrar distritos</h1>",
                "Generar un código desde este distrito",
                "Ingresar el código generado desde otro distrito",
                ">Generar</button>",
                ">Vincular</button>",
            ],
            vec![
                "<h1>Manage Districts</h1>",
                "Generate a code from this district",
                "Enter the code generated from another district",
                ">Generate</button>",
                ">Link</button>",
            ],
        ),
    ]
}

#[tokio::test]
async fn a_parent_reads_every_page_in_spanish_when_the_browser_asks_and_in_english_otherwise() {
    let p = fixture().await;
    for (path, spanish, english) in pages(p.ava) {
        let (status, html) = read(&p, &path, true).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        in_words(&path, &html, &spanish, &english);
        let (status, html) = read(&p, &path, false).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        in_words(&path, &html, &english, &spanish);
    }
    // The JSON API stays in English whatever the browser asks.
    let response = p
        .app
        .client
        .get(p.app.url("/api/v1/me/access-log"))
        .bearer_auth(p.token("parent"))
        .header(ACCEPT_LANGUAGE, SPANISH)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    let first = &body["entries"][0];
    assert_eq!(first["reader"], "Maria Alvarez (parent)", "{body}");
    assert_eq!(first["when"], "Oct 6, 2025 12:00 PM", "{body}");
}

#[tokio::test]
async fn page_errors_and_a_tool_turned_off_are_told_in_the_page_language() {
    let p = fixture().await;
    // A student this parent may not see, and an address that is nothing.
    for path in [
        "/d/river/students/999999/grades".to_owned(),
        "/no/such/page".to_owned(),
    ] {
        let (status, html) = read(&p, &path, true).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        in_words(
            &path,
            &html,
            &[
                "<h1>Página no encontrada</h1>",
                "No se encontró nada en esta dirección.",
                "Ir a la página de inicio",
            ],
            &["Page not found", "Nothing was found"],
        );
        let (status, html) = read(&p, &path, false).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        in_words(
            &path,
            &html,
            &[
                "<h1>Page not found</h1>",
                "Nothing was found at this address.",
                "Go to the home page",
            ],
            &["Página no encontrada"],
        );
    }

    // Staff turn Grades off for parents without a reason: the default one, in each language.
    tools::switch(
        &p.app.app,
        &crate::harness::operator(&p.district),
        &SwitchRequest {
            tool: "grades",
            portal: "parent",
            school: None,
            enabled: false,
            reason: None,
        },
    )
    .await
    .unwrap();
    let grades = format!("/d/river/students/{}/grades", p.ava);
    let (status, html) = read(&p, &grades, true).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    in_words(
        &grades,
        &html,
        &[
            "<h1>Esta herramienta está desactivada</h1>",
            "Su distrito escolar desactivó esta herramienta.",
        ],
        &["turned off"],
    );
    let (_, home) = read(&p, "/d/river/home", true).await;
    assert!(
        home.contains(
            "Calificaciones no está disponible: Su distrito escolar desactivó esta herramienta."
        ),
        "{home}"
    );
    let (status, html) = read(&p, &grades, false).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("<h1>This tool is turned off</h1>"), "{html}");
    assert!(html.contains("Your school district has turned this tool off."));
    let (_, home) = read(&p, "/d/river/home", false).await;
    assert!(
        home.contains("Grades is not available: Your school district has turned this tool off.")
    );

    // A wrong code on Manage Districts.
    let response = p
        .app
        .client
        .post(p.app.url("/d/river/links"))
        .bearer_auth(p.token("parent"))
        .header(ACCEPT_LANGUAGE, SPANISH)
        .form(&[("code", "ABCD-EFGH-JKMN")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Este código no es válido. Cada código funciona una sola vez"),
        "{html}"
    );

    // The app's Connection Error page.
    let (status, html) = read(&p, "/offline", true).await;
    assert_eq!(status, StatusCode::OK);
    in_words(
        "/offline",
        &html,
        &[
            "<h1>Error de conexión</h1>",
            "Revise su conexión a Internet",
            ">Volver a intentar</a>",
        ],
        &["Connection Error", "Try again"],
    );
    let (_, html) = read(&p, "/offline", false).await;
    assert!(html.contains("<h1>Connection Error</h1>") && html.contains(">Try again</a>"));
}
