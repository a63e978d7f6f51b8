# Las palabras del correo que envía el portal: un enlace para restablecer la contraseña, una
# contraseña cambiada, nombres de usuario olvidados, una notificación y el resumen diario. Cada
# correo se escribe en el idioma de la cuenta a la que va.

mail-hello-name = Hola, { $name }:
mail-hello = Hola:

## ¿Olvidó su contraseña?

mail-reset-subject = Restablezca la contraseña de su portal de { $district }
mail-reset-title = Restablezca su contraseña
mail-reset-asked = Alguien pidió restablecer la contraseña de la cuenta { $username } del portal de { $district }.
mail-reset-open = Para elegir una contraseña nueva, abra este enlace en los próximos 30 minutos:
mail-reset-link = Elegir una contraseña nueva
mail-reset-once = El enlace funciona una sola vez. Si usted no lo pidió, puede ignorar este correo: su contraseña no cambia.

## Se cambió la contraseña

mail-changed-subject = Se cambió la contraseña de su portal de { $district }
mail-changed-title = Se cambió su contraseña
mail-changed-body = Se cambió la contraseña de la cuenta { $username } del portal de { $district }, y se cerró la sesión en todos los dispositivos que la tenían abierta.
mail-changed-not-you = Si usted no lo hizo, comuníquese de inmediato con su distrito escolar.

## ¿Olvidó su nombre de usuario?

mail-usernames-subject = Su nombre de usuario del portal de { $district }
mail-usernames-title = Sus nombres de usuario
mail-usernames-asked = Alguien pidió los nombres de usuario de las cuentas del portal de { $district } que corresponden a esta dirección de correo electrónico. Son:
mail-log-in = Iniciar sesión
mail-log-in-at = Inicie sesión en
mail-ignore = Si usted no lo pidió, puede ignorar este correo.

## Una notificación y el resumen diario

mail-see-it = Véala en el portal
mail-notification-why = Recibe este correo porque lo pidió en la configuración de Notificaciones del portal.
mail-digest-heading = { $count ->
    [one] { $count } notificación
   *[other] { $count } notificaciones
} de { $district }
mail-see-them = Véalas en el portal
mail-digest-why = Recibe este correo una vez al día porque pidió un resumen diario en la configuración de Notificaciones del portal.

## Avisos de seguridad: lo que cambió quién puede entrar a una cuenta (también en la bandeja)

notice-account-of = { $username } de { $district }
notice-not-you = ¿No fue usted? Si usted no lo hizo ni lo esperaba, cambie su contraseña y comuníquese de inmediato con su distrito escolar.
notice-linked-subject = Su cuenta del portal de { $district } se vinculó con otra cuenta
notice-linked-body = La cuenta { $username } del portal de { $district } se vinculó con { $other }. Quien tenga la sesión abierta en una de las dos cuentas puede pasar a la otra sin contraseña.
notice-unlinked-subject = Su cuenta del portal de { $district } ya no está vinculada con otra cuenta
notice-unlinked-body = La cuenta { $username } del portal de { $district } ya no está vinculada con { $other }.
notice-reset-subject = El personal del distrito restableció su contraseña del portal de { $district }
notice-reset-body = El personal del distrito puso una contraseña temporal a la cuenta { $username } del portal de { $district }, y se cerró la sesión en todos los dispositivos que la tenían abierta. La contraseña temporal debe cambiarse al iniciar sesión.
notice-reads-subject = Una cuenta del personal de { $district } llegó a su límite por hora de expedientes de estudiantes
notice-reads-body = La cuenta del personal { $other } en la última hora, más de lo que { $district } permite, y no puede abrir más. Si no era de esperar, desactive la cuenta en la Consola del personal y pida al operador del portal que restablezca su contraseña.
notice-2fa-added-subject = La verificación en dos pasos está activada en su cuenta del portal de { $district }
notice-2fa-added-body = Se configuró una aplicación de autenticación para la cuenta { $username } del portal de { $district }: desde ahora, al iniciar sesión se pedirá su código. Si no fue usted, cambie su contraseña y pida ayuda a su distrito.
notice-2fa-removed-subject = Se desactivó la verificación en dos pasos de su cuenta del portal de { $district }
notice-2fa-removed-body = Se quitó la aplicación de autenticación de la cuenta { $username } del portal de { $district }: al iniciar sesión ya no se pedirá su código. Si no fue usted, cambie su contraseña y pida ayuda a su distrito.
notice-2fa-reset-subject = El personal del distrito desactivó la verificación en dos pasos de su cuenta del portal de { $district }
notice-2fa-reset-body = El personal del distrito quitó la aplicación de autenticación de la cuenta { $username } del portal de { $district }, para que se pueda configurar una nueva al iniciar sesión. Si usted no lo pidió, comuníquese con su distrito.
notice-created-subject = El personal del distrito le creó una cuenta del portal de { $district }
notice-created-body = El personal del distrito creó para usted la cuenta { $username } del portal de { $district }.
notice-email-subject = Cambió la dirección de correo de su cuenta del portal de { $district }
notice-email-body = La dirección de correo de la cuenta { $username } del portal de { $district } se cambió en los registros del distrito. Desde ahora el correo sobre la cuenta irá a la dirección nueva, no a esta.
notice-passkey-added-subject = Se agregó una llave de acceso a su cuenta del portal de { $district }
notice-passkey-added-body = Se agregó la llave de acceso "{ $other }" a la cuenta { $username } del portal de { $district }: ahora puede iniciar sesión sin la contraseña. Si no fue usted, cambie su contraseña (lo que quita todas las llaves de acceso) y pida ayuda a su distrito.
notice-passkey-removed-subject = Se quitó una llave de acceso de su cuenta del portal de { $district }
notice-passkey-removed-body = Se quitó la llave de acceso "{ $other }" de la cuenta { $username } del portal de { $district }.
notice-new-device-subject = Nuevo inicio de sesión en su cuenta del portal de { $district }
notice-new-device-body = Nuevo inicio de sesión: { $device }, { $district }, { $time }. Se inició sesión en la cuenta { $username } del portal de { $district } desde un dispositivo o navegador que no había usado antes. Si fue usted, no tiene que hacer nada. Si no, cambie su contraseña ahora y cierre las sesiones que no reconozca: { $link }
device-browser-on = { $browser } en { $system }
device-browser = { $browser }
device-some-browser-on = Un navegador en { $system }
device-app-on = { $name } ({ $system })
device-app = { $name }
device-unknown = Un navegador o aplicación desconocidos
notice-sync-failed-subject = { $district }: falló la sincronización con el SIS
notice-sync-failed-body = Falló la sincronización de { $district } con su SIS, y no se importó nada de lo leído: { $other }. Las familias ven lo que trajo la última sincronización correcta. La próxima sincronización programada lo intentará de nuevo; la página Listas de la Consola del personal muestra cada una. Se le avisa una sola vez, hasta que una sincronización vuelva a funcionar.
