# portal: the pages families use after logging in (home, the six tools, Notifications,
# Access Log, Linked Districts), the page errors and the Connection Error page.

## The tools, as the menus and headings name them (DESIGN 1.7).

tool-today = Today
tool-calendar = Calendar
tool-assignments = Assignments
tool-grades = Grades
tool-attendance = Attendance
tool-schedule = Schedule
# The reason shown when staff turned a tool off without giving one.
tool-off-default = Your school district has turned this tool off.
tool-parents-only = This tool is for parents.
tool-off-line = { $tool } is not available: { $reason }

## Home and the account menu.

home-portal-parent = Parent Portal
home-portal-student = Student Portal
home-portal-staff = Staff Console
home-portal-teacher = Teacher Portal
home-welcome = Welcome, { $name }
# Followed by the username, in bold, and a full stop. $kind: parent, student or staff.
home-logged-in = You are logged in to the { $portal } as
home-no-students = No student records are shared with this account yet. If you expected to see a child here, contact your school.
home-grade = grade
home-tools-for = Tools for { $name }
menu-account = Account
menu-home = Home
menu-notifications = Notifications
menu-unread = { $count } unread
menu-access-log = Access Log
menu-linked-districts = Linked Districts
menu-settings = Settings
menu-change-password = Change Password
menu-log-out = Log Out

## The top of each tool page.

nav-children = Children
nav-also-see = Also see:
nav-tools = Tools

## What the tools show.

flag-missing = Missing
flag-late = Late
flag-excused = Excused
mark-absent = Absent
mark-tardy = Tardy
mark-present = Present
mark-excused = excused
mark-unexcused = unexcused
mark-whole-day = Whole day
tools-no-classes = No classes yet.
today-classes = Today's classes
today-no-school = No school today: { $reason }
today-weekend = Weekend
today-no-classes = No classes today.
today-period = Period
today-due-soon = Due soon
today-nothing-due = Nothing due in the next seven days.
today-due-on = due { $date }
today-recent-scores = Recent scores
today-no-scores = No new scores in the last two weeks.
today-attendance = Attendance today
today-nothing-recorded = Nothing recorded today.
calendar-months = Months
calendar-previous = Previous month
calendar-next = Next month
calendar-no-school = No school: { $reason }
calendar-due = Due:
assignments-assignment = Assignment
assignments-due = Due
assignments-score = Score
assignments-flags = Flags
grades-period = Grading period
grades-in-progress = In progress
grades-posted = Posted
grades-other = Other
grades-missing = { $count } missing
grades-scale = Letters: { $scale }. In-progress grades change as scores are posted.
attendance-outside-terms = Outside the terms
attendance-absences = { $count } { $count ->
        [one] absence
       *[other] absences
    }
attendance-tardies = { $count } { $count ->
        [one] tardy
       *[other] tardies
    }
attendance-excused = { $count } excused
attendance-unexcused = { $count } unexcused
attendance-date = Date
attendance-mark = Mark
attendance-none = No absences or tardies.
schedule-dates = { $start } to { $end }
schedule-classes = Classes
schedule-period = Period
schedule-class = Class
schedule-room = Room
schedule-teacher = Teacher

## Notifications (the inbox and the choices of delivery).

inbox-nothing-unread = Nothing unread.
inbox-unread = { $count } unread.
inbox-kept = Notifications are kept for 90 days.
inbox-new = New
inbox-mark-read = Mark read
inbox-device = On this device
inbox-push-on = Turn on push notifications
inbox-also = Also by email or push
inbox-tell-me = Tell me, besides this inbox, about
inbox-by-email = { $what } by email
inbox-by-push = { $what } by push
inbox-send-email = Send my email
inbox-immediate = As each notification arrives
inbox-daily = In one daily summary, at 5 PM
inbox-grade-below = Tell me when a class grade falls below (percent, blank for never)
inbox-save = Save
inbox-event-score = New scores
inbox-event-grade = A grade below my threshold
inbox-event-attendance = Absences and tardies
inbox-event-message = Messages from the school
inbox-bad-form = The form could not be read.

## Access Log.

