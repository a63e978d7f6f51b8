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
notice-conversation-title = { $name } escribió sobre { $student }

# Palabras que muestran los scripts de la página, que la página les entrega.
captcha-working = Trabajando…
captcha-done = Listo. Presione el botón de abajo para continuar.
captcha-failed = No funcionó. Escriba las letras.
links-copied = Copiado.
links-copy-by-hand = Cópielo a mano.
push-working = Activando…
push-blocked = Las notificaciones están bloqueadas en la configuración de este navegador.
push-on-done = Las notificaciones push están activadas en este dispositivo.
push-failed = No se pudieron activar las notificaciones push.
push-too-many = Esta cuenta ya recibe notificaciones push en { $count } navegadores y aplicaciones. Desactive una en Configuración primero.

# Fechas y horas.

when-month = { $month ->
    [1] enero
    [2] febrero
    [3] marzo
    [4] abril
    [5] mayo
    [6] junio
    [7] julio
    [8] agosto
    [9] septiembre
    [10] octubre
    [11] noviembre
   *[12] diciembre
}
when-month-short = { $month ->
    [1] ene
    [2] feb
    [3] mar
    [4] abr
    [5] may
    [6] jun
    [7] jul
    [8] ago
    [9] sept
    [10] oct
    [11] nov
   *[12] dic
}
# 3:05 p. m.
when-time = { $hour }:{ $minute } { $half ->
    [am] a. m.
   *[pm] p. m.
}
# octubre de 2025
when-month-year = { $month } de { $year }
# 6 oct 2025, 3:05 p. m.
when-date-time = { $day } { $month } { $year }, { $time }
# 6 de octubre a las 3:05 p. m.
when-day-time = { $day } de { $month } a las { $time }

# Qué está mal en un valor que alguien escribió.
invalid-username-length = Un nombre de usuario tiene de { $min } a { $max } caracteres.
invalid-username-characters = Un nombre de usuario solo puede tener letras a-z, números y . _ - @ +
invalid-code-characters = { $what ->
        [key] Una clave de activación
       *[code] Un código
    } solo tiene letras y números.
invalid-code-length = { $what ->
        [key] Una clave de activación
       *[code] Un código
    } tiene { $length } letras y números.
invalid-link-code = Un código empieza con el número de su distrito, como en 12-ABCD-EFGH.
invalid-grade-threshold = Un límite de calificación es un porcentaje entero del 1 al 100, no “{ $value }”.
invalid-window-order = El período termina antes de empezar.
invalid-window-length = Un período dura como máximo 400 días.
invalid-date = Una fecha se escribe AAAA-MM-DD, no “{ $value }”.

# Lo que impide una solicitud.
conflict-same-district = No se pueden vincular dos cuentas del mismo distrito. Escriba el código en el portal del otro distrito.
conflict-other-kind = Una cuenta { $kind ->
        [parent] de padre o tutor solo se puede vincular con otra cuenta de padre o tutor.
        [student] de estudiante solo se puede vincular con otra cuenta de estudiante.
       *[other] del personal solo se puede vincular con otra cuenta del personal.
    }
conflict-linked-already = Estas cuentas ya están vinculadas.
conflict-one-district = Vincularlas juntaría dos cuentas del mismo distrito. Primero desvincule una.
conflict-has-account = Esta persona ya tiene una cuenta.
conflict-has-account-reset = Esta persona ya tiene una cuenta: restablezca su contraseña.
conflict-keys-only = Las claves son solo para padres o tutores y estudiantes activos.

## Solicitudes de ausencia: lo que se avisa a la familia de una decisión, y el resumen de la oficina.

absence-notice-title = La solicitud de ausencia de { $name } { $state ->
        [approved] fue aprobada
       *[declined] fue rechazada
    }
absence-notice-body = La ausencia de { $name } el { $days } { $state ->
        [approved] fue aprobada: la escuela la cuenta como justificada.
       *[declined] fue rechazada. Comuníquese con la oficina de asistencia de la escuela.
    }
absence-notice-note = Nota de la oficina: { $note }
absence-office-title = { $count ->
        [one] Una nueva solicitud de ausencia
       *[other] { $count } nuevas solicitudes de ausencia
    }: { $school }
weekday-short = { $day ->
    [1] lun
    [2] mar
    [3] mié
    [4] jue
    [5] vie
    [6] sáb
   *[7] dom
}
