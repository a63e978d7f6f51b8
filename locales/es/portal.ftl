# portal: las páginas que usan las familias después de iniciar sesión (inicio, las seis
# herramientas, Notificaciones, Registro de acceso, Distritos vinculados), los errores de
# página y la página Error de conexión.

## Las herramientas, como las nombran los menús y los títulos.

tool-today = Hoy
tool-calendar = Calendario
tool-assignments = Tareas
tool-grades = Calificaciones
tool-attendance = Asistencia
tool-schedule = Horario
tool-off-default = Su distrito escolar desactivó esta herramienta.
tool-parents-only = Esta herramienta es para los padres.
tool-off-line = { $tool } no está disponible: { $reason }

## Inicio y el menú de la cuenta.

home-portal-parent = Portal de Padres
home-portal-student = Portal de Estudiantes
home-portal-staff = Consola del personal
home-portal-teacher = Portal de Docentes
home-welcome = Le damos la bienvenida, { $name }
# Le siguen el nombre de usuario, en negrita, y un punto.
home-logged-in = Ha iniciado sesión en { $kind ->
    [staff] la
   *[other] el
} { $portal } como
home-no-students = Todavía no hay expedientes de estudiantes compartidos con esta cuenta. Si esperaba ver aquí a su hijo o hija, comuníquese con su escuela.
home-grade = grado
home-tools-for = Herramientas de { $name }
menu-account = Cuenta
menu-home = Inicio
menu-notifications = Notificaciones
menu-unread = { $count } sin leer
menu-access-log = Registro de acceso
menu-linked-districts = Distritos vinculados
menu-settings = Configuración
menu-change-password = Cambiar contraseña
menu-log-out = Cerrar sesión

## La parte de arriba de cada herramienta.

nav-children = Hijos
nav-also-see = Ver también:
nav-tools = Herramientas

## Lo que muestran las herramientas.

flag-missing = Falta
flag-late = Tarde
flag-excused = Justificado
mark-absent = Ausente
mark-tardy = Tardanza
mark-present = Presente
mark-excused = justificada
mark-unexcused = sin justificar
mark-whole-day = Todo el día
tools-no-classes = Todavía no hay clases.
today-classes = Clases de hoy
today-no-school = Hoy no hay clases: { $reason }
today-weekend = Fin de semana
today-no-classes = Hoy no hay clases.
today-period = Período
today-due-soon = Próximas entregas
today-nothing-due = Nada que entregar en los próximos siete días.
today-due-on = se entrega el { $date }
today-recent-scores = Puntuaciones recientes
today-no-scores = No hay puntuaciones nuevas en las últimas dos semanas.
today-attendance = Asistencia de hoy
today-nothing-recorded = Hoy no hay nada registrado.
calendar-months = Meses
calendar-previous = Mes anterior
calendar-next = Mes siguiente
calendar-no-school = No hay clases: { $reason }
calendar-due = Se entrega:
assignments-assignment = Tarea
assignments-due = Fecha de entrega
assignments-score = Puntuación
assignments-flags = Avisos
grades-period = Período de calificaciones
grades-in-progress = En curso
grades-posted = Publicada
grades-other = Otro
grades-missing = { $count ->
    [one] 1 falta
   *[other] { $count } faltan
}
grades-scale = Letras: { $scale }. Las calificaciones en curso cambian a medida que se publican las puntuaciones.
attendance-outside-terms = Fuera de los períodos
attendance-absences = { $count ->
    [one] 1 ausencia
   *[other] { $count } ausencias
}
attendance-tardies = { $count ->
    [one] 1 tardanza
   *[other] { $count } tardanzas
}
attendance-excused = { $count ->
    [one] 1 justificada
   *[other] { $count } justificadas
}
attendance-unexcused = { $count } sin justificar
attendance-date = Fecha
attendance-mark = Registro
attendance-none = No hay ausencias ni tardanzas.
schedule-dates = del { $start } al { $end }
schedule-classes = Clases
schedule-period = Período
schedule-class = Clase
schedule-room = Salón
schedule-teacher = Maestro(a)

