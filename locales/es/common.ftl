# Las palabras de Homeroom en español, comunes a todas las páginas. Cada archivo de esta
# carpeta tiene su gemelo en ../en con los mismos identificadores.

lang-code = es
other-lang-code = en
other-lang-name = English
skip-to-main = Saltar al contenido principal
footer-tagline = Homeroom · el portal para familias de su distrito escolar
log-in = Iniciar sesión
