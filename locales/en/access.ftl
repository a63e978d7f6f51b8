# The words of the pages a family meets before and around logging in: finding the district,
# logging in, New User, Forgot your password? / username?, the CAPTCHA, Change Password,
# Settings, and the printable activation-key letters. Labels in section 1 of DESIGN.md are
# kept word for word: help pages quote them.

## Find your district

finder-title = Find your district
finder-intro = Search for your school district by name or state, then choose the portal you use.
finder-district-name = District name
finder-state = State
finder-all-states = All states
finder-search = Search
finder-none-found = No districts found
finder-districts = Districts
finder-none-help = Check the spelling, try part of the name, or choose another state.
finder-parent = Parent
finder-student = Student
finder-choose-state = Choose a state from the list.

## Log in

access-portal-parent = Parent Portal
access-portal-student = Student Portal
access-portal-staff = Staff Console
access-portal-teacher = Teacher Portal
login-go-to-parent = Go to the Parent Portal
login-go-to-student = Go to the Student Portal
login-go-to-staff = Go to the Staff Console
login-go-to-teacher = Go to the Teacher Portal
login-other-student = Student? Go to the Student portal
login-other-parent = Parent? Go to the Parent portal
access-username = Username
access-password = Password
access-second-factor-code = Verification code
access-second-factor-hint = The 6-digit code your authenticator app shows now, or one of your recovery codes.
access-forgot-password = Forgot your password?
access-forgot-username = Forgot your username?
access-new-user = New User
login-find-another = Find a different district
login-fill-in = Fill in your username and password.

## What went wrong, as the pages say it

access-error-invalid-credentials = The username or password is not correct. Check them and try again.
access-error-captcha-required = Type the letters in the picture to show that you are a person.
access-error-second-factor-required = Enter the 6-digit code from your authenticator app, or one of your recovery codes.
access-error-invalid-second-factor = That code is not correct, or was used already. Enter the code your authenticator app shows now.
access-error-second-factor-enroll = Your district requires two-step verification for staff. Set up an authenticator app first.
access-error-captcha-invalid = The letters did not match the picture. Try this new one.
# $time: when the account may try again, such as "3:45 PM (CST)"; $hour: its hour, 1 to 12.
access-error-locked = Too many tries. This account can log in again after { $time }.
access-error-locked-soon = Too many tries. This account can log in again after a few minutes.
access-error-wrong-portal-parent = This is a parent account. Log in on the Parent Portal.
access-error-wrong-portal-student = This is a student account. Log in on the Student Portal.
access-error-wrong-portal-staff = This is a staff account. Log in on the Staff Console.
access-error-wrong-portal-teacher = This is a teacher account. Log in on the Teacher Portal.
access-error-username-taken = That username is taken. Choose another.
access-error-invalid-key = This activation key is not valid. Check it against your letter; each key works only once.
access-error-expired-key = This activation key has expired. Contact your school district for a new one.
access-error-invalid-reset-link = This link is not valid: it was used already or has expired. Ask for a new one.
access-error-rate-limited = Too many requests from your network. Please wait a few minutes and try again.

## The CAPTCHA

captcha-legend = Show that you are a person
captcha-image-alt = Five letters, drawn to be hard for computers to read
captcha-answer = Letters in the picture
captcha-cant-read = Can't read the picture?
captcha-puzzle = Let your device solve a puzzle instead

## New User

# Followed by the person's name in bold, then a full stop.
activate-key-for = This key is for
activate-choose = Choose the username and password you will log in with.
activate-username-rules = 3 to 64 characters: letters, digits and . _ - @ + (an email address works).
access-password-rules = At least { $min } characters. Not your username and not a common password. A few words you will remember make a good one.
activate-create = Create Account
activate-intro = Enter the activation key from the letter your district sent you.
access-activation-key = Activation Key
activate-key-help = 20 letters and digits, such as 7K3M-9QRT-A2B4-C6D8-EFGH.
access-continue = Continue
activate-no-key = No key? Contact your school district: they can send you one.
activate-enter-key = Enter your activation key.
access-back-to-login = Back to Log In

## Forgot your password? / Forgot your username? / a new password from the link

recovery-choose-new = Choose a new password
recovery-password-intro = Enter your username. If your account has an email address, we will send you a link to choose a new password.
recovery-send-link = Send the link
recovery-username-intro = Enter the email address your school has for you. We will send the usernames of your accounts to it.
recovery-email = Email address
recovery-send-usernames = Send my usernames
recovery-new-password = New password
recovery-password-help = At least { $min } characters. A few unrelated words make a strong password.
access-change-password = Change Password
recovery-password-sent = If that username has an account with an email address, a link to choose a new password is on its way. It works for 30 minutes.
recovery-usernames-sent = If accounts use that email address, their usernames are on their way to it.
recovery-changed = Your password was changed. Log in with it now.
recovery-enter-username = Enter your username.
recovery-enter-email = Enter your email address.
recovery-enter-password = Enter a new password.
recovery-email-needed = Enter the email address the school has for you.

## Change Password

password-must-change = Choose a new password before you continue.
password-changed = Your password was changed. Every other device was logged out.
password-current = Current Password
password-new = New Password
password-fill-both = Fill in both passwords.
password-not-current = This is not your current password.

## Settings

