# The Staff Console: people and accounts, Portal Tools, Send a Message, Import, the mail queue.

console-title = Staff Console
console-back = Back to the Staff Console
console-save = Save
console-tools-link = Portal Tools
console-tools-about = : which tools families see, and when.
console-message-link = Send a Message
console-message-about = {" "}to the district, a school, a grade level or a class.
console-search-label = Find a person or an account
console-search-help = Part of a name, a student information system id, or a username.
console-search = Search
console-nobody-found = Nobody found
console-people = People
console-account-named = account { $username }
console-no-account = no account
console-mail-heading = Mail and notifications
console-mail-counts = { $waiting } waiting to be sent, { $dead } that could not be sent.
console-mail-queue = Mail queue
console-mail = Mail
console-since = Since
console-state = State
console-tries = Tries
console-last-error = Last error
console-waiting = Waiting
console-not-sent = Not sent
console-form-unreadable = The form could not be read: { $why }

job-reset-link = Password reset link
job-password-changed = Password changed notice
job-usernames = Username reminder
job-notification-mail = Notification by email
job-digest = Daily summary by email
job-school-message = School message to families
job-import-news = News of an import to families
job-push = Push notification
job-security-notice = Security notice by mail
job-other = Other

person-shown-once = It is shown only this once.
person-role = Role
person-sis-id = Id in the student information system
person-account = Account
person-active = active
person-disabled = disabled
person-none = none
person-family = Family
person-ended = ended
person-portal-on = Portal access on
person-portal-off = Portal access off
person-turn-portal-off = Turn Portal Access Off
person-turn-portal-on = Turn Portal Access On
person-staff-managed = Staff accounts are managed by the portal's operator, not from this console.
person-reset-password = Reset Password
person-reset-second-factor = Remove two-step verification
person-reset-second-factor-help = For a lost phone: the account logs in with its password alone (staff who must have an authenticator app set up a new one). The account is told.
person-reset-help = Sets a temporary password that must be changed at the next login, and logs the account out everywhere.
person-disable = Disable Account
person-enable = Enable Account
person-generate-key = Generate Key
person-print-letter = Print Letter
person-key-help = Both make a new activation key; any earlier key stops working.
person-new-username = Username for a new account
person-create-account = Create Account
person-create-help = The account gets a temporary password that must be changed at the first login.
person-activation-key = Activation Key
person-key-note = Give it to { $name }; it expires on { $expires }.
person-temporary-password = Temporary password
person-account-created = Account { $username } was created; the password must be changed at the first login.
person-password-reset = { $username } must change it at the next login; every session was ended.
person-choose-username = Choose a username for the account.

tools-title = Portal Tools
tools-today-caption = Today ({ $today }), for the whole district
tools-tool = Tool
tools-portal = Portal
tools-school = School
tools-parent-portal = Parent portal
tools-student-portal = Student portal
tools-both-portals = Both portals
tools-whole-district = Whole district
tools-scope = Which tool, where
tools-switches = Switches
tools-windows = Off-windows
tools-remove-window = Remove window { $id }
tools-switch-heading = Switch a tool on or off
tools-switch = Switch
tools-on = On
tools-off = Off
tools-off-because = Off: { $reason }
tools-switch-reason = Reason shown to families (when off)
tools-window-heading = Turn a tool off for a window of dates
tools-first-day = First day off
tools-last-day = Last day off
tools-window-reason = Reason shown to families
tools-window-reason-help = For example: Grades are closed while report cards are prepared.
tools-add-window = Add window
tools-choose-on-off = Choose On or Off.
tools-switch-saved = The switch was saved.
tools-window-added = Window { $id } was added.
tools-window-removed = Window { $id } was removed.
tools-switch-on-line = { $tool } on on the { $portal } portal, { $where }
tools-switch-off-line = { $tool } off on the { $portal } portal, { $where }
tools-window-line = { $tool } off from { $from } to { $to } on the { $portal } portal, { $where }: “{ $reason }”
tools-window-line-both = { $tool } off from { $from } to { $to } on both portals, { $where }: “{ $reason }”

