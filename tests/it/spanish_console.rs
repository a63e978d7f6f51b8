//! The Staff Console in Spanish for a browser that asks for it, and in English otherwise.

use reqwest::StatusCode;
use reqwest::header::ACCEPT_LANGUAGE;

use crate::portal::{Portal, portal};

async fn staff_page(p: &Portal, path: &str, accept: Option<&str>) -> String {
    let mut request = p
        .app
        .client
        .get(p.app.url(path))
        .bearer_auth(p.token("staff"));
    if let Some(accept) = accept {
        request = request.header(ACCEPT_LANGUAGE, accept);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_staff_console_speaks_spanish_when_asked() {
    let p = portal().await;
    let jorge = {
        let html = staff_page(&p, "/d/river/admin?q=Jorge", None).await;
        let at = html.find("/d/river/admin/people/").unwrap() + "/d/river/admin/people/".len();
        html[at..].split('"').next().unwrap().to_owned()
    };
    let pages = [
        (
            "/d/river/admin".to_owned(),
            [
                "Consola del personal",
                "Buscar una persona o una cuenta",
                "Importar desde el sistema de información estudiantil",
            ],
            [
                "Staff Console",
                "Find a person or an account",
                "Import from the student information system",
            ],
        ),
        (
            "/d/river/admin/tools".to_owned(),
            [
                "Herramientas del portal",
                "Activar o desactivar una herramienta",
                "Portal de Padres",
            ],
            ["Portal Tools", "Switch a tool on or off", "Parent portal"],
        ),
        (
            "/d/river/admin/messages".to_owned(),
            [
                "Enviar un mensaje",
                "Todo el distrito",
                "Volver a la Consola del personal",
            ],
            [
                "Send a Message",
                "The whole district",
                "Back to the Staff Console",
            ],
        ),
        (
            format!("/d/river/admin/people/{jorge}"),
            [
                "Identificador en el sistema de información estudiantil",
                "Familia",
                "Activar el acceso al portal",
            ],
            [
                "Id in the student information system",
                "Family",
                "Turn Portal Access On",
            ],
        ),
    ];
    for (path, spanish, english) in pages {
        let es = staff_page(&p, &path, Some("es-US,es;q=0.9")).await;
        let en = staff_page(&p, &path, None).await;
        for (want, other) in spanish.iter().zip(english) {
            assert!(es.contains(want), "{path}: {want} in {es}");
            assert!(en.contains(other), "{path}: {other} in {en}");
            assert!(!en.contains(want), "{path}: {want} in English");
        }
    }
    // The tools by their names in the page's language.
    let es = staff_page(&p, "/d/river/admin/tools", Some("es")).await;
    assert!(es.contains("<th scope=\"row\">Calificaciones</th>"), "{es}");
    assert!(
        es.contains("<option value=\"grades\">Calificaciones</option>"),
        "{es}"
    );
    let en = staff_page(&p, "/d/river/admin/tools", None).await;
    assert!(en.contains("<th scope=\"row\">Grades</th>"), "{en}");
    p.app.stop().await;
}