## Notificaciones (la bandeja y cómo recibirlas).

inbox-nothing-unread = No hay nada sin leer.
inbox-unread = { $count } sin leer.
inbox-kept = Las notificaciones se guardan durante 90 días.
inbox-new = Nueva
inbox-mark-read = Marcar como leída
inbox-device = En este dispositivo
inbox-push-on = Activar las notificaciones push
inbox-also = También por correo electrónico o push
inbox-tell-me = Avisarme, además de en esta bandeja, sobre
inbox-by-email = { $what } por correo electrónico
inbox-by-push = { $what } por notificación push
inbox-send-email = Enviar mis correos
inbox-immediate = Cada vez que llega una notificación
inbox-daily = En un resumen diario, a las 5 p. m.
inbox-grade-below = Avisarme cuando la calificación de una clase baje de (porcentaje; vacío para nunca)
inbox-save = Guardar
inbox-event-score = Puntuaciones nuevas
inbox-event-grade = Una calificación por debajo de mi límite
inbox-event-attendance = Ausencias y tardanzas
inbox-event-message = Mensajes de la escuela
inbox-bad-form = No se pudo leer el formulario.

## Registro de acceso.

accesslog-intro = Cada vez que alguien abre el expediente de un estudiante en el portal, queda registrado. Aquí está quién lo hizo, empezando por lo más reciente.
accesslog-none = Nadie ha consultado estos expedientes todavía.
accesslog-caption-parent = Consultas de los expedientes de sus hijos
accesslog-caption-student = Consultas de su expediente
accesslog-when = Cuándo
accesslog-student = Estudiante
accesslog-who = Quién
accesslog-what = Qué
accesslog-reader = { $name } ({ $role ->
    [parent] padre o tutor
    [student] estudiante
   *[staff] personal del distrito
})
accesslog-operator = Operador del distrito
accesslog-staff = Personal del distrito
accesslog-record = Expediente
accesslog-console = Cuenta y familia, en la consola del personal

## Distritos vinculados.

links-manage = Administrar distritos
links-generate-heading = Generar un código desde este distrito
links-generate-help = Luego inicie sesión en su cuenta del otro distrito e ingrese allí el código, antes de que pasen 10 minutos.
links-copy = Copiar
links-generate = Generar
links-enter-heading = Ingresar el código generado desde otro distrito
links-code = Código
links-link = Vincular
links-back = Volver a Distritos vinculados
links-none = Esta cuenta todavía no está vinculada con una cuenta de otro distrito.
links-switch = Cambiar
links-unlink = Desvincular
links-linked = Las cuentas quedaron vinculadas.
links-unlinked = La cuenta se desvinculó.
links-enter-code = Ingrese el código generado desde el otro distrito.

## Errores de página, un distrito en mantenimiento y la página Error de conexión de la app.

page-error-not-found = Página no encontrada
page-error-bad-link = Este enlace no funciona
page-error-tool-off = Esta herramienta está desactivada
page-error-invalid = No se pudo entender la solicitud
page-body-too-large = Eso supera los { $kib } KiB que una página acepta de una vez.
page-body-unreadable = No se pudo leer lo que se envió. Inténtelo de nuevo.
page-error-unavailable = El portal no está disponible
page-error-home = Ir a la página de inicio
page-error-nothing-here = No se encontró nada en esta dirección.
page-error-log-in = Inicie sesión.
page-error-change-password = Elija una contraseña nueva antes de continuar.
page-error-invalid-code = Este código no es válido. Cada código funciona una sola vez, durante 10 minutos: genere uno nuevo.
page-error-linking-off = Distritos vinculados no está disponible para esta cuenta.
page-error-reset-link = Este enlace no es válido: ya se usó o venció. Pida uno nuevo.
page-error-rate-limited = Demasiadas solicitudes desde su red. Espere unos minutos y vuelva a intentarlo.
page-error-database = El portal no está disponible por el momento. Vuelva a intentarlo en unos minutos.
page-error-internal = Algo salió mal de nuestra parte. Vuelva a intentarlo más tarde.
page-error-address = No se pudo entender la dirección.
unavailable-title = { $district } no está disponible
unavailable-later = Vuelva a intentarlo más tarde.
unavailable-other = Buscar otro distrito
offline-title = Error de conexión
offline-unreachable = No se pudo conectar con el portal.
offline-check = Revise su conexión a Internet: apague y vuelva a encender el wifi o los datos móviles.
offline-down = Asegúrese de que el portal de su distrito esté funcionando: el sitio web o la oficina de su escuela se lo dirá.
offline-retry = Volver a intentar