messages-title = Send a Message
messages-to = To
messages-to-district = The whole district
messages-to-school = A school
messages-to-grade = A grade level
messages-to-class = A class
messages-which = Which school, grade or class
messages-which-help = The school's or class's id from the student information system, or the grade level (such as 03). Leave empty for the whole district.
messages-subject = Title
messages-body = Message
messages-send = Send
messages-fill-in = Fill in the title and the message.
messages-sent = The message is on its way to the families.

import-title = Import
import-heading = Import from the student information system
import-file-label = OneRoster file (.zip)
import-file-help = Bulk or delta, OneRoster 1.1 or 1.2. Nothing changes unless every row is good.
import-button = Import
import-nothing-imported = Nothing was imported: { $total } { $total ->
        [one] problem
       *[other] problems
    } in the files.
import-the-first = The first { $shown }:
import-warnings = { $total ->
    [one] One row was imported but looks wrong; check it in the student information system.
   *[other] { $total } rows were imported but look wrong; check them in the student information system.
}
import-done = The import is done.
import-what-changed = What changed
import-kind = Kind
import-created = Created
import-updated = Updated
import-deactivated = Deactivated
import-busy = Another import is running. Try again when it has finished.
import-too-large = The file is larger than the { $megabytes } MB this server accepts.
import-unreadable = The upload could not be read. Choose the file again.
import-unstored = The server could not store the upload.
import-choose-zip = Choose a .zip file to import.
import-not-zip = That file is not a .zip. Export the OneRoster files as a .zip and choose it.
console-read-limit = You have opened { $limit } students' records in the last hour, this district's limit for staff. Your district's administrators have been told. You can open more in { $minutes } minutes.

## Absence Requests: the attendance office's queue.

console-absences-link = Absence Requests
console-absences-about = : approve or decline the absences families report.
absence-waiting = { $count } waiting
absence-queue-title = Absence Requests
absence-queue-state = Show
absence-queue-date = Covering the day
absence-queue-date-help = Leave it empty for today's and upcoming requests.
absence-queue-show = Show
absence-queue-empty = No requests to show.
absence-no-school = Without a school
absence-note = Note to the family (optional)
absence-note-for = Note to { $name }'s family (optional)
absence-note-help = At most 500 characters. The family reads it with the decision.
absence-approve-one = Approve { $name }
absence-decline-one = Decline { $name }
absence-bulk = Decide the ticked requests
absence-approve-ticked = Approve the ticked requests
absence-decline-ticked = Decline the ticked requests
absence-pick-some = Tick at least one request.
absence-decided = { $count ->
        [one] One request decided.
       *[other] { $count } requests decided.
    }
absence-decided-before = { $count ->
        [one] One had been decided or withdrawn already, and was left as it was.
       *[other] { $count } had been decided or withdrawn already, and were left as they were.
    }
job-absence-office = Absence requests, to the attendance office
job-absence-decision = An absence decision, to the family
console-conversations-link = Conversations
console-conversations-about = : read every conversation between families and teachers (each reading is recorded).
conversations-console-help = Every conversation of the district, latest first. Opening one is recorded in the audit log.
conversation-console-audited = Your reading of this conversation is recorded in the audit log. Retracted messages are shown with their text.
console-sync-link = Rostering
console-sync-about = : the sync from the SIS's OneRoster API, and what each run imported.
sync-title = Rostering
sync-connected = Synced from the SIS at { $url }.
sync-client = Client: { $client }.
sync-every = A sync runs every { $every }.
sync-when-asked = A sync runs only when asked (the operator sets sync_interval to run it on a schedule).
sync-now = Sync now
sync-none = No SIS is connected. The portal's operator connects one with homeroom sync oneroster.
sync-runs = Latest runs
sync-no-runs = No sync has run yet.
sync-started = Started
sync-outcome = Outcome
sync-records = Records read
sync-what = What happened
sync-mode-bulk = everything
sync-mode-delta = what changed
sync-outcome-imported = Imported
sync-outcome-failed = Failed: nothing imported
sync-outcome-running = Running
sync-by-schedule = on schedule
sync-problems = { $count } problem(s)
sync-queued = A sync will start within a minute. Reload this page to see it.
sync-already-queued = A sync is already waiting to start.
