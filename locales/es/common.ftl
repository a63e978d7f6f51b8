# Las palabras de Homeroom en español, comunes a todas las páginas. Cada archivo de esta
# carpeta tiene su gemelo en ../en con los mismos identificadores.

lang-code = es
other-lang-code = en
other-lang-name = English
skip-to-main = Saltar al contenido principal
footer-tagline = Homeroom · el portal para familias de su distrito escolar
log-in = Iniciar sesión

# Notificaciones, escritas para cada cuenta en su idioma.
notice-import-title = Novedades de la escuela
notice-import-line = { $scores ->
        [0] { $name }: { $marks } { $marks ->
                [one] marca de asistencia
               *[other] marcas de asistencia
            }
       *[other] { $marks ->
            [0] { $name }: { $scores } { $scores ->
                    [one] puntuación nueva
                   *[other] puntuaciones nuevas
                }
           *[other] { $name }: { $scores } { $scores ->
                    [one] puntuación nueva
                   *[other] puntuaciones nuevas
                } y { $marks } { $marks ->
                    [one] marca de asistencia
                   *[other] marcas de asistencia
                }
        }
    }
notice-grade-title = Una calificación por debajo del { $below } %
notice-grade-line = { $name }: { $class } está en { $percent } %
