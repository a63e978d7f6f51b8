# La Consola del personal: personas y cuentas, herramientas del portal, mensajes, importación,
# la cola de correo.

console-title = Consola del personal
console-back = Volver a la Consola del personal
console-save = Guardar
console-tools-link = Herramientas del portal
console-tools-about = : qué herramientas ven las familias, y cuándo.
console-message-link = Enviar un mensaje
console-message-about = {" "}al distrito, a una escuela, a un grado o a una clase.
console-search-label = Buscar una persona o una cuenta
console-search-help = Parte de un nombre, un identificador del sistema de información estudiantil o un nombre de usuario.
console-search = Buscar
console-nobody-found = No se encontró a nadie
console-people = Personas
console-account-named = cuenta { $username }
console-no-account = sin cuenta
console-mail-heading = Correo y notificaciones
console-mail-counts = { $waiting } por enviar, { $dead } que no se pudieron enviar.
console-mail-queue = Cola de correo
console-mail = Correo
console-since = Desde
console-state = Estado
console-tries = Intentos
console-last-error = Último error
console-waiting = En espera
console-not-sent = No enviado
console-form-unreadable = No se pudo leer el formulario: { $why }

job-reset-link = Enlace para restablecer la contraseña
job-password-changed = Aviso de contraseña cambiada
job-usernames = Recordatorio del nombre de usuario
job-notification-mail = Notificación por correo electrónico
job-digest = Resumen diario por correo electrónico
job-school-message = Mensaje de la escuela a las familias
job-import-news = Novedades de una importación para las familias
job-push = Notificación push
job-security-notice = Aviso de seguridad por correo
job-other = Otro

person-shown-once = Se muestra solo esta vez.
person-role = Función
person-sis-id = Identificador en el sistema de información estudiantil
person-account = Cuenta
person-active = activa
person-disabled = desactivada
person-none = ninguna
person-family = Familia
person-ended = terminada
person-portal-on = Acceso al portal activado
person-portal-off = Acceso al portal desactivado
person-turn-portal-off = Desactivar el acceso al portal
person-turn-portal-on = Activar el acceso al portal
person-staff-managed = Las cuentas del personal las administra el operador del portal, no esta consola.
person-reset-password = Restablecer la contraseña
person-reset-second-factor = Quitar la verificación en dos pasos
person-reset-second-factor-help = Para un teléfono perdido: la cuenta inicia sesión solo con su contraseña (el personal que debe tener una aplicación de autenticación configura una nueva). Se avisa a la cuenta.
person-reset-help = Asigna una contraseña temporal que se debe cambiar al iniciar sesión la próxima vez, y cierra la sesión de la cuenta en todas partes.
person-disable = Desactivar la cuenta
person-enable = Activar la cuenta
person-generate-key = Generar clave
person-print-letter = Imprimir carta
person-key-help = Ambos crean una nueva clave de activación; cualquier clave anterior deja de funcionar.
person-new-username = Nombre de usuario para una cuenta nueva
person-create-account = Crear cuenta
person-create-help = La cuenta recibe una contraseña temporal que se debe cambiar al iniciar sesión por primera vez.
person-activation-key = Clave de activación
person-key-note = Entréguela a { $name }; vence el { $expires }.
person-temporary-password = Contraseña temporal
person-account-created = Se creó la cuenta { $username }; la contraseña se debe cambiar al iniciar sesión por primera vez.
person-password-reset = { $username } debe cambiarla al iniciar sesión la próxima vez; se cerraron todas sus sesiones.
person-choose-username = Elija un nombre de usuario para la cuenta.

tools-title = Herramientas del portal
tools-today-caption = Hoy ({ $today }), para todo el distrito
tools-tool = Herramienta
tools-portal = Portal
tools-school = Escuela
tools-parent-portal = Portal de Padres
tools-student-portal = Portal de Estudiantes
tools-both-portals = Ambos portales
tools-whole-district = Todo el distrito
tools-scope = Qué herramienta, y dónde
tools-switches = Interruptores
tools-windows = Períodos desactivados
tools-remove-window = Quitar el período { $id }
tools-switch-heading = Activar o desactivar una herramienta
tools-switch = Interruptor
tools-on = Activada
tools-off = Desactivada
tools-off-because = Desactivada: { $reason }
tools-switch-reason = Motivo que verán las familias (si está desactivada)
tools-window-heading = Desactivar una herramienta entre dos fechas
tools-first-day = Primer día desactivada
tools-last-day = Último día desactivada
tools-window-reason = Motivo que verán las familias
tools-window-reason-help = Por ejemplo: Las calificaciones están cerradas mientras se preparan las boletas.
tools-add-window = Agregar período
tools-choose-on-off = Elija Activada o Desactivada.
tools-switch-saved = Se guardó el interruptor.
tools-window-added = Se agregó el período { $id }.
tools-window-removed = Se quitó el período { $id }.
tools-switch-on-line = { $tool } activada en el portal de { $portal ->
        [parent] Padres
       *[student] Estudiantes
    }, { $where }
tools-switch-off-line = { $tool } desactivada en el portal de { $portal ->
        [parent] Padres
       *[student] Estudiantes
    }, { $where }
tools-window-line = { $tool } desactivada del { $from } al { $to } en el portal de { $portal ->
        [parent] Padres
       *[student] Estudiantes
    }, { $where }: “{ $reason }”