settings-title = Settings
settings-where = Where you are logged in
settings-intro = Browsers and apps logged in to this account. Log out any you do not recognize, then change your password.
settings-this-device = (this device)
# $when: a day and time (when-day-time).
settings-last-used = Last used { $when }
settings-from = from { $address }
settings-app-on = App on { $device }
settings-app = App
settings-browser-agent = Browser: { $agent }
settings-browser = Browser
settings-log-out-device = Log out this device
settings-push = Push notifications
settings-push-intro = Browsers and apps that get this account's notifications by push. Each stops when it logs out, and changing the password stops them all.
settings-push-none = No browser or app gets push notifications for this account.
# $when: a day and time (when-day-time).
settings-push-since = Turned on { $when }
# $when: a day and time (when-day-time).
settings-push-last-sent = last sent { $when }
settings-push-never-sent = nothing sent yet
settings-push-end = Turn off push for this device

## The printable activation-key letters

letters-title = Activation letters
# Followed by the person's name in bold.
letters-for = For
letters-intro-parent = Your district's family portal lets you follow your children's classes, grades and attendance from a browser or a phone. To create your account:
letters-intro-student = Your district's family portal lets you follow your classes, grades and attendance from a browser or a phone. To create your account:
# Followed by the portal's address in bold.
letters-go-to = Go to
# "Select New User at the bottom of the page.", around the label in bold.
letters-select = Select
letters-at-bottom = at the bottom of the page.
# "Enter this Activation Key:", before the label in bold.
letters-enter-this = Enter this
letters-choose = Choose a username and a password that you will remember.
# Followed by the date in bold, then letters-expired-help.
letters-expires = This key works once and expires on
letters-expired-help = . If it has expired, or you already have an account, contact your school.
letters-private = Keep this letter private: the key opens an account for { $name }.

## Why a new password was refused.

password-too-short = Use at least { $min } characters; a few words you will remember make a good password.
password-too-long = Use at most { $max } characters.
password-too-common = This password is one of the most common ones and easy to guess. Choose another.
password-is-username = Your password must not be your username.
password-is-district-name = Your password must not be the district's name.
second-factor-already = This account has two-step verification already: remove it first to set up another app.
second-factor-wrong-code = That code is not correct. Enter the 6-digit code your authenticator app shows now.
second-factor-not-started = Start setting up two-step verification first: there is no app waiting for its first code.
second-factor-none = This account has no two-step verification to remove.
second-factor-title = Two-step verification
second-factor-on = Two-step verification is on: logging in asks for a code from your authenticator app.
second-factor-step-app = Install an authenticator app on your phone (any app that makes 6-digit codes).
second-factor-step-scan = In the app, add an account and scan this code.
second-factor-qr-alt = QR code for your authenticator app
second-factor-step-type = Or type this key:
second-factor-step-code = Enter the 6-digit code the app shows.
second-factor-turn-on = Turn on
second-factor-recovery-title = Your recovery codes
second-factor-recovery-help = Keep these somewhere safe. If you lose your phone, each code logs you in once in place of the app's code. They are shown only now.
second-factor-remove-title = Remove the authenticator app
second-factor-remove = Remove
settings-second-factor-off = Two-step verification is off: logging in asks only for your password.
settings-second-factor-set-up = Set up an authenticator app
settings-second-factor-manage = Manage
login-passkey = Sign in with a passkey
login-passkey-failed = The passkey did not sign you in. Try again, or log in with your password.
passkeys-title = Passkeys
passkeys-intro = A passkey lets you log in with your phone's or computer's screen lock (fingerprint, face or PIN) instead of your password. It stays on your device and works only on this portal. Changing your password removes every passkey.
passkeys-none = This account has no passkeys.
passkeys-added-on = Added { $when }
passkeys-last-used = last used { $when }
passkeys-never-used = not used yet
passkeys-remove = Remove this passkey
passkeys-name = Name for the new passkey (optional)
passkeys-password = Your password
passkeys-add = Add a passkey
passkeys-working = Follow the steps your device shows…
passkeys-failed = The passkey was not added. Check your password and try again.
passkeys-unsupported = This browser cannot make passkeys.
passkeys-needs-script = Adding a passkey needs JavaScript.
passkey-try-again = The passkey request ran out or was already used. Try again.
passkey-not-accepted = This passkey could not be added. Try again, or use another device.
passkey-too-many = An account holds at most { $max } passkeys. Remove one first.
passkey-name-too-long = The passkey's name must be at most { $max } characters.

## Sign in with the district's identity provider
sso-sign-in-with = Sign in with { $provider }
sso-failed-title = Sign-in did not work
sso-back-to-login = Back to the login page
sso-cancelled = The sign-in was cancelled or refused at your district's sign-in service. Try again, or log in with your username and password.
sso-provider-down = { $provider } did not answer. Try again in a few minutes, or log in with your username and password.
sso-code-refused = This sign-in was already used or has expired. Start again from the login page.
sso-token-refused = The answer from your district's sign-in service could not be trusted, so you were not signed in. Start again from the login page.
sso-no-claim = Your district's sign-in service did not say who you are. Ask your school district for help.
sso-state-unknown = This sign-in was already used or has expired. Start again from the login page.
sso-nobody = Your district's sign-in worked, but no one in this portal matches your account. Ask your school district for help.
sso-several = Your district's sign-in matches more than one person here, so you were not signed in. Ask your school district for help.
sso-account-unavailable = Your account cannot be used on this portal. Ask your school district for help.
sso-signed-out-title = You are logged out
sso-signed-out-body = You are logged out of the portal. Signing you out of { $provider } too, so that nobody else on this device is signed in as you…
sso-signed-out-continue = Sign out of { $provider }