accesslog-intro = Every time someone opens a student's record in the portal, it is written down. This is who did, newest first.
accesslog-none = Nobody has read these records yet.
accesslog-caption-parent = Reads of your children's records
accesslog-caption-student = Reads of your record
accesslog-when = When
accesslog-student = Student
accesslog-who = Who
accesslog-what = What
accesslog-reader = { $name } ({ $role ->
    [parent] parent
    [student] student
   *[staff] district staff
})
accesslog-operator = District operator
accesslog-staff = District staff
accesslog-record = Record
accesslog-console = Account and family, in the staff console

## Linked Districts (DESIGN 1.10).

links-manage = Manage Districts
links-generate-heading = Generate a code from this district
links-generate-help = Then log in to your account in the other district and enter the code there, within 10 minutes.
links-copy = Copy
links-generate = Generate
links-enter-heading = Enter the code generated from another district
links-code = Code
links-link = Link
links-back = Back to Linked Districts
links-none = This account is not linked with an account in another district yet.
links-switch = Switch
links-unlink = Unlink
links-linked = The accounts are linked.
links-unlinked = The account was unlinked.
links-enter-code = Enter the code generated from the other district.

## Page errors, a district in maintenance, and the app's Connection Error page.

page-error-not-found = Page not found
page-error-bad-link = This link does not work
page-error-tool-off = This tool is turned off
page-error-invalid = That request could not be understood
page-body-too-large = That was more than the { $kib } KiB a page takes at once.
page-body-unreadable = What was sent could not be read. Please try again.
page-error-unavailable = The portal is unavailable
page-error-home = Go to the home page
page-error-nothing-here = Nothing was found at this address.
page-error-log-in = Please log in.
page-error-change-password = Choose a new password before you continue.
page-error-invalid-code = This code is not valid. Codes work once, for 10 minutes: generate a new one.
page-error-linking-off = Linked Districts is not available for this account.
page-error-reset-link = This link is not valid: it was used already or has expired. Ask for a new one.
page-error-rate-limited = Too many requests from your network. Please wait a few minutes and try again.
page-error-database = The portal is temporarily unavailable. Please try again in a few minutes.
page-error-internal = Something went wrong on our side. Please try again later.
page-error-address = The address could not be understood.
unavailable-title = { $district } is unavailable
unavailable-later = Please try again later.
unavailable-other = Find a different district
offline-title = Connection Error
offline-unreachable = The portal could not be reached.
offline-check = Check your Internet connection: turn Wi-Fi or mobile data off and on again.
offline-down = Make sure your district's portal is not down: your school's website or office will say.
offline-retry = Try again

## Absence Request: a parent reports that a child will be away.

