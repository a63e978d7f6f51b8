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
notice-conversation-title = { $name } wrote about { $student }

# Words the page's scripts show, handed to them by the page.
captcha-working = Working…
captcha-done = Done. Press the button below to go on.
captcha-failed = That did not work. Type the letters instead.
links-copied = Copied.
links-copy-by-hand = Copy it by hand.
push-working = Turning on…
push-blocked = Notifications are blocked in this browser's settings.
push-on-done = Push notifications are on for this device.
push-failed = Push notifications could not be turned on.
# $count: how many browsers and apps an account may get pushes on.
push-too-many = This account already gets push notifications on { $count } browsers and apps. Turn one off in Settings first.

# Dates and times. Numbers come as text, already padded where they need it.

when-month = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
}
when-month-short = { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
}
# 3:05 PM
when-time = { $hour }:{ $minute } { $half ->
    [am] AM
   *[pm] PM
}
# October 2025
when-month-year = { $month } { $year }
# Oct 6, 2025 3:05 PM
when-date-time = { $month } { $day }, { $year } { $time }
# October 6 at 3:05 PM
when-day-time = { $month } { $day } at { $time }

# What is wrong with a value someone typed.
invalid-username-length = A username is { $min } to { $max } characters long.
invalid-username-characters = A username may hold only letters a-z, digits and . _ - @ +
invalid-code-characters = { $what ->
        [key] An activation key
       *[code] A code
    } holds only letters and digits.
invalid-code-length = { $what ->
        [key] An activation key
       *[code] A code
    } has { $length } letters and digits.
invalid-link-code = A code begins with its district’s number, as in 12-ABCD-EFGH.
invalid-grade-threshold = A grade threshold is a whole percentage from 1 to 100, not “{ $value }”.
invalid-window-order = The window ends before it starts.
invalid-window-length = A window lasts at most 400 days.
invalid-date = A date is written YYYY-MM-DD, not “{ $value }”.

# What stands in the way of a request.
conflict-same-district = Two accounts of one district cannot be linked. Enter the code in the other district's portal.
conflict-other-kind = A { $kind } account can be linked only with another { $kind } account.
conflict-linked-already = These accounts are linked already.
conflict-one-district = Linking these would put two accounts of one district together. Unlink one first.
conflict-has-account = This person already has an account.
conflict-has-account-reset = This person already has an account: reset its password instead.
conflict-keys-only = Keys are only for active guardians and students.

## Absence requests: what the family is told of a decision, and the office's digest.

absence-notice-title = { $name }'s absence request { $state ->
        [approved] was approved
       *[declined] was declined
    }
absence-notice-body = { $name }'s absence on { $days } { $state ->
        [approved] was approved: the school counts it as excused.
       *[declined] was declined. Please contact the school's attendance office.
    }
absence-notice-note = Note from the office: { $note }
absence-office-title = { $count ->
        [one] A new absence request
       *[other] { $count } new absence requests
    }: { $school }
weekday-short = { $day ->
    [1] Mon
    [2] Tue
    [3] Wed
    [4] Thu
    [5] Fri
    [6] Sat
   *[7] Sun
}