## Solicitud de ausencia: un padre avisa que su hijo faltará.

tool-absence-requests = Solicitud de ausencia
mark-reported-by-family = avisada por la familia
absence-sent = Solicitud enviada para { $days }.
absence-sent-skipped = No hay clases el { $days }: esos días no forman parte de la solicitud.
absence-what-next = La oficina de asistencia revisa cada solicitud. Se le avisará aquí (y por correo o notificación, si los eligió) cuando se apruebe o se rechace. Mientras tanto puede retirarla más abajo.
absence-new = Avisar una ausencia
absence-about = Avise a la escuela que su hijo faltará. Las solicitudes para hoy se aceptan hasta las { $time }; después, llame a la línea de asistencia de la escuela.
absence-from = Primer día
absence-from-help = Desde hoy (hasta la hora límite) hasta el { $last }.
absence-to = Último día
absence-to-help = Déjelo vacío para un solo día. Se omiten los fines de semana y los días sin clases.
absence-part = Falta
absence-part-whole-day = Todo el día
absence-part-arrive-late = Llega tarde
absence-part-leave-early = Sale temprano
absence-part-arrive-late-at = Llega tarde a las { $time }
absence-part-leave-early-at = Sale temprano a las { $time }
absence-time = Hora (si llega tarde o sale temprano)
absence-time-help = Por ejemplo 10:15. Déjela vacía para todo el día.
absence-reason = Motivo
absence-reason-pick = Elija un motivo
absence-reason-illness = Enfermedad
absence-reason-appointment = Cita
absence-reason-family = Familia
absence-reason-religious = Celebración religiosa
absence-reason-other = Otro
absence-comment = Comentario (opcional)
absence-comment-help = Como máximo 500 caracteres. Lo lee la oficina de asistencia.
absence-send = Enviar solicitud
absence-requests = Solicitudes
absence-none = Todavía no hay solicitudes.
absence-asked-by = enviada por { $name }
absence-office-note = Nota de la oficina: { $note }
absence-withdraw = Retirar la solicitud para { $days }
absence-state-submitted = Esperando a la oficina
absence-state-approved = Aprobada
absence-state-declined = Rechazada
absence-state-withdrawn = Retirada
absence-state-all = Todas
absence-fill-form = Indique el primer día, la parte del día y un motivo.
absence-invalid-part = Elija todo el día, llega tarde o sale temprano.
absence-invalid-reason = Elija un motivo.
absence-invalid-state = Elija de la lista qué mostrar.
absence-invalid-decision = Apruebe o rechace.
absence-invalid-time = Escriba la hora como HH:MM, por ejemplo 10:15.
text-control-characters = El texto no debe contener caracteres de control.
text-too-long = Escriba como máximo { $max } caracteres.
absence-error-order = El último día es anterior al primero.
absence-error-past = Ese día ya pasó.
absence-error-cutoff = Las solicitudes para hoy se cierran a las { $time }. Llame a la línea de asistencia de la escuela.
absence-error-ahead = Las solicitudes pueden llegar hasta { $days } días adelante, hasta el { $date }.
absence-error-time-whole-day = Todo el día no lleva hora. Indique una hora solo si llega tarde o sale temprano.
absence-error-time-needed = Indique a qué hora llega o sale su hijo.
absence-error-part-one-day = Llegar tarde o salir temprano se pide un día a la vez.
absence-error-too-many-days = Una solicitud cubre como máximo { $max } días de clase. Envíe otra para el resto o llame a la escuela.
absence-error-no-school-days = No hay clases esos días.
absence-error-duplicate = Ya hay una solicitud abierta para { $days }. Retírela primero para cambiarla.
absence-error-settled = Esta solicitud ya está { $state ->
        [approved] aprobada
        [declined] rechazada
       *[withdrawn] retirada
    }.