tool-absence-requests = Absence Request
mark-reported-by-family = reported by the family
absence-sent = Request sent for { $days }.
absence-sent-skipped = No school on { $days }: those days are not part of the request.
absence-what-next = The attendance office reviews each request. You will be told here (and by email or notification, if you chose them) when it is approved or declined. Until then you can withdraw it below.
absence-new = Report an absence
absence-about = Tell the school your child will be away. Requests for today are accepted until { $time }; after that, please call the school's attendance line.
absence-from = First day
absence-from-help = From today (until the cut-off) to { $last }.
absence-to = Last day
absence-to-help = Leave it empty for one day. Weekends and days without school are skipped.
absence-part = Missing
absence-part-whole-day = The whole day
absence-part-arrive-late = Arriving late
absence-part-leave-early = Leaving early
absence-part-arrive-late-at = Arriving late at { $time }
absence-part-leave-early-at = Leaving early at { $time }
absence-time = Time (arriving late or leaving early)
absence-time-help = For example 10:15. Leave it empty for a whole day.
absence-reason = Reason
absence-reason-pick = Choose a reason
absence-reason-illness = Illness
absence-reason-appointment = Appointment
absence-reason-family = Family
absence-reason-religious = Religious observance
absence-reason-other = Other
absence-comment = Comment (optional)
absence-comment-help = At most 500 characters. The attendance office reads it.
absence-send = Send request
absence-requests = Requests
absence-none = No requests yet.
absence-asked-by = asked by { $name }
absence-office-note = Note from the office: { $note }
absence-withdraw = Withdraw the request for { $days }
absence-state-submitted = Waiting for the office
absence-state-approved = Approved
absence-state-declined = Declined
absence-state-withdrawn = Withdrawn
absence-state-all = All
absence-fill-form = Fill in the first day, the part of the day and a reason.
absence-invalid-part = Choose the whole day, arriving late or leaving early.
absence-invalid-reason = Choose a reason.
absence-invalid-state = Choose what to show from the list.
absence-invalid-decision = Approve or decline.
absence-invalid-time = Write the time as HH:MM, for example 10:15.
text-control-characters = The text must not contain control characters.
text-too-long = Write at most { $max } characters.
absence-error-order = The last day is before the first day.
absence-error-past = That day has passed.
absence-error-cutoff = Requests for today close at { $time }. Please call the school's attendance line.
absence-error-ahead = Requests can reach { $days } days ahead, up to { $date }.
absence-error-time-whole-day = A whole day takes no time. Give a time only for arriving late or leaving early.
absence-error-time-needed = Say at what time your child arrives or leaves.
absence-error-part-one-day = Arriving late or leaving early is asked for one day at a time.
absence-error-too-many-days = A request covers at most { $max } school days. Please send another for the rest, or call the school.
absence-error-no-school-days = There is no school on those days.
absence-error-duplicate = A request for { $days } is open already. Withdraw it first to change it.
absence-error-settled = This request is { $state ->
        [approved] approved
        [declined] declined
       *[withdrawn] withdrawn
    } already.

## Conversations
conversation-family-of = Family of { $name }
conversation-students-off = Your district does not let students send messages.
conversation-blocked = The teacher has paused replies in this conversation.
conversation-too-many = You have sent many messages in the last hour (at most { $max }). Please wait a while before writing more.
conversation-teacher-unavailable = This teacher cannot receive messages in Homeroom.
conversation-retract-late = Only your own message can be retracted, within 5 minutes of writing it.
conversation-empty = Write a message first.
office-hours-no-day = Choose at least one day.
office-hours-order = Office hours must end after they start.
menu-conversations = Messages
conversations-title = Messages
conversations-none = No messages yet.
conversations-back = All messages
conversation-about = About { $name }
conversation-paused = Replies paused
conversation-paused-help = The teacher has paused replies in this conversation.
conversation-office-hours = Office hours: { $hours }
conversation-sent = Your message was sent.
conversation-expect-answer = The teacher is outside office hours: expect an answer from { $when }.
conversation-retracted = This message was retracted.
conversation-read-by = Read by { $names }
conversation-retract = Retract this message
conversation-later = Later messages
conversation-reply = Your reply
conversation-message = Your message
conversation-body-help = Plain text, up to 4,000 characters. Web addresses become links. Your school district can read every conversation.
conversation-send = Send
conversation-cannot-write = You cannot write in this conversation now.
conversation-pause = Pause the family's replies
conversation-resume = Let the family reply again
conversation-to-teacher = Write to { $name }
conversation-to-family = Write to the family of { $name }
conversation-to-class = Write to every family of { $class } ({ $count } students)
conversation-write-to = Write to { $name }
teacher-classes = Your classes this term
teacher-no-classes = No classes this term.
teacher-write-class = Write to every family of this class
teacher-write-family = Write to the family of { $name }
teacher-guardians = Guardians: { $names }
teacher-no-guardians = No guardian reads the portal yet.
office-hours-title = Office hours
office-hours-about = Families who write outside these hours are told when to expect an answer.
office-hours-saved = Your office hours were saved.
office-hours-days = Days
office-hours-start = From
office-hours-end = Until
office-hours-save = Save office hours
office-hours-clear = Remove office hours
weekday-long = { $day ->
    [1] Monday
    [2] Tuesday
    [3] Wednesday
    [4] Thursday
    [5] Friday
    [6] Saturday
   *[7] Sunday
}
conversation-urgent = Urgent: push it even in quiet hours (9 pm to 7 am)
conversation-urgent-off = Your district does not allow urgent messages.
