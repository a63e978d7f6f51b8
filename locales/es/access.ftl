# Las palabras de las páginas que una familia encuentra antes de iniciar sesión y alrededor:
# buscar el distrito, iniciar sesión, Usuario nuevo, ¿Olvidó su contraseña? / ¿nombre de
# usuario?, el CAPTCHA, Cambiar contraseña, Configuración y las cartas con la clave de
# activación. Los mismos identificadores que ../en/access.ftl.

## Buscar su distrito

finder-title = Busque su distrito
finder-intro = Busque su distrito escolar por nombre o por estado y luego elija el portal que usa.
finder-district-name = Nombre del distrito
finder-state = Estado
finder-all-states = Todos los estados
finder-search = Buscar
finder-none-found = No se encontraron distritos
finder-districts = Distritos
finder-none-help = Revise cómo lo escribió, pruebe con parte del nombre o elija otro estado.
finder-parent = Padres
finder-student = Estudiante
finder-choose-state = Elija un estado de la lista.

## Iniciar sesión

access-portal-parent = Portal de Padres
access-portal-student = Portal de Estudiantes
access-portal-staff = Consola del personal
access-portal-teacher = Portal de Docentes
login-go-to-parent = Ir al Portal de Padres
login-go-to-student = Ir al Portal de Estudiantes
login-go-to-staff = Ir a la Consola del personal
login-go-to-teacher = Ir al Portal de Docentes
login-other-student = ¿Es estudiante? Vaya al Portal de Estudiantes
login-other-parent = ¿Es padre o tutor? Vaya al Portal de Padres
access-username = Nombre de usuario
access-password = Contraseña
access-second-factor-code = Código de verificación
access-second-factor-hint = El código de 6 dígitos que muestra ahora su aplicación de autenticación, o uno de sus códigos de recuperación.
access-forgot-password = ¿Olvidó su contraseña?
access-forgot-username = ¿Olvidó su nombre de usuario?
access-new-user = Usuario nuevo
login-find-another = Buscar otro distrito
login-fill-in = Escriba su nombre de usuario y su contraseña.

## Lo que salió mal, como lo dicen las páginas

access-error-invalid-credentials = El nombre de usuario o la contraseña no son correctos. Revíselos e inténtelo de nuevo.
access-error-captcha-required = Escriba las letras de la imagen para mostrar que es una persona.
access-error-second-factor-required = Escriba el código de 6 dígitos de su aplicación de autenticación, o uno de sus códigos de recuperación.
access-error-invalid-second-factor = Ese código no es correcto, o ya se usó. Escriba el código que muestra ahora su aplicación de autenticación.
access-error-second-factor-enroll = Su distrito exige la verificación en dos pasos para el personal. Configure primero una aplicación de autenticación.
access-error-captcha-invalid = Las letras no coinciden con la imagen. Pruebe con esta nueva.
access-error-locked = Demasiados intentos. Esta cuenta podrá iniciar sesión de nuevo después de { $hour ->
    [1] la
   *[other] las
} { $time }.
access-error-locked-soon = Demasiados intentos. Esta cuenta podrá iniciar sesión de nuevo en unos minutos.
access-error-wrong-portal-parent = Esta es una cuenta de padre o tutor. Inicie sesión en el Portal de Padres.
access-error-wrong-portal-student = Esta es una cuenta de estudiante. Inicie sesión en el Portal de Estudiantes.
access-error-wrong-portal-staff = Esta es una cuenta del personal. Inicie sesión en la Consola del personal.
access-error-wrong-portal-teacher = Esta es una cuenta de docente. Inicie sesión en el Portal de Docentes.
access-error-username-taken = Ese nombre de usuario ya está en uso. Elija otro.
access-error-invalid-key = Esta clave de activación no es válida. Compárela con su carta; cada clave funciona una sola vez.
access-error-expired-key = Esta clave de activación venció. Pida una nueva a su distrito escolar.
access-error-invalid-reset-link = Este enlace no es válido: ya se usó o venció. Pida uno nuevo.
access-error-rate-limited = Demasiadas solicitudes desde su red. Espere unos minutos e inténtelo de nuevo.

## El CAPTCHA

captcha-legend = Muestre que es una persona
captcha-image-alt = Cinco letras, dibujadas para que a una computadora le cueste leerlas
captcha-answer = Letras de la imagen
captcha-cant-read = ¿No puede leer la imagen?
captcha-puzzle = Deje que su dispositivo resuelva un acertijo

## Usuario nuevo

activate-key-for = Esta clave es para
activate-choose = Elija el nombre de usuario y la contraseña con los que iniciará sesión.
activate-username-rules = De 3 a 64 caracteres: letras, números y . _ - @ + (sirve una dirección de correo electrónico).
access-password-rules = Al menos { $min } caracteres. Que no sea su nombre de usuario ni una contraseña común. Unas cuantas palabras que pueda recordar son una buena contraseña.
activate-create = Crear cuenta
activate-intro = Escriba la clave de activación de la carta que le envió su distrito.
access-activation-key = Clave de activación
activate-key-help = 20 letras y números, como 7K3M-9QRT-A2B4-C6D8-EFGH.
access-continue = Continuar
activate-no-key = ¿No tiene clave? Comuníquese con su distrito escolar: le pueden enviar una.
activate-enter-key = Escriba su clave de activación.
access-back-to-login = Volver a Iniciar sesión

