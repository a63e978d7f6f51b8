# The words of the mail the portal sends: a reset link, a changed password, forgotten
# usernames, a notification and the daily digest. Each mail is written in the language of the
# account it goes to.

mail-hello-name = Hello { $name },
mail-hello = Hello,

## Forgot your password?

mail-reset-subject = Reset your { $district } portal password
mail-reset-title = Reset your password
mail-reset-asked = Someone asked to reset the password of the { $district } portal account { $username }.
mail-reset-open = To choose a new password, open this link within 30 minutes:
mail-reset-link = Choose a new password
mail-reset-once = The link works once. If you did not ask for this, you can ignore this mail: your password stays as it is.

## The password was changed

mail-changed-subject = Your { $district } portal password was changed
mail-changed-title = Your password was changed
mail-changed-body = The password of the { $district } portal account { $username } was changed, and every device that was logged in to it has been logged out.
mail-changed-not-you = If you did not do this, contact your school district at once.

## Forgot your username?

mail-usernames-subject = Your { $district } portal username
mail-usernames-title = Your usernames
mail-usernames-asked = Someone asked for the usernames of the { $district } portal accounts that belong to this email address. They are:
mail-log-in = Log in
# Followed by the address of the login page.
mail-log-in-at = Log in at
mail-ignore = If you did not ask for this, you can ignore this mail.

## A notification, and the daily digest

mail-see-it = See it in the portal
mail-notification-why = You get this mail because you asked for it in the portal's Notifications settings.
mail-digest-heading = { $count ->
    [one] { $count } notification
   *[other] { $count } notifications
} from { $district }
mail-see-them = See them in the portal
mail-digest-why = You get this mail once a day because you asked for a daily digest in the portal's Notifications settings.

## Security notices: what changed who can reach an account (also shown in the inbox)

notice-account-of = { $username } of { $district }
notice-not-you = Not you? If you did not do this or expect it, change your password and contact your school district at once.
notice-linked-subject = Your { $district } portal account was linked to another account
notice-linked-body = The { $district } portal account { $username } was linked to { $other }. Whoever is logged in to either account can now switch to the other without a password.
notice-unlinked-subject = Your { $district } portal account is no longer linked to another account
notice-unlinked-body = The { $district } portal account { $username } is no longer linked to { $other }.
notice-reset-subject = District staff reset your { $district } portal password
notice-reset-body = District staff set a temporary password for the { $district } portal account { $username }, and every device that was logged in to it has been logged out. The temporary password must be changed at the next login.
notice-reads-subject = A { $district } staff account reached its hourly limit of student records
notice-reads-body = The staff account { $other } in the last hour, more than { $district } allows, and was stopped from opening more. If this was not expected, disable the account in the Staff Console and ask the portal's operator to reset its password.
notice-2fa-added-subject = Two-step verification is on for your { $district } portal account
notice-2fa-added-body = An authenticator app was set up for the { $district } portal account { $username }: from now on, logging in asks for its code. If this was not you, change your password and ask your district for help.
notice-2fa-removed-subject = Two-step verification was turned off for your { $district } portal account
notice-2fa-removed-body = The authenticator app of the { $district } portal account { $username } was removed: logging in no longer asks for its code. If this was not you, change your password and ask your district for help.
notice-2fa-reset-subject = District staff turned off two-step verification for your { $district } portal account
notice-2fa-reset-body = District staff removed the authenticator app of the { $district } portal account { $username }, so that a new one can be set up at the next login. If you did not ask for this, contact your district.
notice-created-subject = District staff made you a { $district } portal account
notice-created-body = District staff made the { $district } portal account { $username } for you.
notice-email-subject = The email address of your { $district } portal account changed
notice-email-body = The email address of the { $district } portal account { $username } was changed in the district's records. Mail about the account will go to the new address from now on, not to this one.
notice-passkey-added-subject = A passkey was added to your { $district } portal account
notice-passkey-added-body = The passkey "{ $other }" was added to the { $district } portal account { $username }: it can now log in without the password. If this was not you, change your password (which removes every passkey) and ask your district for help.
notice-passkey-removed-subject = A passkey was removed from your { $district } portal account
notice-passkey-removed-body = The passkey "{ $other }" was removed from the { $district } portal account { $username }.
notice-new-device-subject = New sign-in to your { $district } portal account
notice-new-device-body = New sign-in: { $device }, { $district }, { $time }. The { $district } portal account { $username } was logged in to from a device or browser it had not used before. If this was you, there is nothing to do. If not, change your password now and end the sessions you do not know: { $link }
device-browser-on = { $browser } on { $system }
device-browser = { $browser }
device-some-browser-on = A browser on { $system }
device-app-on = { $name } ({ $system })
device-app = { $name }
device-unknown = An unknown browser or app
notice-sync-failed-subject = { $district }: the sync from the SIS failed
notice-sync-failed-body = The sync of { $district } from its SIS failed, and nothing it read was imported: { $other }. Families see what the last good sync brought. The next scheduled sync tries again; the Staff Console's Rostering page shows every run. You are told once, until a sync succeeds again.