## Conversations
conversation-family-of = Familia de { $name }
conversation-students-off = Su distrito no permite que los estudiantes envíen mensajes.
conversation-blocked = El docente ha pausado las respuestas en esta conversación.
conversation-too-many = Ha enviado muchos mensajes en la última hora (como máximo { $max }). Espere un rato antes de escribir más.
conversation-teacher-unavailable = Este docente no puede recibir mensajes en Homeroom.
conversation-retract-late = Solo puede retirar sus propios mensajes, dentro de los 5 minutos después de escribirlos.
conversation-empty = Escriba un mensaje primero.
office-hours-no-day = Elija al menos un día.
office-hours-order = El horario de atención debe terminar después de empezar.
menu-conversations = Mensajes
conversations-title = Mensajes
conversations-none = Todavía no hay mensajes.
conversations-back = Todos los mensajes
conversation-about = Sobre { $name }
conversation-paused = Respuestas en pausa
conversation-paused-help = El docente ha pausado las respuestas en esta conversación.
conversation-office-hours = Horario de atención: { $hours }
conversation-sent = Su mensaje fue enviado.
conversation-expect-answer = El docente está fuera de su horario de atención: espere una respuesta a partir del { $when }.
conversation-retracted = Este mensaje fue retirado.
conversation-read-by = Leído por { $names }
conversation-retract = Retirar este mensaje
conversation-later = Mensajes posteriores
conversation-reply = Su respuesta
conversation-message = Su mensaje
conversation-body-help = Texto simple, hasta 4.000 caracteres. Las direcciones web se convierten en enlaces. Su distrito escolar puede leer todas las conversaciones.
conversation-send = Enviar
conversation-cannot-write = No puede escribir en esta conversación ahora.
conversation-pause = Pausar las respuestas de la familia
conversation-resume = Permitir que la familia responda de nuevo
conversation-to-teacher = Escribir a { $name }
conversation-to-family = Escribir a la familia de { $name }
conversation-to-class = Escribir a todas las familias de { $class } ({ $count } estudiantes)
conversation-write-to = Escribir a { $name }
teacher-classes = Sus clases de este período
teacher-no-classes = No hay clases en este período.
teacher-write-class = Escribir a todas las familias de esta clase
teacher-write-family = Escribir a la familia de { $name }
teacher-guardians = Tutores: { $names }
teacher-no-guardians = Ningún tutor usa el portal todavía.
office-hours-title = Horario de atención
office-hours-about = A las familias que escriban fuera de este horario se les dirá cuándo esperar una respuesta.
office-hours-saved = Su horario de atención fue guardado.
office-hours-days = Días
office-hours-start = Desde
office-hours-end = Hasta
office-hours-save = Guardar el horario
office-hours-clear = Quitar el horario de atención
weekday-long = { $day ->
    [1] lunes
    [2] martes
    [3] miércoles
    [4] jueves
    [5] viernes
    [6] sábado
   *[7] domingo
}
conversation-urgent = Urgente: enviar la notificación incluso en horas de descanso (de 21:00 a 7:00)
conversation-urgent-off = Su distrito no permite mensajes urgentes.