## ¿Olvidó su contraseña? / ¿Olvidó su nombre de usuario? / una contraseña nueva con el enlace

recovery-choose-new = Elija una contraseña nueva
recovery-password-intro = Escriba su nombre de usuario. Si su cuenta tiene una dirección de correo electrónico, le enviaremos un enlace para elegir una contraseña nueva.
recovery-send-link = Enviar el enlace
recovery-username-intro = Escriba la dirección de correo electrónico que tiene su escuela. Le enviaremos a ella los nombres de usuario de sus cuentas.
recovery-email = Correo electrónico
recovery-send-usernames = Enviar mis nombres de usuario
recovery-new-password = Contraseña nueva
recovery-password-help = Al menos { $min } caracteres. Unas cuantas palabras sin relación entre sí hacen una contraseña segura.
access-change-password = Cambiar contraseña
recovery-password-sent = Si ese nombre de usuario tiene una cuenta con correo electrónico, le enviamos un enlace para elegir una contraseña nueva. Funciona durante 30 minutos.
recovery-usernames-sent = Si hay cuentas que usan ese correo electrónico, le enviamos a esa dirección sus nombres de usuario.
recovery-changed = Su contraseña se cambió. Inicie sesión con ella ahora.
recovery-enter-username = Escriba su nombre de usuario.
recovery-enter-email = Escriba su dirección de correo electrónico.
recovery-enter-password = Escriba una contraseña nueva.
recovery-email-needed = Escriba la dirección de correo electrónico que tiene su escuela.

## Cambiar contraseña

password-must-change = Elija una contraseña nueva antes de continuar.
password-changed = Su contraseña se cambió. Se cerró la sesión en todos los demás dispositivos.
password-current = Contraseña actual
password-new = Contraseña nueva
password-fill-both = Escriba las dos contraseñas.
password-not-current = Esta no es su contraseña actual.

## Configuración

settings-title = Configuración
settings-where = Dónde tiene la sesión iniciada
settings-intro = Navegadores y aplicaciones con la sesión iniciada en esta cuenta. Cierre la sesión en los que no reconozca y luego cambie su contraseña.
settings-this-device = (este dispositivo)
settings-last-used = Último uso: { $when }
settings-from = desde { $address }
settings-app-on = Aplicación en { $device }
settings-app = Aplicación
settings-browser-agent = Navegador: { $agent }
settings-browser = Navegador
settings-log-out-device = Cerrar sesión en este dispositivo
settings-push = Notificaciones push
settings-push-intro = Navegadores y aplicaciones que reciben por push las notificaciones de esta cuenta. Cada uno deja de recibirlas al cerrar la sesión, y al cambiar la contraseña dejan de recibirlas todos.
settings-push-none = Ningún navegador ni aplicación recibe notificaciones push de esta cuenta.
settings-push-since = Activadas: { $when }
settings-push-last-sent = último envío: { $when }
settings-push-never-sent = todavía no se ha enviado nada
settings-push-end = Desactivar las notificaciones push en este dispositivo

## Las cartas con la clave de activación

letters-title = Cartas de activación
letters-for = Para
letters-intro-parent = El portal para familias de su distrito le permite seguir las clases, las calificaciones y la asistencia de sus hijos desde un navegador o un teléfono. Para crear su cuenta:
letters-intro-student = El portal para familias de su distrito le permite seguir sus clases, sus calificaciones y su asistencia desde un navegador o un teléfono. Para crear su cuenta:
letters-go-to = Vaya a
letters-select = Seleccione
letters-at-bottom = al final de la página.
letters-enter-this = Escriba esta
letters-choose = Elija un nombre de usuario y una contraseña que pueda recordar.
letters-expires = Esta clave funciona una sola vez y vence el
letters-expired-help = . Si ya venció, o si ya tiene una cuenta, comuníquese con su escuela.
letters-private = Guarde esta carta en privado: la clave abre una cuenta para { $name }.

## Por qué se rechazó una contraseña nueva.