tools-window-line-both = { $tool } desactivada del { $from } al { $to } en ambos portales, { $where }: “{ $reason }”

messages-title = Enviar un mensaje
messages-to = Para
messages-to-district = Todo el distrito
messages-to-school = Una escuela
messages-to-grade = Un grado
messages-to-class = Una clase
messages-which = Qué escuela, grado o clase
messages-which-help = El identificador de la escuela o de la clase en el sistema de información estudiantil, o el grado (por ejemplo, 03). Déjelo vacío para todo el distrito.
messages-subject = Título
messages-body = Mensaje
messages-send = Enviar
messages-fill-in = Escriba el título y el mensaje.
messages-sent = El mensaje va en camino a las familias.

import-title = Importar
import-heading = Importar desde el sistema de información estudiantil
import-file-label = Archivo OneRoster (.zip)
import-file-help = Completo o de cambios, OneRoster 1.1 o 1.2. No cambia nada a menos que todas las filas estén bien.
import-button = Importar
import-nothing-imported = No se importó nada: { $total } { $total ->
        [one] problema
       *[other] problemas
    } en los archivos.
import-the-first = Los primeros { $shown }:
import-warnings = { $total ->
    [one] Se importó una fila que parece incorrecta; revísela en el sistema de información estudiantil.
   *[other] Se importaron { $total } filas que parecen incorrectas; revíselas en el sistema de información estudiantil.
}
import-done = La importación terminó.
import-what-changed = Qué cambió
import-kind = Tipo
import-created = Creados
import-updated = Actualizados
import-deactivated = Desactivados
import-busy = Hay otra importación en curso. Vuelva a intentarlo cuando termine.
import-too-large = El archivo supera los { $megabytes } MB que acepta este servidor.
import-unreadable = No se pudo leer el archivo subido. Elíjalo de nuevo.
import-unstored = El servidor no pudo guardar el archivo subido.
import-choose-zip = Elija un archivo .zip para importar.
import-not-zip = Ese archivo no es un .zip. Exporte los archivos OneRoster como .zip y elíjalo.
console-read-limit = Ha abierto { $limit } expedientes de estudiantes en la última hora, el límite de este distrito para el personal. Se avisó a los administradores de su distrito. Podrá abrir más dentro de { $minutes } minutos.

## Solicitudes de ausencia: la cola de la oficina de asistencia.

console-absences-link = Solicitudes de ausencia
console-absences-about = : aprobar o rechazar las ausencias que avisan las familias.
absence-waiting = { $count } en espera
absence-queue-title = Solicitudes de ausencia
absence-queue-state = Mostrar
absence-queue-date = Que cubran el día
absence-queue-date-help = Déjelo vacío para las solicitudes de hoy y las próximas.
absence-queue-show = Mostrar
absence-queue-empty = No hay solicitudes que mostrar.
absence-no-school = Sin escuela
absence-note = Nota para la familia (opcional)
absence-note-for = Nota para la familia de { $name } (opcional)
absence-note-help = Como máximo 500 caracteres. La familia la lee con la decisión.
absence-approve-one = Aprobar a { $name }
absence-decline-one = Rechazar a { $name }
absence-bulk = Decidir las solicitudes marcadas
absence-approve-ticked = Aprobar las marcadas
absence-decline-ticked = Rechazar las marcadas
absence-pick-some = Marque al menos una solicitud.
absence-decided = { $count ->
        [one] Se decidió una solicitud.
       *[other] Se decidieron { $count } solicitudes.
    }
absence-decided-before = { $count ->
        [one] Una ya estaba decidida o retirada, y se dejó como estaba.
       *[other] { $count } ya estaban decididas o retiradas, y se dejaron como estaban.
    }
job-absence-office = Solicitudes de ausencia, a la oficina de asistencia
job-absence-decision = Una decisión de ausencia, a la familia
console-conversations-link = Conversaciones
console-conversations-about = : leer todas las conversaciones entre familias y docentes (cada lectura queda registrada).
conversations-console-help = Todas las conversaciones del distrito, las más recientes primero. Abrir una queda registrado en el registro de auditoría.
conversation-console-audited = Su lectura de esta conversación queda registrada en el registro de auditoría. Los mensajes retirados se muestran con su texto.
console-sync-link = Listas
console-sync-about = : la sincronización con la API OneRoster del SIS, y lo que importó cada una.
sync-title = Listas
sync-connected = Sincronizado con el SIS en { $url }.
sync-client = Cliente: { $client }.
sync-every = Se sincroniza cada { $every }.
sync-when-asked = Solo se sincroniza cuando se pide (el operador define sync_interval para hacerlo según un horario).
sync-now = Sincronizar ahora
sync-none = No hay un SIS conectado. El operador del portal lo conecta con homeroom sync oneroster.
sync-runs = Últimas sincronizaciones
sync-no-runs = Aún no se ha sincronizado.
sync-started = Inicio
sync-outcome = Resultado
sync-records = Registros leídos
sync-what = Qué pasó
sync-mode-bulk = todo
sync-mode-delta = lo que cambió
sync-outcome-imported = Importada
sync-outcome-failed = Falló: no se importó nada
sync-outcome-running = En curso
sync-by-schedule = programada
sync-problems = { $count } problema(s)
sync-queued = Una sincronización empezará en menos de un minuto. Vuelva a cargar esta página para verla.
sync-already-queued = Ya hay una sincronización esperando para empezar.
