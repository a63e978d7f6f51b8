# Homeroom's words in English, shared by every page. Each file in this folder has a Spanish
# twin in ../es with the same message ids.

lang-code = en
# The switch at the foot of every page offers the other language, named in itself.
other-lang-code = es
other-lang-name = Español
skip-to-main = Skip to main content
footer-tagline = Homeroom · the family portal of your school district
log-in = Log In

# Notifications, written once for each account in its language.
notice-import-title = New from school
notice-import-line = { $scores ->
        [0] { $name }: { $marks } attendance { $marks ->
                [one] mark
               *[other] marks
            }
       *[other] { $marks ->
            [0] { $name }: { $scores } new { $scores ->
                    [one] score
                   *[other] scores
                }
           *[other] { $name }: { $scores } new { $scores ->
                    [one] score
                   *[other] scores
                } and { $marks } attendance { $marks ->
                    [one] mark
                   *[other] marks
                }
        }
    }
notice-grade-title = A grade below { $below } %
notice-grade-line = { $name }: { $class } is at { $percent } %
