# Homeroom's words in English, shared by every page. Each file in this folder has a Spanish
# twin in ../es with the same message ids.

lang-code = en
# The switch at the foot of every page offers the other language, named in itself.
other-lang-code = es
other-lang-name = Español
skip-to-main = Skip to main content
footer-tagline = Homeroom · the family portal of your school district
log-in = Log In