password-too-short = Use al menos { $min } caracteres; unas cuantas palabras que pueda recordar forman una buena contraseña.
password-too-long = Use como máximo { $max } caracteres.
password-too-common = Esta contraseña es una de las más comunes y es fácil de adivinar. Elija otra.
password-is-username = Su contraseña no puede ser su nombre de usuario.
password-is-district-name = Su contraseña no puede ser el nombre del distrito.
second-factor-already = Esta cuenta ya tiene la verificación en dos pasos: quítela primero para configurar otra aplicación.
second-factor-wrong-code = Ese código no es correcto. Escriba el código de 6 dígitos que muestra ahora su aplicación de autenticación.
second-factor-not-started = Empiece primero a configurar la verificación en dos pasos: no hay ninguna aplicación esperando su primer código.
second-factor-none = Esta cuenta no tiene verificación en dos pasos que quitar.
second-factor-title = Verificación en dos pasos
second-factor-on = La verificación en dos pasos está activada: al iniciar sesión se pide un código de su aplicación de autenticación.
second-factor-step-app = Instale en su teléfono una aplicación de autenticación (cualquiera que genere códigos de 6 dígitos).
second-factor-step-scan = En la aplicación, agregue una cuenta y escanee este código.
second-factor-qr-alt = Código QR para su aplicación de autenticación
second-factor-step-type = O escriba esta clave:
second-factor-step-code = Escriba el código de 6 dígitos que muestra la aplicación.
second-factor-turn-on = Activar
second-factor-recovery-title = Sus códigos de recuperación
second-factor-recovery-help = Guárdelos en un lugar seguro. Si pierde su teléfono, cada código le permite iniciar sesión una vez en lugar del código de la aplicación. Solo se muestran ahora.
second-factor-remove-title = Quitar la aplicación de autenticación
second-factor-remove = Quitar
settings-second-factor-off = La verificación en dos pasos está desactivada: al iniciar sesión solo se pide su contraseña.
settings-second-factor-set-up = Configurar una aplicación de autenticación
settings-second-factor-manage = Administrar
login-passkey = Iniciar sesión con una llave de acceso
login-passkey-failed = La llave de acceso no inició la sesión. Vuelva a intentarlo o inicie sesión con su contraseña.
passkeys-title = Llaves de acceso
passkeys-intro = Una llave de acceso le permite iniciar sesión con el bloqueo de pantalla de su teléfono o computadora (huella, rostro o PIN) en lugar de su contraseña. Se queda en su dispositivo y solo funciona en este portal. Cambiar la contraseña quita todas las llaves de acceso.
passkeys-none = Esta cuenta no tiene llaves de acceso.
passkeys-added-on = Agregada el { $when }
passkeys-last-used = último uso el { $when }
passkeys-never-used = todavía sin usar
passkeys-remove = Quitar esta llave de acceso
passkeys-name = Nombre de la nueva llave de acceso (opcional)
passkeys-password = Su contraseña
passkeys-add = Agregar una llave de acceso
passkeys-working = Siga los pasos que muestra su dispositivo…
passkeys-failed = No se agregó la llave de acceso. Revise su contraseña y vuelva a intentarlo.
passkeys-unsupported = Este navegador no puede crear llaves de acceso.
passkeys-needs-script = Para agregar una llave de acceso se necesita JavaScript.
passkey-try-again = La solicitud de la llave de acceso venció o ya se usó. Vuelva a intentarlo.
passkey-not-accepted = No se pudo agregar esta llave de acceso. Vuelva a intentarlo o use otro dispositivo.
passkey-too-many = Una cuenta tiene como máximo { $max } llaves de acceso. Quite una primero.
passkey-name-too-long = El nombre de la llave de acceso debe tener como máximo { $max } caracteres.

## Sign in with the district's identity provider
sso-sign-in-with = Iniciar sesión con { $provider }
sso-failed-title = No se pudo iniciar sesión
sso-back-to-login = Volver a la página de inicio de sesión
sso-cancelled = El inicio de sesión fue cancelado o rechazado en el servicio de su distrito. Inténtelo de nuevo, o inicie sesión con su usuario y contraseña.
sso-provider-down = { $provider } no respondió. Inténtelo de nuevo en unos minutos, o inicie sesión con su usuario y contraseña.
sso-code-refused = Este inicio de sesión ya se usó o venció. Empiece de nuevo desde la página de inicio de sesión.
sso-token-refused = No se pudo confiar en la respuesta del servicio de inicio de sesión de su distrito, así que no se inició la sesión. Empiece de nuevo desde la página de inicio de sesión.
sso-no-claim = El servicio de inicio de sesión de su distrito no indicó quién es usted. Pida ayuda a su distrito escolar.
sso-state-unknown = Este inicio de sesión ya se usó o venció. Empiece de nuevo desde la página de inicio de sesión.
sso-nobody = El inicio de sesión de su distrito funcionó, pero nadie en este portal corresponde a su cuenta. Pida ayuda a su distrito escolar.
sso-several = El inicio de sesión de su distrito corresponde a más de una persona aquí, así que no se inició la sesión. Pida ayuda a su distrito escolar.
sso-account-unavailable = Su cuenta no se puede usar en este portal. Pida ayuda a su distrito escolar.
sso-signed-out-title = Ha cerrado la sesión
sso-signed-out-body = Ha cerrado la sesión del portal. Cerrando también su sesión de { $provider }, para que nadie más en este dispositivo quede con su cuenta…
sso-signed-out-continue = Cerrar la sesión de { $provider }
